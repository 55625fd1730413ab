// The admin API's handlers for the IAM role routes: predefined roles, custom roles of a project or
// the organization, and testable permissions, into calls of the transport-free CustomRoleService.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { Handler, HandlerContext } from './handler.js'

const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''
const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined

/** ListRolesRequest's query parameters (camelCase or the proto's snake_case). */
function listRequest(c: HandlerContext) {
  return {
    pageSize: q(c, 'pageSize') ?? q(c, 'page_size'),
    pageToken: q(c, 'pageToken') ?? q(c, 'page_token'),
    view: q(c, 'view'),
    showDeleted: q(c, 'showDeleted') ?? q(c, 'show_deleted'),
  }
}

export function roleHandlers(s: Services): [string, Handler][] {
  const key = (id: string): string => routeKey({ api: 'iam/v1', id })
  const roles = s.roles
  const out: [string, Handler][] = [
    [key('iam.roles.list'), (c) => Promise.resolve(roles.listPredefined(listRequest(c)))],
    [key('iam.roles.get'), (c) => Promise.resolve(roles.getPredefined(param(c, 'name')))],
    [
      key('iam.permissions.queryTestablePermissions'),
      (c) => Promise.resolve(roles.queryTestablePermissions(c.body)),
    ],
  ]
  for (const kind of ['projects', 'organizations'] as const) {
    const id = (m: string): string => key(`iam.${kind}.roles.${m}`)
    out.push(
      [id('create'), (c) => roles.create(c.caller, param(c, 'parent'), c.body)],
      [id('list'), (c) => roles.list(c.caller, param(c, 'parent'), listRequest(c))],
      [id('get'), (c) => roles.get(c.caller, param(c, 'name'))],
      [
        id('patch'),
        (c) =>
          roles.patch(
            c.caller,
            param(c, 'name'),
            q(c, 'updateMask') ?? q(c, 'update_mask'),
            c.body,
          ),
      ],
      [id('delete'), (c) => roles.delete(c.caller, param(c, 'name'), q(c, 'etag'))],
      [id('undelete'), (c) => roles.undelete(c.caller, param(c, 'name'), c.body)],
    )
  }
  return out
}
