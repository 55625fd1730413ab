// Differential property test: the compiled, indexed authorizer against a naive reference evaluator
// written in the most obvious way (every binding of every policy, every member, every permission of
// the role; conditions evaluated with compileCondition directly). fast-check prints the seed and
// the shrunk counterexample on failure; replay with { seed, path } in fc.assert's options.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compileCondition } from '../conditions/index.js'
import type { RequestAttributes } from '../conditions/types.js'
import { normalizeMember } from '../members/member.js'
import type { Binding, Policy } from '../policy/types.js'
import { ROLE_DATA } from '../roles/catalog-data.js'
import {
  allows,
  chainOf,
  check,
  compilePolicy,
  principalSetFor,
  testPermissions,
  type ConditionFailure,
  type PrincipalSet,
} from './index.js'

const RUNS = 10_000

// ---------- the reference evaluator ----------

interface Level {
  readonly resource: string
  readonly policy: Policy
}

interface ReferenceResult {
  readonly allowed: boolean
  /** Every binding that grants, as "resource|role|member|expression-or-empty". */
  readonly grants: readonly string[]
  readonly unconditional: boolean
  /** One per erroring binding that would have granted. */
  readonly failures: readonly ConditionFailure[]
}

function referenceCheck(
  principals: PrincipalSet,
  permission: string,
  attributes: RequestAttributes,
  levels: readonly Level[],
  /** Custom roles' permissions by name (a role absent here grants nothing). */
  custom: Readonly<Record<string, readonly string[]>> = {},
): ReferenceResult {
  const grants: string[] = []
  const failures: ConditionFailure[] = []
  let unconditional = false
  for (const level of levels) {
    for (const binding of level.policy.bindings ?? []) {
      const rolePermissions = ROLE_DATA[binding.role]?.permissions ?? custom[binding.role]
      if (rolePermissions === undefined) continue
      let roleHasPermission = false
      for (const p of rolePermissions) if (p === permission) roleHasPermission = true
      if (!roleHasPermission) continue
      const matching = binding.members.map(normalizeMember).filter((m) => principals.members.has(m))
      if (matching.length === 0) continue
      if (binding.condition === undefined) {
        unconditional = true
        for (const m of matching) grants.push(`${level.resource}|${binding.role}|${m}|`)
        continue
      }
      let result: { ok: true; value: boolean } | { ok: false; error: string }
      try {
        result = compileCondition(binding.condition.expression).evaluate(attributes)
      } catch {
        result = { ok: false, error: 'does not compile' }
      }
      if (!result.ok) {
        failures.push({
          resource: level.resource,
          role: binding.role,
          expression: binding.condition.expression,
          error: result.error,
        })
      } else if (result.value) {
        for (const m of matching) {
          grants.push(`${level.resource}|${binding.role}|${m}|${binding.condition.expression}`)
        }
      }
    }
  }
  return { allowed: grants.length > 0, grants, unconditional, failures }
}

// ---------- generators ----------

const USERS = ['user:ann@example.com', 'user:ben@example.com', 'user:cat@other.org']
const SAS = [
  'serviceAccount:sa1@p0.iam.gserviceaccount.com',
  'serviceAccount:sa2@p1.iam.gserviceaccount.com',
]
const GROUPS = ['group:eng@example.com', 'group:ops@example.com', 'group:ext@other.org']
const MEMBERS = [
  ...USERS,
  ...SAS,
  ...GROUPS,
  'domain:example.com',
  'domain:other.org',
  'domain:gserviceaccount.com',
  'allUsers',
  'allAuthenticatedUsers',
  'deleted:user:ann@example.com?uid=1',
  // Non-canonical spellings: emails and domains are matched case-insensitively.
  'user:Ann@Example.com',
  'group:ENG@example.com',
  'domain:Example.COM',
]
const CUSTOM_ROLES = ['projects/p0/roles/custom', 'organizations/1/roles/custom2']
const ROLES = [...Object.keys(ROLE_DATA), 'roles/run.unknown', ...CUSTOM_ROLES]
const CONDITIONS = [
  'request.path.startsWith("/admin")',
  'request.path == "/admin/x"',
  '!request.path.startsWith("/public")',
  'request.host == "s0.run.localhost"',
  'request.host.endsWith(".run.localhost")',
  'request.time < timestamp("2026-06-01T00:00:00Z")',
  'request.time >= timestamp("2026-01-01T00:00:00Z") && request.path.startsWith("/a")',
  'request.host == "s1.run.localhost" || request.path.endsWith(".js")',
  'request.path.startsWith(', // does not compile: stored before a stricter checker, say
]
const PERMISSIONS = [
  'run.routes.invoke',
  'run.services.get',
  'run.services.getIamPolicy',
  'run.services.setIamPolicy',
  'run.services.update',
  'run.jobs.run',
  'run.executions.cancel',
  'resourcemanager.projects.get',
  'resourcemanager.organizations.get',
  'run.services.teleport',
]

const bindingArb: fc.Arbitrary<Binding> = fc
  .record({
    role: fc.constantFrom(...ROLES),
    members: fc.uniqueArray(fc.constantFrom(...MEMBERS), { minLength: 1, maxLength: 3 }),
    condition: fc.option(
      fc.record(
        { expression: fc.constantFrom(...CONDITIONS), title: fc.constant('t') },
        {
          requiredKeys: ['expression'],
        },
      ),
      { nil: undefined, freq: 2 },
    ),
  })
  .map(({ role, members, condition }) =>
    condition === undefined ? { role, members } : { role, members, condition },
  )

const policyArb: fc.Arbitrary<Policy> = fc
  .array(bindingArb, { maxLength: 5 })
  .map((bindings) => ({ version: 3, bindings }))

/** Policies with 12 to 40 bindings: most have over 32 member pairs. */
const largePolicyArb: fc.Arbitrary<Policy> = fc
  .array(bindingArb, { minLength: 12, maxLength: 40 })
  .map((bindings) => ({ version: 3, bindings }))

const pairsOf = (policy: Policy): number =>
  (policy.bindings ?? []).reduce((n, b) => n + b.members.length, 0)

/**
 * Policies of 17 to 32 member pairs: the codes past the 16 kept in the policy object's own fields
 * are elements, and a conditional pair's condition number is counted from the codes (not stored).
 */
const midPolicyArb: fc.Arbitrary<Policy> = fc
  .array(bindingArb, { minLength: 6, maxLength: 16 })
  .map((bindings) => ({ version: 3, bindings }))
  .filter((policy) => pairsOf(policy) >= 17 && pairsOf(policy) <= 32)

/** Policies of 31 to 34 member pairs: either side of the member index and stored numbers. */
const boundaryPolicyArb: fc.Arbitrary<Policy> = fc
  .array(bindingArb, { minLength: 11, maxLength: 20 })
  .map((bindings) => ({ version: 3, bindings }))
  .filter((policy) => pairsOf(policy) >= 31 && pairsOf(policy) <= 34)

/** org → 1..3 projects → 1..3 services each, every resource with a random policy. */
const hierarchyOf = (policyArb: fc.Arbitrary<Policy>) =>
  fc
    .record({
      org: policyArb,
      projects: fc.array(
        fc.record({
          policy: policyArb,
          services: fc.array(policyArb, { minLength: 1, maxLength: 3 }),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    })
    .chain((h) =>
      fc.record({
        h: fc.constant(h),
        project: fc.nat(h.projects.length - 1),
        serviceSeed: fc.nat(),
        order: fc.constantFrom([0, 1, 2], [2, 1, 0], [1, 0, 2], [2, 0, 1]),
      }),
    )
    .map(({ h, project, serviceSeed, order }) => {
      const p = h.projects[project]
      if (p === undefined) throw new Error('unreachable: project index in range')
      const s = serviceSeed % p.services.length
      const levels: Level[] = [
        { resource: 'organizations/1', policy: h.org },
        { resource: `projects/p${project}`, policy: p.policy },
        {
          resource: `projects/p${project}/locations/us-central1/services/s${s}`,
          policy: p.services[s] ?? {},
        },
      ]
      return order.map((i) => levels[i] as Level)
    })

const hierarchyArb = hierarchyOf(policyArb)

const principalsArb: fc.Arbitrary<PrincipalSet> = fc
  .record({
    member: fc.option(fc.constantFrom(...USERS, ...SAS), { nil: undefined, freq: 5 }),
    groups: fc.subarray(GROUPS),
  })
  .map(({ member, groups }) =>
    member === undefined ? principalSetFor(undefined) : principalSetFor(member, { groups }),
  )

const attributesArb: fc.Arbitrary<RequestAttributes> = fc
  .record(
    {
      timeMs: fc.constantFrom(Date.UTC(2025, 11, 31), Date.UTC(2026, 2, 1), Date.UTC(2026, 8, 1)),
      host: fc.constantFrom('s0.run.localhost', 's1.run.localhost', 'evil.example'),
      path: fc.constantFrom('/', '/admin', '/admin/x', '/a/b.js', '/public/a'),
    },
    { requiredKeys: ['timeMs'] },
  )
  .map((a) => {
    const out: { timeMs: number; host?: string; path?: string } = { timeMs: a.timeMs }
    if (a.host !== undefined) out.host = a.host
    if (a.path !== undefined) out.path = a.path
    return out
  })

const failureKey = (f: ConditionFailure): string =>
  `${f.resource}|${f.role}|${f.expression}|${f.error === '' ? 'EMPTY' : 'error'}`

/** check() against the reference for one request: allowed, a granting binding, its errors. */
function agreesWithReference(
  levels: readonly Level[],
  principals: PrincipalSet,
  permission: string,
  attributes: RequestAttributes,
): void {
  const compiled = levels.map((l) => compilePolicy(l.resource, l.policy))
  const resource = levels.find((l) => l.resource.includes('/services/'))?.resource ?? ''
  const got = check({ principals, permission, resource, attributes }, compiled)
  const want = referenceCheck(principals, permission, attributes, levels)
  expect(got.allowed).toBe(want.allowed)
  // The boolean-only path (the gateway's) gives the same verdict.
  expect(allows({ principals, permission, resource, attributes }, compiled)).toBe(want.allowed)
  // The same policies as one bound chain (the server's decision index) decide exactly alike.
  const [own, ...inherited] = compiled
  if (own !== undefined) {
    const chain = chainOf(own, inherited)
    expect(check({ principals, permission, resource, attributes }, chain)).toEqual(got)
    expect(allows({ principals, permission, resource, attributes }, chain)).toBe(want.allowed)
  }
  if (got.allowed) {
    expect(got.grantedBy).toHaveLength(1)
    const g = got.grantedBy[0]
    if (g === undefined) throw new Error('unreachable: length checked')
    expect(want.grants).toContain(
      `${g.resource}|${g.role}|${g.member}|${g.condition?.expression ?? ''}`,
    )
    // Unconditional grants short-circuit: no condition decides, none is reported.
    if (want.unconditional) {
      expect(g.condition).toBeUndefined()
      expect(got.conditionErrors).toEqual([])
      // The one reported is the first unconditional grant in level order, then policy order.
      expect(`${g.resource}|${g.role}|${g.member}|`).toBe(want.grants.find((x) => x.endsWith('|')))
    }
    for (const e of got.conditionErrors) {
      expect(want.failures.map(failureKey)).toContain(failureKey(e))
    }
  } else {
    expect(got.grantedBy).toEqual([])
    expect(got.conditionErrors.map(failureKey).sort()).toEqual(want.failures.map(failureKey).sort())
    expect(got.conditionErrors.every((e) => e.error.length > 0)).toBe(true)
  }
}

// ---------- properties ----------

describe('authorizer ≡ naive reference evaluator', () => {
  it('check() agrees on allowed, grantedBy and conditionErrors', () => {
    fc.assert(
      fc.property(
        hierarchyArb,
        principalsArb,
        fc.constantFrom(...PERMISSIONS),
        attributesArb,
        agreesWithReference,
      ),
      { numRuns: RUNS },
    )
  })

  it('check() agrees on large policies too (looked up through their member index)', () => {
    // Over 32 member pairs a policy is read through a member → pairs map instead of front to
    // back: the same answers, the same first-in-policy-order explanation.
    fc.assert(
      fc.property(
        hierarchyOf(largePolicyArb),
        principalsArb,
        fc.constantFrom(...PERMISSIONS),
        attributesArb,
        agreesWithReference,
      ),
      { numRuns: RUNS / 5 },
    )
  })

  it('check() agrees on policies of 17 to 32 pairs and either side of 32 (the boundary)', () => {
    // 17 … 32 pairs: codes past the 16th are elements and condition numbers are counted from the
    // codes; over 32: the member index, and condition numbers stored per pair. Every level is
    // such a policy, so the deciding (or erroring) binding is often a late conditional one.
    for (const sized of [midPolicyArb, boundaryPolicyArb]) {
      fc.assert(
        fc.property(
          hierarchyOf(sized),
          principalsArb,
          fc.constantFrom(...PERMISSIONS),
          attributesArb,
          agreesWithReference,
        ),
        { numRuns: RUNS / 5 },
      )
    }
    // The generators make what they claim (a property over other sizes would test nothing new).
    fc.assert(
      fc.property(midPolicyArb, boundaryPolicyArb, (mid, boundary) => {
        expect(pairsOf(mid)).toBeGreaterThanOrEqual(17)
        expect(pairsOf(mid)).toBeLessThanOrEqual(32)
        expect(pairsOf(boundary)).toBeGreaterThanOrEqual(31)
        expect(pairsOf(boundary)).toBeLessThanOrEqual(34)
      }),
      { numRuns: 200 },
    )
  })

  it('compiled bindings read back as the policy compiled (members normalised)', () => {
    fc.assert(
      fc.property(fc.oneof(policyArb, midPolicyArb, largePolicyArb), (policy) => {
        const compiled = compilePolicy('projects/p0', policy)
        const want = (policy.bindings ?? []).map((b) => ({
          role: b.role,
          members: b.members.map(normalizeMember),
          ...(b.condition === undefined ? {} : { condition: b.condition }),
        }))
        const got = compiled.bindings.map((b) => ({
          role: b.role,
          members: [...b.members],
          ...(b.condition === undefined
            ? {}
            : {
                condition:
                  b.condition.title === undefined
                    ? { expression: b.condition.expression }
                    : { expression: b.condition.expression, title: b.condition.title },
              }),
        }))
        expect(got).toEqual(want)
      }),
      { numRuns: RUNS / 5 },
    )
  })

  it('testPermissions() returns exactly the permissions the reference grants, in order', () => {
    fc.assert(
      fc.property(
        hierarchyArb,
        principalsArb,
        fc.shuffledSubarray(PERMISSIONS),
        attributesArb,
        (levels, principals, permissions, attributes) => {
          const compiled = levels.map((l) => compilePolicy(l.resource, l.policy))
          const got = testPermissions(
            { principals, resource: 'r', attributes },
            permissions,
            compiled,
          )
          const want = permissions.filter(
            (p) => referenceCheck(principals, p, attributes, levels).allowed,
          )
          expect(got).toEqual(want)
          const [own, ...inherited] = compiled
          if (own !== undefined) {
            const chain = chainOf(own, inherited)
            expect(
              testPermissions({ principals, resource: 'r', attributes }, permissions, chain),
            ).toEqual(want)
          }
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('with custom roles: grants exactly what the resolver says each role holds', () => {
    // Each custom role holds a random subset of the permissions, or is unknown (deleted). Only
    // permissions some predefined role holds: custom roles are validated to hold no others, and
    // the authorizer answers an unknown permission without looking at any binding.
    const known = PERMISSIONS.filter((p) =>
      Object.values(ROLE_DATA).some((r) => r.permissions.includes(p)),
    )
    const customArb = fc.record(
      Object.fromEntries(
        CUSTOM_ROLES.map((r) => [r, fc.option(fc.subarray(known), { nil: undefined })]),
      ),
    )
    fc.assert(
      fc.property(
        hierarchyArb,
        principalsArb,
        fc.shuffledSubarray(PERMISSIONS),
        attributesArb,
        customArb,
        (levels, principals, permissions, attributes, roles) => {
          const custom: Record<string, readonly string[]> = {}
          for (const [name, perms] of Object.entries(roles))
            if (perms !== undefined) custom[name] = perms
          const resolver = (role: string) => {
            const perms = custom[role]
            return perms === undefined ? undefined : new Set(perms)
          }
          const compiled = levels.map((l) =>
            compilePolicy(l.resource, l.policy, { customRoles: resolver }),
          )
          const got = testPermissions(
            { principals, resource: 'r', attributes },
            permissions,
            compiled,
          )
          const want = permissions.filter(
            (p) => referenceCheck(principals, p, attributes, levels, custom).allowed,
          )
          expect(got).toEqual(want)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('monotonicity: adding a binding at any level never removes a permission', () => {
    fc.assert(
      fc.property(
        hierarchyArb,
        principalsArb,
        attributesArb,
        bindingArb,
        fc.nat(2),
        fc.nat(6),
        (levels, principals, attributes, extra, level, at) => {
          const before = levels.map((l) => compilePolicy(l.resource, l.policy))
          const grown = levels.map((l, i) => {
            if (i !== level) return compilePolicy(l.resource, l.policy)
            const bindings = [...(l.policy.bindings ?? [])]
            bindings.splice(Math.min(at, bindings.length), 0, extra)
            return compilePolicy(l.resource, { ...l.policy, bindings })
          })
          const request = { principals, resource: 'r', attributes }
          const held = testPermissions(request, PERMISSIONS, before)
          const heldAfter = testPermissions(request, PERMISSIONS, grown)
          for (const p of held) expect(heldAfter).toContain(p)
        },
      ),
      { numRuns: RUNS },
    )
  })
})
