// Property test: the analyzer's answer equals a brute-force enumeration over random worlds
// (users, service accounts, nested groups with cycles, custom roles at project and organization,
// policies on the organization, projects and Cloud Run resources, time and request conditions).
// Brute force = for every identity × resource × permission, ask the authorizer's `check` with the
// ancestry's policies inside the scope (and, for the deny step, evaluateDeny first with the deny
// policies of the resource's project and the organization). fast-check prints the seed and the shrunk world on failure.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { check, compilePolicy, principalSetFor, type CompiledPolicy } from '../authorizer/index.js'
import type { Binding, Policy } from '../policy/types.js'
import { ROLE_DATA } from '../roles/catalog-data.js'
import {
  compileDenyPolicy,
  evaluateDeny,
  toDenyPermission,
  validateDenyPolicy,
  type CompiledDenyPolicy,
} from '../deny/index.js'
import { toFullResourceName } from './full-resource-name.js'
import { PolicyAnalyzer, type AnalyzerQuery } from './policy-analyzer.js'
import type { AnalyzedResource, GroupMembership, IamPolicyAnalysisResult } from './types.js'

const RUNS = 300
const NOW = Date.parse('2026-06-01T00:00:00Z')
const ORG = 'organizations/1'
const RESOURCES: readonly AnalyzedResource[] = [
  { name: ORG },
  { name: 'projects/p1', parent: ORG },
  { name: 'projects/p2', parent: ORG },
  { name: 'projects/p1/locations/l/services/s1', parent: 'projects/p1' },
  { name: 'projects/p1/locations/l/services/s2', parent: 'projects/p1' },
  { name: 'projects/p1/locations/l/jobs/j1', parent: 'projects/p1' },
  { name: 'projects/p2/locations/l/services/s3', parent: 'projects/p2' },
  { name: 'projects/p2/locations/l/workerPools/w1', parent: 'projects/p2' },
]
const CALLERS = [
  'user:u0@a.com',
  'user:u1@a.com',
  'user:u2@a.com',
  'user:u3@b.com',
  'serviceAccount:sa0@p1.iam.gserviceaccount.com',
]
const GROUPS = ['g0@a.com', 'g1@a.com', 'g2@b.com']
const MEMBERS = [
  ...CALLERS,
  ...GROUPS.map((g) => `group:${g}`),
  'domain:a.com',
  'domain:b.com',
  'allUsers',
  'allAuthenticatedUsers',
]
const PERMISSIONS = [
  'run.routes.invoke',
  'run.services.get',
  'run.jobs.run',
  'run.workerpools.get',
  'resourcemanager.projects.get',
]
const CUSTOM = ['projects/p1/roles/c1', 'organizations/1/roles/c2']
const ROLES = [
  'roles/run.invoker',
  'roles/run.viewer',
  'roles/run.developer',
  'roles/run.jobsExecutor',
  'roles/viewer',
  ...CUSTOM,
]
const CONDITIONS = [
  undefined,
  undefined,
  { title: 'past', expression: 'request.time < timestamp("2020-01-01T00:00:00Z")' },
  { title: 'since', expression: 'request.time > timestamp("2020-01-01T00:00:00Z")' },
  { title: 'host', expression: 'request.host == "h.example"' },
]

interface World {
  readonly policies: ReadonlyMap<string, Policy>
  readonly memberships: readonly GroupMembership[]
  readonly custom: Readonly<Record<string, readonly string[]>>
}

const bindingArb: fc.Arbitrary<Binding> = fc
  .record({
    role: fc.constantFrom(...ROLES),
    members: fc.uniqueArray(fc.constantFrom(...MEMBERS), { minLength: 1, maxLength: 3 }),
    condition: fc.constantFrom(...CONDITIONS),
  })
  .map((b) => (b.condition === undefined ? { role: b.role, members: b.members } : (b as Binding)))

const worldArb: fc.Arbitrary<World> = fc
  .record({
    bindings: fc.array(fc.array(bindingArb, { maxLength: 3 }), {
      minLength: RESOURCES.length,
      maxLength: RESOURCES.length,
    }),
    memberships: fc.uniqueArray(
      fc.record({
        group: fc.constantFrom(...GROUPS),
        member: fc.constantFrom(...CALLERS, ...GROUPS.map((g) => `group:${g}`)),
      }),
      { maxLength: 8, selector: (m) => `${m.group} ${m.member}` },
    ),
    c1: fc.subarray(PERMISSIONS),
    c2: fc.subarray(PERMISSIONS),
  })
  .map(({ bindings, memberships, c1, c2 }) => {
    const policies = new Map<string, Policy>()
    RESOURCES.forEach((r, i) => {
      const b = bindings[i] ?? []
      if (b.length > 0) policies.set(r.name, { version: 3, bindings: b })
    })
    return {
      policies,
      memberships: memberships.filter((m) => m.member !== `group:${m.group}`),
      custom: { [CUSTOM[0] as string]: c1, [CUSTOM[1] as string]: c2 },
    }
  })

/** A role's permissions in the policy of `resource`: a project's custom role only in that project. */
function rolePermissions(
  world: World,
  role: string,
  resource: string,
): ReadonlySet<string> | undefined {
  const predefined = ROLE_DATA[role]
  if (predefined !== undefined) return new Set(predefined.permissions)
  if (role.startsWith('projects/p1/') && !resource.startsWith('projects/p1')) return undefined
  const custom = world.custom[role]
  return custom === undefined ? undefined : new Set(custom)
}

function compileWorld(world: World): Map<string, CompiledPolicy> {
  const compiled = new Map<string, CompiledPolicy>()
  for (const [name, policy] of world.policies) {
    compiled.set(
      name,
      compilePolicy(name, policy, { customRoles: (role) => rolePermissions(world, role, name) }),
    )
  }
  return compiled
}

function analyzerOf(world: World, compiled: ReadonlyMap<string, CompiledPolicy>): PolicyAnalyzer {
  return new PolicyAnalyzer({
    resources: RESOURCES,
    policy: (name) => compiled.get(name),
    memberships: world.memberships,
    rolePermissions: (role, resource) => rolePermissions(world, role, resource),
  })
}

// ---------- brute force ----------

const parentOf = new Map(RESOURCES.map((r) => [r.name, r.parent]))

function ancestry(name: string): string[] {
  const chain: string[] = []
  for (let n: string | undefined = name; n !== undefined; n = parentOf.get(n)) chain.push(n)
  return chain
}

const under = (name: string, scope: string): boolean => ancestry(name).includes(scope)

/** The groups a caller is in, transitively, by the most obvious fixpoint. */
function groupsOf(world: World, member: string): string[] {
  const groups = new Set<string>()
  let grew = true
  while (grew) {
    grew = false
    for (const m of world.memberships) {
      if (groups.has(m.group)) continue
      if (m.member === member || (m.member.startsWith('group:') && groups.has(m.member.slice(6)))) {
        groups.add(m.group)
        grew = true
      }
    }
  }
  return [...groups]
}

function bruteForce(
  world: World,
  compiled: ReadonlyMap<string, CompiledPolicy>,
  scope: string,
  caller: string,
  permission: string,
  resource: string,
  host: string,
): boolean {
  const principals = principalSetFor(caller, { groups: groupsOf(world, caller) })
  const policies = ancestry(resource)
    .filter((r) => under(r, scope))
    .map((r) => compiled.get(r))
    .filter((p): p is CompiledPolicy => p !== undefined)
  return check(
    { principals, permission, resource, attributes: { timeMs: NOW, host, path: '/' } },
    policies,
  ).allowed
}

// ---------- the analyzer's answer, read back ----------

const NO_OPTIONS = {
  expandGroups: false,
  expandRoles: false,
  expandResources: false,
  outputResourceEdges: false,
  outputGroupEdges: false,
}

/** Whether an ACL counts: unconditional or TRUE; with `possibly`, CONDITIONAL too. */
function counts(
  acl: IamPolicyAnalysisResult['accessControlLists'][number],
  possibly: boolean,
): boolean {
  const v = acl.conditionEvaluation?.evaluationValue
  return v === undefined || v === 'TRUE' || (possibly && v === 'CONDITIONAL')
}

const full = (name: string): string => toFullResourceName(name)

describe('PolicyAnalyzer against brute force over random worlds', () => {
  it('what can identity X reach (identity + permission + expandResources)', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const compiled = compileWorld(world)
        const analyzer = analyzerOf(world, compiled)
        for (const scope of [ORG, 'projects/p1']) {
          for (const caller of CALLERS) {
            for (const permission of PERMISSIONS) {
              const query: AnalyzerQuery = {
                scope,
                identity: caller,
                roles: [],
                permissions: [permission],
                options: { ...NO_OPTIONS, expandResources: true },
                timeMs: NOW,
              }
              const results = analyzer.analyze(query)
              for (const possibly of [false, true]) {
                const got = new Set<string>()
                for (const r of results) {
                  for (const acl of r.accessControlLists) {
                    if (!counts(acl, possibly)) continue
                    for (const x of acl.resources) got.add(x.fullResourceName)
                  }
                }
                const want = new Set(
                  RESOURCES.filter(
                    (r) =>
                      under(r.name, scope) &&
                      bruteForce(
                        world,
                        compiled,
                        scope,
                        caller,
                        permission,
                        r.name,
                        possibly ? 'h.example' : 'other.example',
                      ),
                  ).map((r) => full(r.name)),
                )
                expect([...got].sort(), `${scope} ${caller} ${permission} ${possibly}`).toEqual(
                  [...want].sort(),
                )
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('who has P on resource R (resource + permission + expandGroups)', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const compiled = compileWorld(world)
        const analyzer = analyzerOf(world, compiled)
        for (const scope of [ORG, 'projects/p1']) {
          for (const resource of RESOURCES.filter((r) => under(r.name, scope))) {
            for (const permission of PERMISSIONS) {
              const results = analyzer.analyze({
                scope,
                resource: resource.name,
                roles: [],
                permissions: [permission],
                options: { ...NO_OPTIONS, expandGroups: true },
                timeMs: NOW,
              })
              for (const possibly of [false, true]) {
                const identities = new Set<string>()
                for (const r of results) {
                  expect(r.accessControlLists[0]?.resources).toEqual([
                    { fullResourceName: full(resource.name) },
                  ])
                  if (!r.accessControlLists.some((acl) => counts(acl, possibly))) continue
                  for (const i of r.identityList.identities) identities.add(i.name)
                }
                for (const caller of CALLERS) {
                  // Groups are not counted: with expandGroups, their members must be listed.
                  const domain = caller.startsWith('user:')
                    ? [`domain:${caller.slice(caller.indexOf('@') + 1)}`]
                    : []
                  const got = [caller, 'allUsers', 'allAuthenticatedUsers', ...domain].some((m) =>
                    identities.has(m),
                  )
                  const want = bruteForce(
                    world,
                    compiled,
                    scope,
                    caller,
                    permission,
                    resource.name,
                    possibly ? 'h.example' : 'other.example',
                  )
                  expect(got, `${scope} ${resource.name} ${caller} ${permission} ${possibly}`).toBe(
                    want,
                  )
                }
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('every permission X holds anywhere (identity + expandRoles + expandResources)', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const compiled = compileWorld(world)
        const analyzer = analyzerOf(world, compiled)
        for (const caller of CALLERS) {
          const results = analyzer.analyze({
            scope: ORG,
            identity: caller,
            roles: [],
            permissions: [],
            options: { ...NO_OPTIONS, expandRoles: true, expandResources: true },
            timeMs: NOW,
          })
          const got = new Set<string>()
          for (const r of results) {
            for (const acl of r.accessControlLists) {
              if (!counts(acl, false)) continue
              for (const a of acl.accesses) {
                if (!('permission' in a) || !PERMISSIONS.includes(a.permission)) continue
                for (const x of acl.resources) got.add(`${a.permission} ${x.fullResourceName}`)
              }
            }
          }
          const want = new Set<string>()
          for (const p of PERMISSIONS) {
            for (const r of RESOURCES) {
              if (bruteForce(world, compiled, ORG, caller, p, r.name, 'other.example')) {
                want.add(`${p} ${full(r.name)}`)
              }
            }
          }
          expect([...got].sort(), caller).toEqual([...want].sort())
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('an analyzer updated write by write answers as one built from scratch', () => {
    const S3 = 'projects/p2/locations/l/services/s3'
    fc.assert(
      fc.property(worldArb, worldArb, fc.boolean(), (before, after, dropS3) => {
        // Custom roles' definitions are the catalog, not the policies: the same before and after
        // (a server reloads everything when one changes).
        const compiledBefore = compileWorld(before)
        const updated = new PolicyAnalyzer({
          resources: RESOURCES,
          policy: (name) => compiledBefore.get(name),
          memberships: before.memberships,
          rolePermissions: (role, resource) => rolePermissions(after, role, resource),
        })
        // Queries first, so the member index exists and is kept up to date too.
        updated.analyze({
          scope: ORG,
          identity: CALLERS[0] as string,
          roles: [],
          permissions: [],
          options: NO_OPTIONS,
          timeMs: NOW,
        })
        const compiledAfter = compileWorld(after)
        for (const r of RESOURCES) updated.setPolicy(r.name, compiledAfter.get(r.name))
        updated.setMemberships(after.memberships)
        if (dropS3) updated.removeResource(S3)
        const fresh = new PolicyAnalyzer({
          resources: RESOURCES.filter((r) => !dropS3 || r.name !== S3),
          policy: (name) => compiledAfter.get(name),
          memberships: after.memberships,
          rolePermissions: (role, resource) => rolePermissions(after, role, resource),
        })
        for (const caller of CALLERS) {
          const q: AnalyzerQuery = {
            scope: ORG,
            identity: caller,
            roles: [],
            permissions: [],
            options: { ...NO_OPTIONS, expandResources: true },
            timeMs: NOW,
          }
          expect(updated.analyze(q)).toEqual(fresh.analyze(q))
        }
        const all: AnalyzerQuery = {
          scope: ORG,
          roles: [],
          permissions: PERMISSIONS,
          options: { ...NO_OPTIONS, expandGroups: true },
          timeMs: NOW,
        }
        expect(updated.analyze(all)).toEqual(fresh.analyze(all))
      }),
      { numRuns: RUNS },
    )
  })

  it('what can identity X reach, with deny policies (the deny step)', () => {
    const principalArb = fc.constantFrom(
      'principalSet://goog/public:all',
      ...CALLERS.filter((c) => c.startsWith('user:')).map(
        (c) => `principal://goog/subject/${c.slice(5)}`,
      ),
      'principal://iam.googleapis.com/projects/-/serviceAccounts/sa0@p1.iam.gserviceaccount.com',
      ...GROUPS.map((g) => `principalSet://goog/group/${g}`),
    )
    const ruleArb = fc.record({
      deniedPrincipals: fc.uniqueArray(principalArb, { minLength: 1, maxLength: 2 }),
      exceptionPrincipals: fc.uniqueArray(
        principalArb.filter((p) => p !== 'principalSet://goog/public:all'),
        { maxLength: 1 },
      ),
      deniedPermissions: fc.uniqueArray(
        fc.constantFrom(...PERMISSIONS.map(toDenyPermission), 'run.googleapis.com/*.*'),
        { minLength: 1, maxLength: 2 },
      ),
    })
    const denyArb = fc.record({
      org: fc.array(ruleArb, { maxLength: 1 }),
      p1: fc.array(ruleArb, { maxLength: 2 }),
      p2: fc.array(ruleArb, { maxLength: 1 }),
    })
    fc.assert(
      fc.property(worldArb, denyArb, (world, deny) => {
        const compiled = compileWorld(world)
        const analyzer = analyzerOf(world, compiled)
        const at = (name: string, rules: unknown[]): CompiledDenyPolicy[] =>
          rules.length === 0
            ? []
            : [
                compileDenyPolicy(
                  name,
                  validateDenyPolicy({ rules: rules.map((denyRule) => ({ denyRule })) }),
                ),
              ]
        const orgDeny = at('org', deny.org)
        const chains: Record<string, CompiledDenyPolicy[]> = {
          p1: [...orgDeny, ...at('p1', deny.p1)],
          p2: [...orgDeny, ...at('p2', deny.p2)],
        }
        const denyFor = (resource: string): readonly CompiledDenyPolicy[] =>
          resource.startsWith('projects/') ? (chains[resource.split('/')[1] ?? ''] ?? []) : orgDeny
        for (const scope of [ORG, 'projects/p1']) {
          for (const caller of CALLERS) {
            const principals = principalSetFor(caller, { groups: groupsOf(world, caller) })
            for (const permission of PERMISSIONS) {
              const results = analyzer.analyze(
                {
                  scope,
                  identity: caller,
                  roles: [],
                  permissions: [permission],
                  options: { ...NO_OPTIONS, expandResources: true },
                  timeMs: NOW,
                },
                denyFor,
              )
              const got = new Set<string>()
              for (const r of results) {
                for (const acl of r.accessControlLists) {
                  if (!counts(acl, false)) continue
                  for (const x of acl.resources) got.add(x.fullResourceName)
                }
              }
              const want = RESOURCES.filter(
                (r) =>
                  under(r.name, scope) &&
                  !evaluateDeny(principals, permission, { timeMs: NOW }, denyFor(r.name)).denied &&
                  bruteForce(world, compiled, scope, caller, permission, r.name, 'other.example'),
              ).map((r) => full(r.name))
              expect([...got].sort(), `${scope} ${caller} ${permission}`).toEqual(want.sort())
            }
          }
        }
      }),
      { numRuns: 100 },
    )
  })
})
