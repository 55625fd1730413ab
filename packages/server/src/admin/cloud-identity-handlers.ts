// The admin API's handlers for the Cloud Identity Groups routes: path variables, query and body
// into calls of the transport-free group service.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { Handler, HandlerContext } from './handler.js'

const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''
const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined

const list = (c: HandlerContext) => ({
  view: q(c, 'view'),
  pageSize: q(c, 'pageSize'),
  pageToken: q(c, 'pageToken'),
})

export function cloudIdentityHandlers(s: Services): [string, Handler][] {
  const ci = (m: string): string => routeKey({ api: 'cloudidentity/v1', id: `cloudidentity.${m}` })
  const g = s.groups
  return [
    [ci('groups.create'), (c) => g.createGroup(c.caller, q(c, 'initialGroupConfig'), c.body)],
    [ci('groups.list'), (c) => g.listGroups(c.caller, q(c, 'parent'), list(c))],
    [
      ci('groups.lookup'),
      (c) =>
        g.lookupGroup(c.caller, { id: q(c, 'groupKey.id'), namespace: q(c, 'groupKey.namespace') }),
    ],
    [ci('groups.get'), (c) => g.getGroup(c.caller, param(c, 'name'))],
    [
      ci('groups.patch'),
      (c) => g.patchGroup(c.caller, param(c, 'name'), q(c, 'updateMask'), c.body),
    ],
    [ci('groups.delete'), (c) => g.deleteGroup(c.caller, param(c, 'name'))],
    [
      ci('groups.memberships.create'),
      (c) => g.createMembership(c.caller, param(c, 'parent'), c.body),
    ],
    [
      ci('groups.memberships.list'),
      (c) => g.listMemberships(c.caller, param(c, 'parent'), list(c)),
    ],
    [
      ci('groups.memberships.lookup'),
      (c) =>
        g.lookupMembership(c.caller, param(c, 'parent'), {
          id: q(c, 'memberKey.id'),
          namespace: q(c, 'memberKey.namespace'),
        }),
    ],
    [ci('groups.memberships.get'), (c) => g.getMembership(c.caller, param(c, 'name'))],
    [ci('groups.memberships.delete'), (c) => g.deleteMembership(c.caller, param(c, 'name'))],
  ]
}
