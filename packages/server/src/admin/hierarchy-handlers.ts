// The admin API's handlers for organizations.search (v1 body, v3 query) and projects.getAncestry:
// request fields into calls of the transport-free HierarchyService.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import { HierarchyService } from '../services/resource-manager/hierarchy-service.js'
import type { Handler } from './handler.js'

export function hierarchyHandlers(s: Services): [string, Handler][] {
  return [
    [
      routeKey({ api: 'cloudresourcemanager/v1', id: 'cloudresourcemanager.organizations.search' }),
      (c) =>
        s.hierarchy.searchOrganizations(c.caller, HierarchyService.searchRequest(c.body), 'v1'),
    ],
    [
      routeKey({ api: 'cloudresourcemanager/v3', id: 'cloudresourcemanager.organizations.search' }),
      (c) =>
        s.hierarchy.searchOrganizations(
          c.caller,
          {
            pageSize: c.query.get('pageSize') ?? undefined,
            pageToken: c.query.get('pageToken') ?? undefined,
            filter: c.query.get('query') ?? undefined,
          },
          'v3',
        ),
    ],
    [
      routeKey({ api: 'cloudresourcemanager/v1', id: 'cloudresourcemanager.projects.getAncestry' }),
      (c) => s.hierarchy.getAncestry(c.caller, c.params['projectId'] ?? ''),
    ],
  ]
}
