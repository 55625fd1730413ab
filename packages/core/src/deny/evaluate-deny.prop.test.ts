// evaluateDeny against a naive reference written straight from the rule of reference §4.4, over
// random policies (users, groups, public:all, exact and wildcard permissions, exceptions).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { principalSetFor } from '../authorizer/principal-set.js'
import { compileDenyPolicy, evaluateDeny, narrowDenyPolicies, validateDenyPolicy } from './index.js'

const USERS = ['a@x.com', 'b@x.com', 'c@x.com']
const GROUPS = ['g1@x.com', 'g2@x.com']
const PERMISSIONS = [
  'run.routes.invoke',
  'run.services.get',
  'run.services.setIamPolicy',
  'run.jobs.run',
  'iam.roles.get',
]
const PATTERNS = [
  'run.googleapis.com/routes.invoke',
  'run.googleapis.com/services.get',
  'run.googleapis.com/services.setIamPolicy',
  'run.googleapis.com/services.*',
  'run.googleapis.com/*.*',
  'iam.googleapis.com/roles.get',
]
const PRINCIPALS = [
  'principalSet://goog/public:all',
  ...USERS.map((u) => `principal://goog/subject/${u}`),
  ...GROUPS.map((g) => `principalSet://goog/group/${g}`),
]

interface Rule {
  deniedPrincipals: string[]
  exceptionPrincipals: string[]
  deniedPermissions: string[]
  exceptionPermissions: string[]
}

const sub = <T>(xs: readonly T[], min: number): fc.Arbitrary<T[]> =>
  fc.subarray([...xs], { minLength: min })
const ruleArb: fc.Arbitrary<Rule> = fc.record({
  deniedPrincipals: sub(PRINCIPALS, 1),
  exceptionPrincipals: sub(PRINCIPALS.slice(1), 0),
  deniedPermissions: sub(PATTERNS, 1),
  exceptionPermissions: sub(PATTERNS, 0),
})

function patternMatches(pattern: string, v1: string): boolean {
  const [fqdn = '', rest = ''] = pattern.split('/')
  const service = fqdn.replace('.googleapis.com', '')
  const [resource, action] = rest.split('.')
  const [s, r, a] = v1.split('.')
  return s === service && (resource === '*' || resource === r) && (action === '*' || action === a)
}

function principalIn(principal: string, user: string | undefined, groups: string[]): boolean {
  if (principal === 'principalSet://goog/public:all') return true
  if (user !== undefined && principal === `principal://goog/subject/${user}`) return true
  return groups.some((g) => principal === `principalSet://goog/group/${g}`)
}

function naive(rules: Rule[], user: string | undefined, groups: string[], perm: string): boolean {
  return rules.some(
    (r) =>
      r.deniedPermissions.some((p) => patternMatches(p, perm)) &&
      !r.exceptionPermissions.some((p) => patternMatches(p, perm)) &&
      r.deniedPrincipals.some((p) => principalIn(p, user, groups)) &&
      !r.exceptionPrincipals.some((p) => principalIn(p, user, groups)),
  )
}

describe('evaluateDeny (property)', () => {
  it('agrees with the naive reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(ruleArb, { maxLength: 4 }), { maxLength: 3 }),
        fc.option(fc.constantFrom(...USERS), { nil: undefined }),
        sub(GROUPS, 0),
        fc.constantFrom(...PERMISSIONS),
        (policies, user, groups, permission) => {
          const compiled = policies.map((rules, i) =>
            compileDenyPolicy(
              `p${i}`,
              validateDenyPolicy({ rules: rules.map((denyRule) => ({ denyRule })) }),
            ),
          )
          const principals =
            user === undefined
              ? principalSetFor(undefined)
              : principalSetFor(`user:${user}`, { groups })
          const got = evaluateDeny(principals, permission, { timeMs: 0 }, compiled)
          const want = naive(policies.flat(), user, user === undefined ? [] : groups, permission)
          expect(got.denied).toBe(want)
          expect(got.by.length > 0).toBe(want)
          // Narrowing to the permission's rules changes nothing in the answer.
          const narrowed = narrowDenyPolicies(compiled, permission)
          expect(evaluateDeny(principals, permission, { timeMs: 0 }, narrowed)).toEqual(got)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
