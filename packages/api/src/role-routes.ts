// The IAM API's role routes (iam.googleapis.com v1): predefined roles, custom roles of a project
// or the organization, and the permissions testable on a resource, as data for routes.ts.
// Compat: paths, method ids and permissions follow google/iam/admin/v1/iam.proto; the custom-role
// methods check iam.roles.* on the project or organization that defines the role.
import type { RouteSpec } from './route-spec.js'

function customRoleRoutes(
  kind: 'projects' | 'organizations',
  resourceType: 'project' | 'organization',
): RouteSpec[] {
  const parent = `${kind}/*`
  const role = `${kind}/*/roles/*`
  const id = (m: string): string => `iam.${kind}.roles.${m}`
  return [
    {
      api: 'iam/v1',
      id: id('create'),
      method: 'POST',
      template: `/v1/{parent=${parent}}/roles`,
      permission: 'iam.roles.create',
      resourceType,
      body: true,
    },
    {
      api: 'iam/v1',
      id: id('list'),
      method: 'GET',
      template: `/v1/{parent=${parent}}/roles`,
      permission: 'iam.roles.list',
      resourceType,
      body: false,
    },
    {
      api: 'iam/v1',
      id: id('get'),
      method: 'GET',
      template: `/v1/{name=${role}}`,
      permission: 'iam.roles.get',
      resourceType,
      body: false,
    },
    {
      api: 'iam/v1',
      id: id('patch'),
      method: 'PATCH',
      template: `/v1/{name=${role}}`,
      permission: 'iam.roles.update',
      resourceType,
      body: true,
    },
    {
      api: 'iam/v1',
      id: id('delete'),
      method: 'DELETE',
      template: `/v1/{name=${role}}`,
      permission: 'iam.roles.delete',
      resourceType,
      body: false,
    },
    {
      api: 'iam/v1',
      id: id('undelete'),
      method: 'POST',
      template: `/v1/{name=${role}}:undelete`,
      permission: 'iam.roles.undelete',
      resourceType,
      body: true,
    },
  ]
}

export const ROLE_ROUTES: readonly RouteSpec[] = [
  {
    api: 'iam/v1',
    id: 'iam.roles.list',
    method: 'GET',
    template: '/v1/roles',
    resourceType: 'project',
    body: false,
    note: 'predefined roles; no permission required',
  },
  {
    api: 'iam/v1',
    id: 'iam.roles.get',
    method: 'GET',
    template: '/v1/{name=roles/*}',
    resourceType: 'project',
    body: false,
    note: 'a predefined role; no permission required',
  },
  ...customRoleRoutes('projects', 'project'),
  ...customRoleRoutes('organizations', 'organization'),
  {
    api: 'iam/v1',
    id: 'iam.permissions.queryTestablePermissions',
    method: 'POST',
    template: '/v1/permissions:queryTestablePermissions',
    resourceType: 'project',
    body: true,
    note: 'no permission required: the answer depends only on the kind of resource',
  },
]
