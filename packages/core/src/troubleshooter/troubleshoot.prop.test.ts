// Property test: over random worlds (nested groups, org → project → service inheritance,
// conditions on request.host/path/time, allUsers, allAuthenticatedUsers, domains, custom roles,
// deny policies on the project and the organization), the troubleshooter's verdict is the real
// decision (evaluateDeny first, then check()), the bindings it marks as granting are exactly
// those check() reports, binding by binding, and the deny rules it marks as denying exactly those
// evaluateDeny reports. With request attributes left UNKNOWN, a
// certain verdict holds for every value they may take; a policy the caller may not see changes
// nothing it is told. fast-check prints the seed and the shrunk counterexample on failure.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { GroupGraph } from '../analyzer/group-graph.js'
import { check, compilePolicy, principalSetFor, type PrincipalSet } from '../authorizer/index.js'
import type { RequestAttributes } from '../conditions/types.js'
import { compileDenyPolicy, evaluateDeny, validateDenyPolicy } from '../deny/index.js'
import type { PolicyRule } from '../deny/types.js'
import type { Binding, Policy } from '../policy/types.js'
import { denyExplainer } from './deny-explanation.js'
import {
  customRoles,
  CUSTOM,
  denyAttachmentsFor,
  inputFor,
  ORG,
  PROJECT,
  SERVICE,
  type Level,
} from './test-world.js'
import { troubleshoot } from './troubleshoot.js'
import type { TroubleshootAttributes } from './types.js'

const RUNS = 10_000

const USERS = ['user:ann@example.com', 'user:ben@example.com', 'user:cat@other.org']
const SAS = ['serviceAccount:sa1@p0.iam.gserviceaccount.com']
const GROUPS = ['eng@example.com', 'ops@example.com', 'all@example.com', 'ext@other.org']
const MEMBERS = [
  ...USERS,
  ...SAS,
  ...GROUPS.map((g) => `group:${g}`),
  'domain:example.com',
  'domain:other.org',
  'allUsers',
  'allAuthenticatedUsers',
]
const ROLES = [
  'roles/run.invoker',
  'roles/run.viewer',
  'roles/run.admin',
  'roles/run.developer',
  'roles/viewer',
  'roles/owner',
  'roles/iam.securityReviewer',
  ...Object.keys(CUSTOM),
  'projects/p0/roles/deleted',
]
const CONDITIONS = [
  'request.path.startsWith("/admin")',
  '!request.path.startsWith("/public")',
  'request.host == "s0.run.localhost"',
  'request.host.endsWith(".run.localhost") && request.path == "/"',
  'request.host == "s1.run.localhost" || request.path.endsWith(".js")',
  'request.time < timestamp("2026-06-01T00:00:00Z")',
  'request.path.startsWith(', // does not compile: stored before a stricter checker, say
]
const PERMISSIONS = [
  'run.routes.invoke',
  'run.services.get',
  'run.services.getIamPolicy',
  'run.services.setIamPolicy',
  'run.services.update',
]

/** Deny principals: the world's users, service account, groups (nested) and public:all. */
const DENY_PRINCIPALS = [
  ...USERS.map((u) => `principal://goog/subject/${u.slice('user:'.length)}`),
  ...SAS.map(
    (sa) =>
      `principal://iam.googleapis.com/projects/-/serviceAccounts/${sa.slice('serviceAccount:'.length)}`,
  ),
  ...GROUPS.map((g) => `principalSet://goog/group/${g}`),
]
const PUBLIC_ALL = 'principalSet://goog/public:all'
const DENY_PERMISSIONS = [
  'run.googleapis.com/routes.invoke',
  'run.googleapis.com/services.get',
  'run.googleapis.com/services.setIamPolicy',
  'run.googleapis.com/services.*',
  'run.googleapis.com/*.*',
  'run.googleapis.com/routes.*',
]
const DENY_CONDITIONS = [
  'request.path.startsWith("/admin")',
  'request.host == "s0.run.localhost"',
  'request.time < timestamp("2026-06-01T00:00:00Z")',
  'request.time >= timestamp("2026-06-01T00:00:00Z") || request.path == "/"',
]

const denyRuleArb: fc.Arbitrary<PolicyRule> = fc
  .record({
    deniedPrincipals: fc.uniqueArray(fc.constantFrom(...DENY_PRINCIPALS, PUBLIC_ALL), {
      minLength: 1,
      maxLength: 3,
    }),
    exceptionPrincipals: fc.uniqueArray(fc.constantFrom(...DENY_PRINCIPALS), { maxLength: 2 }),
    deniedPermissions: fc.uniqueArray(fc.constantFrom(...DENY_PERMISSIONS), {
      minLength: 1,
      maxLength: 2,
    }),
    exceptionPermissions: fc.uniqueArray(fc.constantFrom(...DENY_PERMISSIONS), { maxLength: 1 }),
    condition: fc.option(fc.constantFrom(...DENY_CONDITIONS), { nil: undefined, freq: 2 }),
  })
  .map(({ condition, ...rule }) => ({
    denyRule: {
      ...rule,
      ...(condition === undefined ? {} : { denialCondition: { expression: condition } }),
    },
  }))

/** Mostly no deny rules (allow decides), else one to three. */
const denyRulesArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant([] as PolicyRule[]) },
  { weight: 3, arbitrary: fc.array(denyRuleArb, { minLength: 1, maxLength: 3 }) },
)

const bindingArb: fc.Arbitrary<Binding> = fc
  .record({
    role: fc.constantFrom(...ROLES),
    members: fc.uniqueArray(fc.constantFrom(...MEMBERS), { minLength: 1, maxLength: 3 }),
    condition: fc.option(fc.constantFrom(...CONDITIONS), { nil: undefined, freq: 2 }),
  })
  .map(({ role, members, condition }) =>
    condition === undefined
      ? { role, members }
      : { role, members, condition: { expression: condition } },
  )

const policyArb: fc.Arbitrary<Policy> = fc
  .array(bindingArb, { maxLength: 4 })
  .map((bindings) => ({ version: 3, bindings }))

/** Group edges: users and groups in groups (nesting and cycles included). */
const edgesArb = fc.array(
  fc.record({
    group: fc.constantFrom(...GROUPS),
    member: fc.constantFrom(...USERS, ...SAS, ...GROUPS.map((g) => `group:${g}`)),
  }),
  { maxLength: 6 },
)

const HOSTS = ['s0.run.localhost', 's1.run.localhost', 'evil.example']
const PATHS = ['/', '/admin', '/admin/x', '/a/b.js', '/public/a']
const TIMES = [Date.UTC(2026, 2, 1), Date.UTC(2026, 8, 1)]

const worldArb = fc.record({
  levels: fc.tuple(policyArb, policyArb, policyArb),
  edges: edgesArb,
  principal: fc.constantFrom(...USERS, ...SAS),
  permission: fc.constantFrom(...PERMISSIONS),
  // The actual request, and which of its attributes the troubleshooting request supplies.
  actual: fc.record({
    timeMs: fc.constantFrom(...TIMES),
    host: fc.constantFrom(...HOSTS),
    path: fc.constantFrom(...PATHS),
  }),
  known: fc.record({ time: fc.boolean(), host: fc.boolean(), path: fc.boolean() }),
  hidden: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
  /** Deny rules on the project and on the organization; which the caller may not read. */
  deny: fc.tuple(denyRulesArb, denyRulesArb),
  denyHidden: fc.tuple(fc.boolean(), fc.boolean()),
})

type World = typeof worldArb extends fc.Arbitrary<infer W> ? W : never

function levelsOf(w: World, hidden?: readonly boolean[]): Level[] {
  const [s, p, o] = w.levels
  return [
    { resource: SERVICE, policy: s, visible: !(hidden?.[0] ?? false) },
    { resource: PROJECT, policy: p, visible: !(hidden?.[1] ?? false) },
    { resource: ORG, policy: o, visible: !(hidden?.[2] ?? false) },
  ]
}

function principalsOf(w: World): PrincipalSet {
  const groups = [...new GroupGraph(w.edges).ancestors(w.principal)]
  return principalSetFor(w.principal, { groups })
}

const emailOf = (member: string): string => member.slice(member.indexOf(':') + 1)

/**
 * The attributes the real decision has: the gateway's request.host/path for run.routes.invoke;
 * admin calls (every other permission) carry only request.time.
 */
const realAttributes = (w: World): RequestAttributes =>
  w.permission === 'run.routes.invoke' ? w.actual : { timeMs: w.actual.timeMs }

function denyAttachmentsOf(w: World, hidden?: readonly boolean[]) {
  return denyAttachmentsFor([
    { point: 'project', rules: w.deny[0], visible: !(hidden?.[0] ?? false) },
    { point: 'organization', rules: w.deny[1], visible: !(hidden?.[1] ?? false) },
  ])
}

function run(
  w: World,
  attributes: TroubleshootAttributes,
  hidden?: readonly boolean[],
  denyHidden?: readonly boolean[],
) {
  return troubleshoot({
    ...inputFor({
      principal: emailOf(w.principal),
      principals: principalsOf(w),
      permission: w.permission,
      levels: levelsOf(w, hidden),
      attributes,
    }),
    deny: denyExplainer(denyAttachmentsOf(w, denyHidden)),
  })
}

/** The real decision's deny step: evaluateDeny over every deny policy on the path. */
function realDeny(w: World) {
  const compiled = w.deny.map((rules, i) =>
    compileDenyPolicy(`deny-${i}`, validateDenyPolicy({ rules })),
  )
  return evaluateDeny(principalsOf(w), w.permission, realAttributes(w), compiled)
}

/** The real decision: deny first, then allow (the server's decideWith). */
function realDecision(w: World): boolean {
  if (realDeny(w).denied) return false
  return check(
    {
      principals: principalsOf(w),
      permission: w.permission,
      resource: SERVICE,
      attributes: realAttributes(w),
    },
    levelsOf(w).map((l) => compilePolicy(l.resource, l.policy, { customRoles })),
  ).allowed
}

/** Whether check() alone, over the one binding, grants (the binding check() would report). */
function bindingGrants(
  w: World,
  resource: string,
  b: Binding,
  attributes: RequestAttributes,
): boolean {
  const single = compilePolicy(resource, { version: 3, bindings: [b] }, { customRoles })
  return check(
    { principals: principalsOf(w), permission: w.permission, resource: SERVICE, attributes },
    [single],
  ).allowed
}

describe('troubleshooter vs the authorizer (random worlds)', () => {
  let deniedWorlds = 0

  it(`agrees with check() on verdict and granting bindings (${RUNS.toLocaleString('en-US')} worlds)`, () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const r = run(w, w.actual)
        const levels = levelsOf(w)
        const d = check(
          {
            principals: principalsOf(w),
            permission: w.permission,
            resource: SERVICE,
            attributes: realAttributes(w),
          },
          levels.map((l) => compilePolicy(l.resource, l.policy, { customRoles })),
        )
        const denied = realDeny(w)
        if (denied.denied) deniedWorlds++
        expect(r.overallAccessState).toBe(
          d.allowed && !denied.denied ? 'CAN_ACCESS' : 'CANNOT_ACCESS',
        )
        expect(r.denyPolicyExplanation.denyAccessState).toBe(
          denied.denied ? 'DENY_ACCESS_STATE_DENIED' : 'DENY_ACCESS_STATE_NOT_DENIED',
        )
        // The rules marked DENIED are exactly those evaluateDeny reports, rule by rule.
        const marked = r.denyPolicyExplanation.explainedResources.flatMap((res, i) =>
          (res.explainedPolicies ?? []).flatMap((p) =>
            p.ruleExplanations
              .map((e, k) => (e.denyAccessState === 'DENY_ACCESS_STATE_DENIED' ? k : -1))
              .filter((k) => k >= 0)
              .map((k) => `deny-${i}#${k}`),
          ),
        )
        expect(marked).toEqual(denied.by.map((b) => `${b.policy}#${b.ruleIndex}`))
        // Every binding marked GRANTED is one check() grants with, and no other.
        levels.forEach((l, i) => {
          const shown = r.allowPolicyExplanation.explainedPolicies[i]?.bindingExplanations ?? []
          ;(l.policy.bindings ?? []).forEach((b, k) => {
            expect(shown[k]?.allowAccessState === 'ALLOW_ACCESS_STATE_GRANTED').toBe(
              bindingGrants(w, l.resource, b, realAttributes(w)),
            )
          })
        })
        // The binding check() reports is among them, and marked HIGH.
        const g = d.grantedBy[0]
        if (g !== undefined) {
          const i = levels.findIndex((l) => l.resource === g.resource)
          const k = (levels[i]?.policy.bindings ?? []).findIndex(
            (b) =>
              b.role === g.role &&
              b.members.includes(g.member) &&
              b.condition?.expression === g.condition?.expression,
          )
          const shown = r.allowPolicyExplanation.explainedPolicies[i]?.bindingExplanations?.[k]
          expect(shown?.allowAccessState).toBe('ALLOW_ACCESS_STATE_GRANTED')
          expect(shown?.relevance).toBe('HEURISTIC_RELEVANCE_HIGH')
        }
      }),
      { numRuns: RUNS },
    )
    // The worlds exercise deny: a good share of them is refused by a deny rule.
    expect(deniedWorlds).toBeGreaterThan(RUNS / 10)
  })

  it('with UNKNOWN attributes, a certain verdict holds whatever they are', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const supplied: TroubleshootAttributes = {
          ...(w.known.time ? { timeMs: w.actual.timeMs } : {}),
          ...(w.known.host ? { host: w.actual.host } : {}),
          ...(w.known.path ? { path: w.actual.path } : {}),
        }
        const r = run(w, supplied)
        const allowed = realDecision(w)
        if (r.overallAccessState === 'CAN_ACCESS') expect(allowed).toBe(true)
        if (r.overallAccessState === 'CANNOT_ACCESS') expect(allowed).toBe(false)
        if (w.known.time && w.known.host && w.known.path) {
          expect(r.overallAccessState).toBe(allowed ? 'CAN_ACCESS' : 'CANNOT_ACCESS')
        }
      }),
      { numRuns: RUNS / 5 },
    )
  })

  it('a policy the caller may not see is never shown and never changes the answer', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const r = run(w, w.actual, w.hidden, w.denyHidden)
        // The same world with the hidden policies emptied: the same answer, byte for byte.
        const emptied: World = {
          ...w,
          levels: w.levels.map((p, i) =>
            w.hidden[i] === true ? {} : p,
          ) as unknown as World['levels'],
          deny: w.deny.map((rules, i) =>
            w.denyHidden[i] === true ? [] : rules,
          ) as unknown as World['deny'],
        }
        expect(run(emptied, w.actual, w.hidden, w.denyHidden)).toEqual(r)
        if (r.overallAccessState === 'CAN_ACCESS') expect(realDecision(w)).toBe(true)
        if (r.overallAccessState === 'CANNOT_ACCESS') expect(realDecision(w)).toBe(false)
        // A hidden deny point can never be shown as certainly not denying.
        if (w.denyHidden.some((h) => h)) expect(r.overallAccessState).not.toBe('CAN_ACCESS')
        if (
          w.hidden.some((h) => h) &&
          r.overallAccessState !== 'CAN_ACCESS' &&
          r.denyPolicyExplanation.denyAccessState !== 'DENY_ACCESS_STATE_DENIED'
        ) {
          expect(r.overallAccessState).not.toBe('CANNOT_ACCESS')
        }
      }),
      { numRuns: RUNS / 5 },
    )
  })
})
