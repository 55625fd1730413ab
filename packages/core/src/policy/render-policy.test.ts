import { describe, expect, it } from 'vitest'
import { isIamError } from '../errors/iam-error.js'
import { applyUpdateMask } from './apply-update-mask.js'
import { checkVersionDowngrade } from './check-version-downgrade.js'
import { withcondRole } from './compute-etag.js'
import { renderPolicy } from './render-policy.js'
import type { Policy } from './types.js'

function thrown(f: () => unknown): { status: string; reason: string; message: string } {
  try {
    f()
  } catch (e) {
    if (isIamError(e)) return { status: e.status, reason: e.reason, message: e.message }
    throw e
  }
  throw new Error('expected a throw')
}

const cond = { expression: 'request.path.startsWith("/a")', title: 'a' }
const conditional: Policy = {
  version: 3,
  bindings: [
    { role: 'roles/run.invoker', members: ['allUsers'] },
    { role: 'roles/run.invoker', members: ['user:a@example.com'], condition: cond },
  ],
  etag: 'BwYabc123xY=',
}
const plain: Policy = {
  version: 1,
  bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }],
  etag: 'BwYzzz123xY=',
}

describe('renderPolicy', () => {
  it('returns {etag: ACAB} when there is no policy', () => {
    expect(renderPolicy(undefined, 3)).toEqual({ etag: 'ACAB' })
    expect(renderPolicy(undefined, undefined)).toEqual({ etag: 'ACAB' })
  })

  it('returns version 3 with conditions when asked for 3', () => {
    const r = renderPolicy(conditional, 3)
    expect(r).toEqual(conditional)
    expect(Object.keys(r)).toEqual(['version', 'bindings', 'etag'])
  })

  it.each([undefined, 0, 1])('hides conditions behind _withcond_ roles when asked for %s', (v) => {
    expect(renderPolicy(conditional, v)).toEqual({
      version: 1,
      bindings: [
        { role: 'roles/run.invoker', members: ['allUsers'] },
        { role: withcondRole('roles/run.invoker', cond), members: ['user:a@example.com'] },
      ],
      etag: 'BwYabc123xY=',
    })
  })

  it('returns version 1 for a policy without conditions, whatever was asked', () => {
    expect(renderPolicy(plain, 3)).toEqual(plain)
    expect(renderPolicy(plain, 1)).toEqual(plain)
  })

  it('keeps the etag of a policy whose bindings were all removed', () => {
    expect(renderPolicy({ version: 1, etag: 'BwYzzz123xY=' }, 3)).toEqual({
      version: 1,
      etag: 'BwYzzz123xY=',
    })
  })

  it('rejects an invalid requested version', () => {
    expect(thrown(() => renderPolicy(plain, 2))).toMatchObject({
      status: 'INVALID_ARGUMENT',
      reason: 'INVALID_POLICY_VERSION',
    })
  })
})

describe('checkVersionDowngrade', () => {
  it('rejects a version-1 write over a version-3 policy when an etag is given', () => {
    expect(thrown(() => checkVersionDowngrade(conditional, plain, true))).toEqual({
      status: 'INVALID_ARGUMENT',
      reason: 'POLICY_VERSION_DOWNGRADE',
      message:
        'Specified policy version (1) cannot be less than the existing policy version (3). For more information, please refer to https://cloud.google.com/iam/docs/policies#versions',
    })
    expect(
      thrown(() => checkVersionDowngrade(conditional, { bindings: [] }, true)).message,
    ).toContain('(1)')
  })

  it.each<[string, Policy | undefined, Policy, boolean]>([
    ['no etag: overwrite allowed', conditional, plain, false],
    ['version 3 over version 3', conditional, { ...plain, version: 3 }, true],
    ['version 1 over version 1', plain, plain, true],
    ['nothing stored', undefined, plain, true],
  ])('allows %s', (_n, stored, incoming, etag) => {
    expect(() => checkVersionDowngrade(stored, incoming, etag)).not.toThrow()
  })

  it('rejects writing a _withcond_ role back, with or without etag', () => {
    const back = renderPolicy(conditional, 1)
    for (const etag of [true, false]) {
      expect(thrown(() => checkVersionDowngrade(conditional, back, etag)).reason).toBe(
        'WITHCOND_ROLE',
      )
    }
  })
})

describe('applyUpdateMask', () => {
  const stored: Policy = {
    version: 3,
    bindings: [{ role: 'roles/run.viewer', members: ['allUsers'] }],
    auditConfigs: [{ service: 'allServices' }],
    etag: 'BwYabc123xY=',
  }
  const incoming: Policy = {
    version: 1,
    bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }],
    auditConfigs: [{ service: 'run.googleapis.com' }],
    etag: 'BwYzzz123xY=',
  }

  it.each<[string | undefined, Policy]>([
    [
      undefined,
      {
        version: 3,
        bindings: incoming.bindings!,
        auditConfigs: stored.auditConfigs!,
        etag: incoming.etag!,
      },
    ],
    [
      '',
      {
        version: 3,
        bindings: incoming.bindings!,
        auditConfigs: stored.auditConfigs!,
        etag: incoming.etag!,
      },
    ],
    ['bindings,etag,version,auditConfigs', incoming],
    [
      ' audit_configs , version ',
      {
        version: 1,
        bindings: stored.bindings!,
        auditConfigs: incoming.auditConfigs!,
        etag: stored.etag!,
      },
    ],
  ])('mask %j', (mask, expected) => {
    expect(applyUpdateMask(stored, incoming, mask)).toEqual(expected)
  })

  it('clears a masked field absent from the incoming policy', () => {
    expect(applyUpdateMask(stored, {}, 'auditConfigs').auditConfigs).toBeUndefined()
  })

  it('works with nothing stored', () => {
    expect(applyUpdateMask(undefined, incoming)).toEqual({
      bindings: incoming.bindings!,
      etag: incoming.etag!,
    })
  })

  it('rejects unknown paths, naming them', () => {
    expect(thrown(() => applyUpdateMask(stored, incoming, 'bindings,members'))).toEqual({
      status: 'INVALID_ARGUMENT',
      reason: 'INVALID_UPDATE_MASK',
      message:
        'Invalid update mask path "members": supported paths are bindings, etag, version and auditConfigs.',
    })
  })
})
