// The admin API's handlers for IAM v2 deny policies: path variables (the attachment point kept
// URL-encoded), query and body into calls of the transport-free DenyPolicyService.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { Handler, HandlerContext } from './handler.js'

const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''
const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined
const key = (id: string): string => routeKey({ api: 'iam/v2', id })

export function denyPolicyHandlers(s: Services): [string, Handler][] {
  const d = s.denyPolicies
  return [
    [
      key('iam.policies.listPolicies'),
      (c) => d.list(c.caller, param(c, 'parent'), { pageToken: q(c, 'pageToken') }),
    ],
    [
      key('iam.policies.createPolicy'),
      (c) => d.create(c.caller, param(c, 'parent'), q(c, 'policyId') ?? q(c, 'policy_id'), c.body),
    ],
    [key('iam.policies.get'), (c) => d.get(c.caller, param(c, 'name'))],
    [key('iam.policies.update'), (c) => d.update(c.caller, param(c, 'policy.name'), c.body)],
    [key('iam.policies.delete'), (c) => d.delete(c.caller, param(c, 'name'), q(c, 'etag'))],
    [key('iam.policies.operations.get'), (c) => d.getOperation(c.caller, param(c, 'name'))],
  ]
}
