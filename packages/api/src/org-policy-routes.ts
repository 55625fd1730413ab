// The Org Policy v2 routes (orgpolicy.googleapis.com) for projects and the organization: policies
// get / list / create / patch / delete, getEffectivePolicy and constraints.list. Permissions are
// checked on the parent resource (`projects/P`, `organizations/O`).
// Compat: google/cloud/orgpolicy/v2/orgpolicy.proto http rules (reference §10). The policy-name
// templates end in `**` so that `policies/constraints/NAME` reaches the service, which accepts
// the `constraints/` prefix (gcloud's spelling) and answers with the bare name.
import type { RouteResourceType, RouteSpec } from './route-spec.js'

function orgPolicyRoutes(kind: 'projects' | 'organizations'): RouteSpec[] {
  const resourceType: RouteResourceType = kind === 'projects' ? 'project' : 'organization'
  const id = (m: string): string => `orgpolicy.${kind}.${m}`
  const parent = `{parent=${kind}/*}`
  const name = `${kind}/*/policies/**`
  const common = { api: 'orgpolicy/v2', resourceType } as const
  return [
    {
      ...common,
      id: id('constraints.list'),
      method: 'GET',
      template: `/v2/${parent}/constraints`,
      permission: 'orgpolicy.constraints.list',
      body: false,
    },
    {
      ...common,
      id: id('policies.list'),
      method: 'GET',
      template: `/v2/${parent}/policies`,
      permission: 'orgpolicy.policies.list',
      body: false,
    },
    {
      ...common,
      id: id('policies.get'),
      method: 'GET',
      template: `/v2/{name=${name}}`,
      permission: 'orgpolicy.policy.get',
      body: false,
    },
    {
      ...common,
      id: id('policies.getEffectivePolicy'),
      method: 'GET',
      template: `/v2/{name=${name}}:getEffectivePolicy`,
      permission: 'orgpolicy.policy.get',
      body: false,
    },
    {
      ...common,
      id: id('policies.create'),
      method: 'POST',
      template: `/v2/${parent}/policies`,
      permission: 'orgpolicy.policies.create',
      body: true,
    },
    {
      ...common,
      id: id('policies.patch'),
      method: 'PATCH',
      template: `/v2/{policy.name=${name}}`,
      permission: 'orgpolicy.policies.update',
      body: true,
    },
    {
      ...common,
      id: id('policies.delete'),
      method: 'DELETE',
      template: `/v2/{name=${name}}`,
      permission: 'orgpolicy.policies.delete',
      body: false,
    },
  ]
}

export const ORG_POLICY_ROUTES: readonly RouteSpec[] = [
  ...orgPolicyRoutes('projects'),
  ...orgPolicyRoutes('organizations'),
]
