// The admin API's handlers for the Org Policy v2 routes (projects and the organization alike):
// path variables, query and body into calls of the transport-free OrgPolicyService.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { Handler, HandlerContext } from './handler.js'

const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''
const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined

export function orgPolicyHandlers(s: Services): [string, Handler][] {
  const out: [string, Handler][] = []
  for (const kind of ['projects', 'organizations'] as const) {
    const key = (m: string): string =>
      routeKey({ api: 'orgpolicy/v2', id: `orgpolicy.${kind}.${m}` })
    out.push(
      [key('constraints.list'), (c) => s.orgPolicies.listConstraints(c.caller, param(c, 'parent'))],
      [
        key('policies.list'),
        (c) =>
          s.orgPolicies.list(c.caller, param(c, 'parent'), {
            pageSize: q(c, 'pageSize'),
            pageToken: q(c, 'pageToken'),
          }),
      ],
      [key('policies.get'), (c) => s.orgPolicies.get(c.caller, param(c, 'name'))],
      [
        key('policies.getEffectivePolicy'),
        (c) => s.orgPolicies.getEffective(c.caller, param(c, 'name')),
      ],
      [key('policies.create'), (c) => s.orgPolicies.create(c.caller, param(c, 'parent'), c.body)],
      [
        key('policies.patch'),
        (c) =>
          s.orgPolicies.patch(
            c.caller,
            param(c, 'policy.name'),
            { updateMask: q(c, 'updateMask') ?? q(c, 'update_mask') },
            c.body,
          ),
      ],
      [
        key('policies.delete'),
        (c) => s.orgPolicies.delete(c.caller, param(c, 'name'), { etag: q(c, 'etag') }),
      ],
    )
  }
  return out
}
