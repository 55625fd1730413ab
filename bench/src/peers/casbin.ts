// node-casbin 5 as a benchmark peer, modelled the way casbin models RBAC with domains: every
// (resource, role, member) of a binding is a grouping rule `g, member, role, resource`, every
// (role, permission) of the catalog a policy rule `p, role, permission`, and the matcher looks
// for the role at the service, its project or the organization. Casbin has no notion of a
// principal set, so a check tries each of the caller's identities (itself, groups, domain,
// allAuthenticatedUsers, allUsers) in turn, as an application using casbin would. Conditional
// bindings are left out: plain casbin RBAC cannot express them (in the unconditional workload
// their conditions are all false, so the decisions are the same as runiam's).
import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin'
import { principalSetFor } from '@runiam/core/authorizer'
import { listRoles } from '@runiam/core'
import type { Resource, World } from '../dataset.js'
import type { LoadedPeer, Peer } from './peer.js'

const MODEL = `
[request_definition]
r = sub, svc, proj, org, act

[policy_definition]
p = role, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.act == p.act && (g(r.sub, p.role, r.svc) || g(r.sub, p.role, r.proj) || g(r.sub, p.role, r.org))
`

export const casbinPeer: Peer = {
  name: 'casbin',
  async load(world: World): Promise<LoadedPeer> {
    const lines: string[] = []
    for (const role of listRoles()) {
      for (const permission of role.includedPermissions)
        lines.push(`p, ${role.name}, ${permission}`)
    }
    const grouping = (r: Resource): void => {
      for (const b of r.policy.bindings ?? []) {
        if (b.condition !== undefined) continue
        for (const m of b.members) lines.push(`g, ${m}, ${b.role}, ${r.name}`)
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
        const s = world.services[r.service]
        return {
          ids: identities[r.principal] ?? ['allUsers'],
          svc: s?.name,
          proj: s?.project,
          perm: r.permission,
        }
      },
      check(prepared): boolean {
        const p = prepared as { ids: string[]; svc: string; proj: string; perm: string }
        for (const id of p.ids) {
          if (enforcer.enforceSync(id, p.svc, p.proj, world.org.name, p.perm)) return true
        }
        return false
      },
    }
  },
}
