// Deny policies in core: validation (limits, messages), name parsing and evaluateDeny's semantics.
import { describe, expect, it } from 'vitest'
import { principalSetFor } from '../authorizer/principal-set.js'
import { IamError } from '../errors/iam-error.js'
import {
  checkDenyPolicyId,
  compileDenyPolicy,
  evaluateDeny,
  parseAttachmentPoint,
  parseDenyPermission,
  toDenyPermission,
  validateDenyPolicy,
  type DenyPolicyContent,
} from './index.js'

const T = { timeMs: Date.parse('2026-06-01T00:00:00Z') }

function compiled(content: unknown, name = 'policies/x/denypolicies/p') {
  return compileDenyPolicy(name, validateDenyPolicy(content))
}

function rule(denyRule: Record<string, unknown>): DenyPolicyContent {
  return { rules: [{ denyRule } as never] }
}

function reasonOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(IamError)
    return `${(e as IamError).reason}: ${(e as IamError).message}`
  }
  return 'no error'
}

describe('deny permissions', () => {
  it('maps v1 to v2 and back', () => {
    expect(toDenyPermission('run.routes.invoke')).toBe('run.googleapis.com/routes.invoke')
    expect(parseDenyPermission('run.googleapis.com/services.setIamPolicy')).toEqual({
      kind: 'exact',
      v1: 'run.services.setIamPolicy',
    })
    expect(parseDenyPermission('run.googleapis.com/services.*')).toEqual({
      kind: 'prefix',
      prefix: 'run.services.',
    })
    expect(parseDenyPermission('run.googleapis.com/*.*')).toEqual({
      kind: 'prefix',
      prefix: 'run.',
    })
  })

  it('refuses v1 names, unknown services and malformed wildcards, naming the value', () => {
    expect(reasonOf(() => parseDenyPermission('run.services.get'))).toMatch(
      /DENY_PERMISSION_NOT_SUPPORTED: .*"run\.services\.get".*run\.googleapis\.com\/services\.get/,
    )
    expect(reasonOf(() => parseDenyPermission('nope.googleapis.com/things.get'))).toMatch(
      /runiam knows no permission of nope\.googleapis\.com/,
    )
    expect(reasonOf(() => parseDenyPermission('run.googleapis.com/*.get'))).toMatch(/wildcard/)
    expect(reasonOf(() => parseDenyPermission('run.googleapis.com/services.fly'))).toMatch(
      /knows no such permission/,
    )
    expect(reasonOf(() => parseDenyPermission('run.example.com/services.get'))).toMatch(
      /googleapis\.com/,
    )
  })
})

describe('validateDenyPolicy', () => {
  const ok = {
    deniedPrincipals: ['principal://goog/subject/Alice@Example.com'],
    deniedPermissions: ['run.googleapis.com/routes.invoke'],
  }

  it('canonicalizes principals and drops empty optional fields', () => {
    expect(validateDenyPolicy({ displayName: '', rules: [{ denyRule: ok }] })).toEqual({
      rules: [
        {
          denyRule: {
            deniedPrincipals: ['principal://goog/subject/alice@example.com'],
            deniedPermissions: ['run.googleapis.com/routes.invoke'],
          },
        },
      ],
    })
  })

  it('accepts output-only fields sent back by a client', () => {
    expect(() =>
      validateDenyPolicy({ name: 'x', etag: 'e', kind: 'DenyPolicy', uid: 'u', rules: [] }),
    ).not.toThrow()
  })

  it.each([
    [{ rules: 'x' }, /INVALID_DENY_POLICY: Field "rules" must be a list/],
    [{ bogus: 1 }, /Unknown field "bogus"/],
    [{ displayName: 'x'.repeat(64) }, /"displayName" is 64 characters long; the limit is 63/],
    [{ annotations: { ['k'.repeat(64)]: 'v' } }, /Annotation key/],
    [{ rules: [{}] }, /"rules\[0\]\.denyRule" is required/],
    [rule({ deniedPermissions: ok.deniedPermissions }), /deniedPrincipals" must name at least one/],
    [rule({ deniedPrincipals: ok.deniedPrincipals }), /deniedPermissions" must name at least one/],
    [
      rule({ ...ok, exceptionPrincipals: ['principalSet://goog/public:all'] }),
      /exceptionPrincipals" cannot contain principalSet:\/\/goog\/public:all/,
    ],
    [
      rule({ ...ok, deniedPrincipals: ['user:a@example.com'] }),
      /DENY_PRINCIPAL_NOT_SUPPORTED: Principal "user:a@example.com"/,
    ],
    [
      rule({ ...ok, deniedPrincipals: ['principalSet://goog/cloudIdentityCustomerId/C01'] }),
      /DENY_PRINCIPAL_NOT_SUPPORTED/,
    ],
    [
      rule({ ...ok, deniedPrincipals: ['principal://goog/subject/not-an-email'] }),
      /the email is malformed/,
    ],
    [
      rule({ ...ok, denialCondition: { expression: 'request.time <' } }),
      /INVALID_CONDITION: Condition expression "request\.time <" is invalid/,
    ],
    [rule({ ...ok, denialCondition: { expression: '' } }), /expression" is required/],
    [
      { rules: Array.from({ length: 501 }, () => ({ denyRule: ok })) },
      /501 rules; the limit is 500/,
    ],
    [
      rule({
        ...ok,
        deniedPrincipals: Array.from(
          { length: 501 },
          (_, i) => `principal://goog/subject/u${i}@x.com`,
        ),
      }),
      /501 entries; the limit is 500/,
    ],
  ])('refuses case %# (%s)', (body, message) => {
    expect(reasonOf(() => validateDenyPolicy(body))).toMatch(message)
  })

  it('accepts deleted principals and federated ones', () => {
    const v = validateDenyPolicy(
      rule({
        ...ok,
        deniedPrincipals: [
          'deleted:principal://goog/subject/Gone@Example.com?uid=123',
          'principal://iam.googleapis.com/locations/global/workforcePools/pool-1/subject/bob',
        ],
      }),
    )
    expect(v.rules[0]?.denyRule.deniedPrincipals).toEqual([
      'deleted:principal://goog/subject/gone@example.com?uid=123',
      'principal://iam.googleapis.com/locations/global/workforcePools/pool-1/subject/bob',
    ])
  })
})

describe('names', () => {
  it('parses attachment points', () => {
    expect(parseAttachmentPoint('cloudresourcemanager.googleapis.com/projects/my-p')).toEqual({
      kind: 'project',
      id: 'my-p',
    })
    expect(parseAttachmentPoint('cloudresourcemanager.googleapis.com/organizations/123')).toEqual({
      kind: 'organization',
      id: '123',
    })
    expect(
      reasonOf(() => parseAttachmentPoint('cloudresourcemanager.googleapis.com/folders/1')),
    ).toMatch(/Attachment point ".*folders\/1" is not supported/)
    expect(reasonOf(() => parseAttachmentPoint('run.googleapis.com/projects/p/x'))).toMatch(
      /INVALID_DENY_POLICY/,
    )
  })

  it('checks policy ids', () => {
    expect(() => checkDenyPolicyId('my-policy.1')).not.toThrow()
    for (const bad of ['ab', 'My-policy', '1abc', 'a'.repeat(64), 'a_b_c']) {
      expect(reasonOf(() => checkDenyPolicyId(bad))).toMatch(/Policy id/)
    }
  })
})

describe('evaluateDeny', () => {
  const alice = principalSetFor('user:alice@example.com', { groups: ['eng@example.com'] })
  const bob = principalSetFor('user:bob@example.com')
  const sa = principalSetFor('serviceAccount:ci@p.iam.gserviceaccount.com')
  const anonymous = principalSetFor(undefined)

  it('denies a user, a group member and public:all; not others', () => {
    const p = compiled(
      rule({
        deniedPrincipals: ['principalSet://goog/group/ENG@example.com'],
        deniedPermissions: ['run.googleapis.com/routes.invoke'],
      }),
    )
    expect(evaluateDeny(alice, 'run.routes.invoke', T, [p])).toEqual({
      denied: true,
      by: [{ policy: 'policies/x/denypolicies/p', ruleIndex: 0 }],
      conditionErrors: [],
    })
    expect(evaluateDeny(bob, 'run.routes.invoke', T, [p]).denied).toBe(false)
    expect(evaluateDeny(alice, 'run.services.get', T, [p]).denied).toBe(false)
    const all = compiled(
      rule({
        deniedPrincipals: ['principalSet://goog/public:all'],
        exceptionPrincipals: [
          'principal://iam.googleapis.com/projects/-/serviceAccounts/CI@p.iam.gserviceaccount.com',
        ],
        deniedPermissions: ['run.googleapis.com/*.*'],
        exceptionPermissions: ['run.googleapis.com/services.get'],
      }),
    )
    expect(evaluateDeny(anonymous, 'run.routes.invoke', T, [all]).denied).toBe(true)
    expect(evaluateDeny(bob, 'run.services.setIamPolicy', T, [all]).denied).toBe(true)
    expect(evaluateDeny(bob, 'run.services.get', T, [all]).denied).toBe(false)
    expect(evaluateDeny(sa, 'run.routes.invoke', T, [all]).denied).toBe(false)
    expect(evaluateDeny(bob, 'iam.roles.get', T, [all]).denied).toBe(false)
  })

  it('a permission in both lists is not denied', () => {
    const p = compiled(
      rule({
        deniedPrincipals: ['principalSet://goog/public:all'],
        deniedPermissions: ['run.googleapis.com/routes.invoke'],
        exceptionPermissions: ['run.googleapis.com/routes.invoke'],
      }),
    )
    expect(evaluateDeny(bob, 'run.routes.invoke', T, [p]).denied).toBe(false)
  })

  it('applies the condition; an erroring condition denies and is reported', () => {
    const base = {
      deniedPrincipals: ['principal://goog/subject/bob@example.com'],
      deniedPermissions: ['run.googleapis.com/routes.invoke'],
    }
    const p = compiled({
      rules: [
        {
          denyRule: {
            ...base,
            denialCondition: { expression: 'request.path.startsWith("/admin")' },
          },
        },
        {
          denyRule: {
            ...base,
            denialCondition: { expression: 'request.time < timestamp("2020-01-01T00:00:00Z")' },
          },
        },
      ],
    })
    expect(evaluateDeny(bob, 'run.routes.invoke', { ...T, path: '/admin/x' }, [p]).by).toEqual([
      { policy: 'policies/x/denypolicies/p', ruleIndex: 0 },
    ])
    expect(evaluateDeny(bob, 'run.routes.invoke', { ...T, path: '/public' }, [p]).denied).toBe(
      false,
    )
    // No request.path (an admin call): the first rule's condition errors → it denies.
    const d = evaluateDeny(bob, 'run.routes.invoke', T, [p])
    expect(d.denied).toBe(true)
    expect(d.conditionErrors).toHaveLength(1)
    expect(d.conditionErrors[0]).toMatchObject({ ruleIndex: 0 })
  })

  it('reports every denying rule across policies', () => {
    const r = {
      deniedPrincipals: ['principalSet://goog/public:all'],
      deniedPermissions: ['run.googleapis.com/services.*'],
    }
    const a = compiled({ rules: [{ denyRule: r }, { denyRule: r }] }, 'a')
    const b = compiled({ rules: [{ denyRule: r }] }, 'b')
    expect(evaluateDeny(bob, 'run.services.delete', T, [a, b]).by).toEqual([
      { policy: 'a', ruleIndex: 0 },
      { policy: 'a', ruleIndex: 1 },
      { policy: 'b', ruleIndex: 0 },
    ])
  })

  it('shares one condition budget per decision; conditions past it deny, reported', () => {
    // Each condition costs some budget; 400 rules that all evaluate false would be a slow
    // decision: the budget stops it, and the remaining rules deny (fail closed).
    const costly =
      'request.path.matches("^(a|b|c|d|e|f|g|h)+x$") || request.host.matches("^(a|b)+y$")'
    const p = compiled({
      rules: Array.from({ length: 400 }, () => ({
        denyRule: {
          deniedPrincipals: ['principal://goog/subject/bob@example.com'],
          deniedPermissions: ['run.googleapis.com/routes.invoke'],
          denialCondition: { expression: costly },
        },
      })),
    })
    const attrs = { ...T, path: 'abcdefgh'.repeat(10), host: 'ab'.repeat(20) }
    const d = evaluateDeny(bob, 'run.routes.invoke', attrs, [p])
    expect(d.denied).toBe(true)
    expect(d.conditionErrors.length).toBeGreaterThan(0)
    // The one that ran out mid-way says so; the ones after it were not evaluated at all.
    expect(d.conditionErrors.at(-1)?.error).toMatch(/used up this decision's budget/)
    // Only the rules past the budget deny; the ones evaluated (false) do not.
    expect(d.by.length).toBeLessThan(400)
  })
})
