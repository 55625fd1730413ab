import { describe, expect, it } from 'vitest'
import { IamError, isIamError } from '../errors/iam-error.js'
import type { Expr, ResourceType } from './types.js'
import { validatePolicy, type ValidatePolicyContext } from './validate-policy.js'

const svc: ValidatePolicyContext = { resourceType: 'service' }

function errorOf(policy: unknown, ctx: ValidatePolicyContext = svc): IamError {
  try {
    validatePolicy(policy, ctx)
  } catch (e) {
    if (isIamError(e)) return e
    throw e
  }
  throw new Error('expected validatePolicy to throw')
}

function violations(e: IamError): { field: string; description: string }[] {
  const d = e.details[0] as { fieldViolations?: { field: string; description: string }[] }
  return d.fieldViolations ?? []
}

const cond = (expression: string, title = 't'): Expr => ({ expression, title })
const b = (role: string, members: string[], condition?: Partial<Expr>) =>
  condition === undefined ? { role, members } : { role, members, condition }

describe('validatePolicy accepts', () => {
  it.each<[string, unknown, ResourceType]>([
    ['an empty policy', {}, 'service'],
    ['null fields as absent', { version: null, bindings: null, etag: null }, 'service'],
    ['a public service', { bindings: [b('roles/run.invoker', ['allUsers'])] }, 'service'],
    [
      'a conditional binding at version 3',
      { version: 3, bindings: [b('roles/run.invoker', ['user:a@example.com'], cond('true'))] },
      'service',
    ],
    ['version as a string', { version: '1' }, 'service'],
    ['a project owner', { bindings: [b('roles/owner', ['user:a@example.com'])] }, 'project'],
    ['a base64 etag', { etag: 'BwYabc123xY=' }, 'service'],
    [
      'audit configs (snake_case too)',
      {
        audit_configs: [
          {
            service: 'allServices',
            audit_log_configs: [
              { log_type: 'DATA_READ', exempted_members: ['user:a@example.com'] },
            ],
          },
          { service: 'run.googleapis.com', auditLogConfigs: [{ logType: 1 }] },
        ],
      },
      'project',
    ],
    [
      'deleted and principal members',
      {
        bindings: [
          b('roles/run.invoker', [
            'deleted:user:a@example.com?uid=1',
            'principalSet://iam.googleapis.com/locations/global/workforcePools/p/*',
          ]),
        ],
      },
      'service',
    ],
  ])('%s', (_name, policy, resourceType) => {
    expect(() => validatePolicy(policy, { resourceType })).not.toThrow()
  })

  it('returns a clean Policy with camelCase keys', () => {
    expect(
      validatePolicy(
        {
          version: '3',
          bindings: [
            b('roles/run.invoker', ['user:a@example.com'], { ...cond('true'), description: 'd' }),
          ],
          audit_configs: [{ service: 'allServices', audit_log_configs: [{ log_type: 3 }] }],
          etag: 'ACAB',
        },
        svc,
      ),
    ).toEqual({
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: ['user:a@example.com'],
          condition: { expression: 'true', title: 't', description: 'd' },
        },
      ],
      auditConfigs: [{ service: 'allServices', auditLogConfigs: [{ logType: 'DATA_READ' }] }],
      etag: 'ACAB',
    })
  })
})

describe('validatePolicy rejects', () => {
  it.each<[string, unknown, ResourceType, string, string, string]>([
    ['a non-object policy', [], 'service', 'INVALID_FIELD', 'policy', "Invalid value at 'policy'"],
    [
      'an unknown field',
      { binding: [] },
      'service',
      'INVALID_FIELD',
      'policy',
      'Invalid JSON payload received. Unknown name "binding" at \'policy\': Cannot find field.',
    ],
    [
      'members that are not a list',
      { bindings: [{ role: 'roles/run.invoker', members: 'allUsers' }] },
      'service',
      'INVALID_FIELD',
      'policy.bindings[0].members',
      `Invalid value at 'policy.bindings[0].members' (TYPE_STRING), "allUsers"`,
    ],
    [
      'a member that is not a string',
      { bindings: [{ role: 'roles/run.invoker', members: [5] }] },
      'service',
      'INVALID_FIELD',
      'policy.bindings[0].members[0]',
      `Invalid value at 'policy.bindings[0].members[0]' (TYPE_STRING), 5`,
    ],
    [
      'a non-integer version',
      { version: 'three' },
      'service',
      'INVALID_FIELD',
      'policy.version',
      `Invalid value at 'policy.version' (TYPE_INT32), "three"`,
    ],
    [
      'version 2',
      { version: 2 },
      'service',
      'INVALID_POLICY_VERSION',
      'policy.version',
      'Invalid policy version (2). Valid versions are 0, 1 and 3.',
    ],
    [
      'a non-base64 etag',
      { etag: 'not base64!' },
      'service',
      'INVALID_FIELD',
      'policy.etag',
      'TYPE_BYTES',
    ],
    [
      'a malformed member',
      { bindings: [b('roles/run.invoker', ['alice@example.com'])] },
      'service',
      'INVALID_MEMBER',
      'policy.bindings[0].members[0]',
      'Policy members must be of the form "<type>:<value>".',
    ],
    [
      'an unknown role',
      { bindings: [b('roles/run.superuser', ['allUsers'])] },
      'service',
      'ROLE_NOT_FOUND',
      'policy.bindings[0].role',
      "Role (roles/run.superuser) does not exist in the resource's hierarchy.",
    ],
    [
      'a basic role on a service',
      { bindings: [b('roles/viewer', ['user:a@example.com'])] },
      'service',
      'ROLE_NOT_SUPPORTED',
      'policy.bindings[0].role',
      'Role roles/viewer is not supported for this resource.',
    ],
    [
      'roles/run.builder on a service',
      { bindings: [b('roles/run.builder', ['user:a@example.com'])] },
      'service',
      'ROLE_NOT_SUPPORTED',
      'policy.bindings[0].role',
      'Role roles/run.builder is not supported for this resource.',
    ],
    [
      'a withcond role written back',
      { bindings: [b('roles/run.invoker_withcond_0123456789abcdef0123', ['allUsers'])] },
      'service',
      'WITHCOND_ROLE',
      'policy.bindings[0].role',
      'is the version 1 rendering of a conditional role binding',
    ],
    [
      'allUsers on a project',
      { bindings: [b('roles/run.invoker', ['allUsers'])] },
      'project',
      'PUBLIC_MEMBER_NOT_ALLOWED',
      'policy.bindings[0].members[0]',
      'Request contains an invalid argument. Member allUsers cannot be granted on a project',
    ],
    [
      'allAuthenticatedUsers on an organization',
      { bindings: [b('roles/run.invoker', ['allAuthenticatedUsers'])] },
      'organization',
      'PUBLIC_MEMBER_NOT_ALLOWED',
      'policy.bindings[0].members[0]',
      'Member allAuthenticatedUsers cannot be granted on an organization',
    ],
    [
      'allUsers on a job',
      { bindings: [b('roles/run.invoker', ['allUsers'])] },
      'job',
      'MEMBER_TYPE_RESTRICTED',
      'policy.bindings[0].members[0]',
      'Member allUsers is invalid due to membership type restrictions on the resource.',
    ],
    [
      'a condition on a basic role',
      { version: 3, bindings: [b('roles/editor', ['user:a@example.com'], cond('true'))] },
      'project',
      'CONDITION_ON_BASIC_ROLE',
      'policy.bindings[0].condition',
      'Binding with a condition and a basic role is not allowed. Basic roles are `roles/editor`, `roles/owner`, and `roles/viewer`.',
    ],
    [
      'a condition with allUsers',
      { version: 3, bindings: [b('roles/run.invoker', ['allUsers'], cond('true'))] },
      'service',
      'CONDITION_ON_PUBLIC_MEMBER',
      'policy.bindings[0].condition',
      'Binding with a condition and the member allUsers is not allowed.',
    ],
    [
      'a condition without a title',
      {
        version: 3,
        bindings: [b('roles/run.invoker', ['user:a@example.com'], { expression: 'true' })],
      },
      'service',
      'CONDITION_INCOMPLETE',
      'policy.bindings[0].condition.title',
      'must have a title',
    ],
    [
      'a condition without an expression',
      { version: 3, bindings: [b('roles/run.invoker', ['user:a@example.com'], { title: 'x' })] },
      'service',
      'CONDITION_INCOMPLETE',
      'policy.bindings[0].condition.expression',
      'must have an expression',
    ],
    [
      'a conditional binding at version 1',
      { version: 1, bindings: [b('roles/run.invoker', ['user:a@example.com'], cond('true'))] },
      'service',
      'CONDITION_REQUIRES_VERSION_3',
      'policy.version',
      'Specified policy version (1) does not support conditional role bindings',
    ],
    [
      'a conditional binding without a version',
      { bindings: [b('roles/run.invoker', ['user:a@example.com'], cond('true'))] },
      'service',
      'CONDITION_REQUIRES_VERSION_3',
      'policy.version',
      'set the policy version to 3',
    ],
    [
      'a binding without members',
      { bindings: [b('roles/run.invoker', [])] },
      'service',
      'EMPTY_BINDING',
      'policy.bindings[0].members',
      'has no members',
    ],
    [
      'a binding without a role',
      { bindings: [{ role: '', members: ['allUsers'] }] },
      'service',
      'EMPTY_BINDING',
      'policy.bindings[0].role',
      'has no role',
    ],
    [
      'an unknown log type',
      { auditConfigs: [{ service: 'allServices', auditLogConfigs: [{ logType: 'EVERYTHING' }] }] },
      'project',
      'INVALID_AUDIT_CONFIG',
      'policy.auditConfigs[0].auditLogConfigs[0].logType',
      'EVERYTHING',
    ],
    [
      'an audit config without a service',
      { auditConfigs: [{ auditLogConfigs: [] }] },
      'project',
      'INVALID_AUDIT_CONFIG',
      'policy.auditConfigs[0].service',
      'must name a service',
    ],
    [
      'a malformed exempted member',
      {
        auditConfigs: [{ service: 'allServices', auditLogConfigs: [{ exemptedMembers: ['bob'] }] }],
      },
      'project',
      'INVALID_MEMBER',
      'policy.auditConfigs[0].auditLogConfigs[0].exemptedMembers[0]',
      'Policy members must be of the form',
    ],
  ])('%s', (_name, policy, resourceType, reason, field, message) => {
    const e = errorOf(policy, { resourceType })
    expect(e.status).toBe('INVALID_ARGUMENT')
    expect(e.reason).toBe(reason)
    expect(e.message).toContain(message)
    expect(violations(e)[0]).toEqual({ field, description: e.message })
  })

  it('collects every violation into one BadRequest detail, message from the first', () => {
    const e = errorOf({
      version: 3,
      bindings: [
        b('roles/run.invoker', ['bob', 'user:ok@example.com']),
        b('roles/nope', ['allUsers']),
        b('roles/viewer', ['user:a@example.com'], cond('true')),
      ],
    })
    expect(e.reason).toBe('INVALID_MEMBER')
    expect(e.details[0]?.['@type']).toBe('type.googleapis.com/google.rpc.BadRequest')
    expect(violations(e).map((v) => v.field)).toEqual([
      'policy.bindings[0].members[0]',
      'policy.bindings[1].role',
      'policy.bindings[2].role',
      'policy.bindings[2].condition',
    ])
  })

  it('uses ctx.field as the path prefix', () => {
    expect(
      violations(errorOf({ version: 2 }, { resourceType: 'service', field: 'p' }))[0]?.field,
    ).toBe('p.version')
  })
})

describe('limits', () => {
  const users = (n: number, prefix = 'u') =>
    Array.from({ length: n }, (_, i) => `user:${prefix}${i}@example.com`)

  it('allows 1,500 principal appearances, counting audit exemptions', () => {
    const policy = {
      bindings: [b('roles/run.invoker', users(1000)), b('roles/run.viewer', users(499))],
      auditConfigs: [{ service: 'allServices', auditLogConfigs: [{ exemptedMembers: users(1) }] }],
    }
    expect(() => validatePolicy(policy, svc)).not.toThrow()
  })

  it('rejects 1,503 with Google message', () => {
    const policy = {
      bindings: [b('roles/run.invoker', users(1000)), b('roles/run.viewer', users(500))],
      auditConfigs: [{ service: 'allServices', auditLogConfigs: [{ exemptedMembers: users(3) }] }],
    }
    const e = errorOf(policy, { resourceType: 'project' })
    expect(e.reason).toBe('TOO_MANY_MEMBERS')
    expect(e.message).toBe(
      'The number of members in the policy (1,503) is larger than the maximum allowed size 1,500.',
    )
  })

  it('counts the same member in several bindings every time', () => {
    const roles = [
      'roles/run.invoker',
      'roles/run.viewer',
      'roles/run.developer',
      'roles/run.admin',
    ]
    const policy = { bindings: roles.map((r) => b(r, users(376))) }
    expect(errorOf(policy).message).toContain('(1,504)')
  })

  it('counts unique groups once and domains every time (limit 250)', () => {
    const groups = Array.from({ length: 200 }, (_, i) => `group:g${i}@example.com`)
    const ok = {
      bindings: [
        b('roles/run.invoker', groups),
        b(
          'roles/run.viewer',
          groups.map((g) => g.toUpperCase().replace('GROUP:', 'group:')),
        ),
        b(
          'roles/run.developer',
          Array.from({ length: 50 }, () => 'domain:example.com'),
        ),
      ],
    }
    expect(() => validatePolicy(ok, svc)).not.toThrow()
    const tooMany = { bindings: [...ok.bindings, b('roles/run.admin', ['domain:example.com'])] }
    const e = errorOf(tooMany)
    expect(e.reason).toBe('TOO_MANY_GROUPS_AND_DOMAINS')
    expect(e.message).toBe(
      'The number of groups and domains in the policy (251) is larger than the maximum allowed size 250.',
    )
  })

  it('allows 20 conditional bindings of one role and member, not 21', () => {
    const mk = (n: number) => ({
      version: 3,
      bindings: Array.from({ length: n }, (_, i) =>
        b('roles/run.invoker', ['user:a@example.com'], cond(`request.path == "/${i}"`)),
      ),
    })
    expect(() => validatePolicy(mk(20), svc)).not.toThrow()
    const e = errorOf(mk(21))
    expect(e.reason).toBe('TOO_MANY_CONDITIONAL_BINDINGS')
    expect(e.message).toContain('roles/run.invoker to member user:a@example.com (21)')
  })

  it('caps the distinct condition text of a policy before compiling any of it', () => {
    let checked = 0
    const counting: ValidatePolicyContext = { ...svc, checkCondition: () => void checked++ }
    // 40 distinct conditions of 1,600 characters: 64,000 characters, under 65,536.
    const mk = (n: number, size: number) => ({
      version: 3,
      bindings: Array.from({ length: n }, (_, i) =>
        b(
          'roles/run.invoker',
          [`user:u${i}@example.com`],
          cond(`request.path == "/${String(i).padStart(3, '0')}${'x'.repeat(size - 22)}"`),
        ),
      ),
    })
    expect(() => validatePolicy(mk(40, 1600), counting)).not.toThrow()
    expect(checked).toBe(40)
    checked = 0
    const e = errorOf(mk(41, 1600), counting)
    expect(e.reason).toBe('CONDITIONS_TOO_LARGE')
    expect(e.message).toBe(
      'The conditions of the policy add up to 65600 characters, more than the 65536 allowed.',
    )
    expect(checked).toBe(0)
    // The same expression repeated counts once.
    const repeated = {
      version: 3,
      bindings: Array.from({ length: 100 }, (_, i) =>
        b(
          'roles/run.invoker',
          [`user:u${i}@example.com`],
          cond(`request.path == "/${'x'.repeat(1590)}"`),
        ),
      ),
    }
    expect(() => validatePolicy(repeated, svc)).not.toThrow()
  })
})

describe('checkCondition hook', () => {
  it('is called for every complete condition and its IamError becomes a violation', () => {
    const seen: string[] = []
    const ctx: ValidatePolicyContext = {
      resourceType: 'service',
      checkCondition: (e) => {
        seen.push(e.expression)
        if (e.expression === 'bad') throw new IamError(3, 'CONDITION_SYNTAX', 'bad condition')
      },
    }
    const policy = {
      version: 3,
      bindings: [
        b('roles/run.invoker', ['user:a@example.com'], cond('ok')),
        b('roles/run.viewer', ['user:a@example.com'], cond('bad')),
        b('roles/run.admin', ['user:a@example.com'], { expression: 'untitled' }),
      ],
    }
    const e = errorOf(policy, ctx)
    expect(seen).toEqual(['ok', 'bad'])
    expect(violations(e).map((v) => [v.field, v.description])).toEqual([
      ['policy.bindings[1].condition.expression', 'bad condition'],
      ['policy.bindings[2].condition.title', expect.stringContaining('must have a title')],
    ])
    expect(e.reason).toBe('CONDITION_SYNTAX')
  })

  it('lets non-IamError exceptions (bugs) through', () => {
    const ctx: ValidatePolicyContext = {
      resourceType: 'service',
      checkCondition: () => {
        throw new TypeError('boom')
      },
    }
    expect(() =>
      validatePolicy(
        { version: 3, bindings: [b('roles/run.invoker', ['user:a@example.com'], cond('x'))] },
        ctx,
      ),
    ).toThrow(TypeError)
  })
})
