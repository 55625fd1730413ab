// node-casbin 5 as a benchmark peer, modelled as casbin's performance guide recommends (casbin.org
// /docs/performance: grant permissions to roles, not to users; keep the rules shared across
// tenants few; let the RBAC role tree answer): plain RBAC with the permission in the request and
// no policy rows to scan:
//   - the catalog once: each role inherits its permissions, `g, role, permission` (permissions are
//     nodes of casbin's role graph, shared by every resource);
//   - each binding's member at its resource: `g, resource#member, role` — the resource qualifies
//     the subject, so one role graph holds every resource's grants;
//   - the matcher `g(r.svc, r.act) || g(r.proj, r.act) || g(r.org, r.act)`, the request carrying the
//     caller qualified by the service, its project and the organization, names no `p` field, so
//     casbin evaluates it once per request instead of once per policy row. The earlier model
//     (`p, role, permission` rows matched against the request) scanned every role × permission row
//     of the catalog per call (~200 checks/s).
// Casbin's own multi-tenant form, RBAC with domains (`g, member, role, resource`), needs the role →
// permission links in every domain (2.2 million rules here: loading took 9 minutes) or a domain
// pattern, which makes every lookup scan all 10,000 domains; the qualified subject keeps both the
// rules (~130,000) and a lookup (a role-tree walk) small.
// Casbin has no notion of a principal set, so a check asks for each of the caller's identities
// (itself, groups, domain, allAuthenticatedUsers, allUsers) in turn, as an application using casbin
// would. Not used: casbin's CachedEnforcer, which memoises decisions per request string — this
// workload cycles over the same 50,000 requests, so it would measure a decision cache (runiam caches
// no decisions, and such a cache must be dropped on every policy change). Conditional bindings are
// left out: plain casbin RBAC cannot express them (in the unconditional workload their conditions
// are all false, so the decisions are the same as runiam's).
import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin'
import { principalSetFor } from '@runiam/core/authorizer'
import { listRoles } from '@runiam/core'
import type { Resource, World } from '../dataset.js'
import type { LoadedPeer, Peer } from './peer.js'

const MODEL = `
[request_definition]
r = svc, proj, org, act

[policy_definition]
p = sub, act

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.svc, r.act) || g(r.proj, r.act) || g(r.org, r.act)
`

export const casbinPeer: Peer = {
  name: 'casbin',
  async load(world: World): Promise<LoadedPeer> {
    const lines: string[] = []
    for (const role of listRoles()) {
      for (const permission of role.includedPermissions)
        lines.push(`g, ${role.name}, ${permission}`)
    }
    const grouping = (r: Resource): void => {
      for (const b of r.policy.bindings ?? []) {
        if (b.condition !== undefined) continue
        for (const m of b.members) lines.push(`g, ${r.name}#${m}, ${b.role}`)
      }
    }
    grouping(world.org)
    world.projects.forEach(grouping)
    world.services.forEach(grouping)
    const enforcer: Enforcer = await newEnforcer(
      newModelFromString(MODEL),
      new StringAdapter(lines.join('\n')),
    )
    const identities = world.principals.map((p) => [
      ...principalSetFor(p.member, { groups: p.groups }).members,
    ])
    return {
      conditions: 'plain casbin RBAC-with-domains has no conditional grants',
      prepare(r) {
        // The caller's identities qualified by each level, as the application would build them.
        const s = world.services[r.service]
        return {
          asks: (identities[r.principal] ?? ['allUsers']).map((id) => [
            `${s?.name}#${id}`,
            `${s?.project}#${id}`,
            `${world.org.name}#${id}`,
          ]),
          perm: r.permission,
        }
      },
      check(prepared): boolean {
        const p = prepared as { asks: [string, string, string][]; perm: string }
        for (const [svc, proj, org] of p.asks) {
          if (enforcer.enforceSync(svc, proj, org, p.perm)) return true
        }
        return false
      },
    }
  },
}
