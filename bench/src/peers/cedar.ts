// Cedar (@cedar-policy/cedar-wasm, Node build) as a benchmark peer. Cedar evaluates every policy
// of a set on each request, so a policy per binding (110,000 of them) would measure policy count,
// not authorization; instead the grants live in entities, the way Cedar models relationship data:
//   - each resource entity (service, project, organization) has one attribute per role it binds,
//     "roles/run.invoker" → Set of member strings, and "roles/run.invoker?c0" for the bindings
//     under condition c0; services point to their project, projects to the organization;
//   - the caller is an entity whose `ids` are its principal set (itself, groups, domain, …);
//   - each permission is an Action whose parents are the roles (Action groups) that hold it;
//   - one policy per (role, condition): permit when the role's member set at the service, project
//     or organization contains one of the caller's ids (and the condition holds on the context).
// The entity store holds the same 10,000 services; each call passes the slice it needs (caller,
// service, project, organization, action), prebuilt at load time, as an application would fetch
// them from its store; building them is not timed.
import * as cedar from '@cedar-policy/cedar-wasm/nodejs'
import { listRoles } from '@runiam/core'
import { principalSetFor } from '@runiam/core/authorizer'
import { CONDITIONS, type Resource, type World } from '../dataset.js'
import type { LoadedPeer, Peer } from './peer.js'

type EntityJson = cedar.EntityJson

const PREDICATE: Record<string, string> = {
  c0: 'context.path like "/admin*"',
  c1: 'context.path like "/api*"',
  c2: 'context.host == "api.example.com"',
}

function policyText(): string {
  const out: string[] = []
  for (const { name: role } of listRoles()) {
    for (const key of ['', ...CONDITIONS.map((c) => c.key)]) {
      const attr = JSON.stringify(key === '' ? role : `${role}?${key}`)
      const at = (e: string): string =>
        `(${e} has ${attr} && ${e}[${attr}].containsAny(principal.ids))`
      const levels = [at('resource'), at('resource.project'), at('resource.project.org')].join(
        ' || ',
      )
      const when = key === '' ? levels : `${PREDICATE[key] ?? 'false'} && (${levels})`
      out.push(
        `permit(principal, action in Action::${JSON.stringify(role)}, resource) when { ${when} };`,
      )
    }
  }
  return out.join('\n')
}

function grantAttrs(r: Resource): Record<string, string[]> {
  const attrs: Record<string, string[]> = {}
  for (const b of r.policy.bindings ?? []) {
    const c = CONDITIONS.find((x) => x.expression === b.condition?.expression)
    if (b.condition !== undefined && c === undefined) throw new Error('unmodelled condition')
    const key = c === undefined ? b.role : `${b.role}?${c.key}`
    const set = (attrs[key] ??= [])
    for (const m of b.members) if (!set.includes(m)) set.push(m)
  }
  return attrs
}

export const cedarPeer: Peer = {
  name: 'cedar-wasm',
  load(world: World): LoadedPeer {
    const parsed = cedar.preparsePolicySet('runiam-bench', { staticPolicies: policyText() })
    if (parsed.type !== 'success') throw new Error(JSON.stringify(parsed.errors))
    const orgUid = { type: 'Org', id: world.org.name }
    const org: EntityJson = { uid: orgUid, attrs: grantAttrs(world.org), parents: [] }
    const projects = new Map<string, EntityJson>(
      world.projects.map((p) => [
        p.name,
        {
          uid: { type: 'Project', id: p.name },
          attrs: { ...grantAttrs(p), org: { __entity: orgUid } },
          parents: [orgUid],
        },
      ]),
    )
    const services: EntityJson[] = world.services.map((s) => ({
      uid: { type: 'Service', id: s.name },
      attrs: { ...grantAttrs(s), project: { __entity: { type: 'Project', id: s.project } } },
      parents: [{ type: 'Project', id: s.project }],
    }))
    const callers: EntityJson[] = world.principals.map((p) => ({
      uid: { type: 'Principal', id: p.member },
      attrs: { ids: [...principalSetFor(p.member, { groups: p.groups }).members] },
      parents: [],
    }))
    const actions = new Map<string, EntityJson>()
    for (const role of listRoles()) {
      for (const permission of role.includedPermissions) {
        let a = actions.get(permission)
        if (a === undefined) {
          a = { uid: { type: 'Action', id: permission }, attrs: {}, parents: [] }
          actions.set(permission, a)
        }
        a.parents.push({ type: 'Action', id: role.name })
      }
    }
    // One slice per service (service, project, organization), built once.
    const slices = services.map((s, i) => {
      const project = projects.get(world.services[i]?.project ?? '')
      if (project === undefined) throw new Error('no project')
      return [s, project, org]
    })
    return {
      conditions: true,
      prepare(r): cedar.StatefulAuthorizationCall {
        const caller = callers[r.principal] as EntityJson
        const action = actions.get(r.permission) ?? {
          uid: { type: 'Action', id: r.permission },
          attrs: {},
          parents: [],
        }
        return {
          principal: caller.uid,
          action: action.uid,
          resource: (services[r.service] as EntityJson).uid,
          context: { host: r.host, path: r.path },
          preparsedPolicySetId: 'runiam-bench',
          entities: [caller, action, ...(slices[r.service] ?? [])],
        }
      },
      check(prepared): boolean {
        const answer = cedar.statefulIsAuthorized(prepared as cedar.StatefulAuthorizationCall)
        if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors))
        return answer.response.decision === 'allow'
      },
    }
  },
}
