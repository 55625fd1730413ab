// Resource Manager methods about the resource hierarchy, as data for routes.ts:
// organizations.search (v1 POST, which gcloud organizations list calls; v3 GET) and
// projects.getAncestry (v1, which gcloud projects get-ancestors-iam-policy calls).
// Compat: cloudresourcemanager v1 organizations.search and projects.getAncestry, v3
// organizations.search.
import type { RouteSpec } from './route-spec.js'

export const HIERARCHY_ROUTES: readonly RouteSpec[] = [
  {
    api: 'cloudresourcemanager/v1',
    id: 'cloudresourcemanager.organizations.search',
    method: 'POST',
    template: '/v1/organizations:search',
    resourceType: 'organization',
    body: true,
    note: 'lists the organizations on which the caller has resourcemanager.organizations.get',
  },
  {
    api: 'cloudresourcemanager/v3',
    id: 'cloudresourcemanager.organizations.search',
    method: 'GET',
    template: '/v3/organizations:search',
    resourceType: 'organization',
    body: false,
    note: 'lists the organizations on which the caller has resourcemanager.organizations.get',
  },
  {
    api: 'cloudresourcemanager/v1',
    id: 'cloudresourcemanager.projects.getAncestry',
    method: 'POST',
    template: '/v1/projects/{projectId}:getAncestry',
    permission: 'resourcemanager.projects.get',
    resourceType: 'project',
    body: true,
  },
]
