// The admin REST surface as data: every route runiam serves, with Google's method id, HTTP verb,
// path template (Google's http-rule syntax), the permission Google checks and the kind of resource
// it is checked on. The server's router, the API client and the docs are all driven by this table.
// Compat: paths and permissions follow reference §1.2, §1.7, §1.8a and §2.

import type { ApiName, HttpMethod, RouteResourceType, RouteSpec } from './route-spec.js'
import { ORG_POLICY_ROUTES } from './org-policy-routes.js'
import { SERVICE_ACCOUNT_ROUTES } from './service-account-routes.js'
import { LOGGING_ROUTES } from './logging-routes.js'
import { JOB_ROUTES } from './job-routes.js'
import { KNATIVE_ROUTES } from './knative-routes.js'
import { KNATIVE_JOB_ROUTES } from './knative-job-routes.js'
import { RUN_OPERATION_ROUTES, WORKER_POOL_ROUTES } from './worker-pool-routes.js'
import { CLOUD_IDENTITY_ROUTES } from './cloud-identity-routes.js'
import { ROLE_ROUTES } from './role-routes.js'
import { HIERARCHY_ROUTES } from './hierarchy-routes.js'
import { SIGNING_KEY_ROUTES } from './signing-key-routes.js'
import { ASSET_ROUTES } from './asset-routes.js'
import { RECOMMENDER_ROUTES } from './recommender-routes.js'
import { TROUBLESHOOTER_ROUTES } from './troubleshooter-routes.js'
import { DENY_POLICY_ROUTES } from './deny-policy-routes.js'

export * from './route-spec.js'

const SVC = 'projects/*/locations/*/services/*'

function iamRoutes(
  api: ApiName,
  prefix: string,
  pattern: string,
  idBase: string,
  permBase: string,
  resourceType: RouteResourceType,
  getVerb: HttpMethod,
): RouteSpec[] {
  const t = (verb: string): string => `${prefix}/{resource=${pattern}}:${verb}`
  return [
    {
      api,
      id: `${idBase}.getIamPolicy`,
      method: getVerb,
      template: t('getIamPolicy'),
      permission: `${permBase}.getIamPolicy`,
      resourceType,
      body: getVerb === 'POST',
    },
    {
      api,
      id: `${idBase}.setIamPolicy`,
      method: 'POST',
      template: t('setIamPolicy'),
      permission: `${permBase}.setIamPolicy`,
      resourceType,
      body: true,
    },
    {
      api,
      id: `${idBase}.testIamPermissions`,
      method: 'POST',
      template: t('testIamPermissions'),
      resourceType,
      body: true,
      note: 'no permission required (proto comment)',
    },
  ]
}

export const ROUTES: readonly RouteSpec[] = [
  // Cloud Run Admin API v2: services.
  {
    api: 'run/v2',
    id: 'run.projects.locations.services.create',
    method: 'POST',
    template: '/v2/{parent=projects/*/locations/*}/services',
    permission: 'run.services.create',
    resourceType: 'service',
    body: true,
    note: 'checked on the new service name; also run.services.setIamPolicy when invokerIamDisabled is set',
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.services.get',
    method: 'GET',
    template: `/v2/{name=${SVC}}`,
    permission: 'run.services.get',
    resourceType: 'service',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.services.list',
    method: 'GET',
    template: '/v2/{parent=projects/*/locations/*}/services',
    permission: 'run.services.list',
    resourceType: 'location',
    body: false,
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.services.patch',
    method: 'PATCH',
    template: `/v2/{service.name=${SVC}}`,
    permission: 'run.services.update',
    resourceType: 'service',
    body: true,
    note: 'also run.services.create when allowMissing creates it, run.services.setIamPolicy when invokerIamDisabled changes',
  },
  {
    api: 'run/v2',
    id: 'run.projects.locations.services.delete',
    method: 'DELETE',
    template: `/v2/{name=${SVC}}`,
    permission: 'run.services.delete',
    resourceType: 'service',
    body: false,
  },
  ...iamRoutes(
    'run/v2',
    '/v2',
    SVC,
    'run.projects.locations.services',
    'run.services',
    'service',
    'GET',
  ),
  {
    api: 'run/v2',
    id: 'run.projects.locations.operations.get',
    method: 'GET',
    template: '/v2/{name=projects/*/locations/*/operations/*}',
    permission: 'run.operations.get',
    resourceType: 'operation',
    body: false,
    note: 'checked on the location (projects/P/locations/L)',
  },
  // Cloud Run Admin API v1: the IAM methods gcloud calls.
  ...iamRoutes(
    'run/v1',
    '/v1',
    SVC,
    'run.projects.locations.services',
    'run.services',
    'service',
    'GET',
  ),
  // Resource Manager v1.
  {
    api: 'cloudresourcemanager/v1',
    id: 'cloudresourcemanager.projects.create',
    method: 'POST',
    template: '/v1/projects',
    permission: 'resourcemanager.projects.create',
    resourceType: 'organization',
    body: true,
    note: 'checked on the parent organization',
  },
  {
    api: 'cloudresourcemanager/v1',
    id: 'cloudresourcemanager.projects.get',
    method: 'GET',
    template: '/v1/projects/{projectId}',
    permission: 'resourcemanager.projects.get',
    resourceType: 'project',
    body: false,
  },
  {
    api: 'cloudresourcemanager/v1',
    id: 'cloudresourcemanager.projects.list',
    method: 'GET',
    template: '/v1/projects',
    resourceType: 'project',
    body: false,
    note: 'lists the projects on which the caller has resourcemanager.projects.get',
  },
  ...iamRoutes(
    'cloudresourcemanager/v1',
    '/v1',
    'projects/*',
    'cloudresourcemanager.projects',
    'resourcemanager.projects',
    'project',
    'POST',
  ),
  {
    api: 'cloudresourcemanager/v1',
    id: 'cloudresourcemanager.organizations.get',
    method: 'GET',
    template: '/v1/{name=organizations/*}',
    permission: 'resourcemanager.organizations.get',
    resourceType: 'organization',
    body: false,
  },
  ...iamRoutes(
    'cloudresourcemanager/v1',
    '/v1',
    'organizations/*',
    'cloudresourcemanager.organizations',
    'resourcemanager.organizations',
    'organization',
    'POST',
  ),
  {
    api: 'cloudresourcemanager/v1',
    id: 'cloudresourcemanager.operations.get',
    method: 'GET',
    template: '/v1/{name=operations/**}',
    permission: 'resourcemanager.projects.get',
    resourceType: 'operation',
    body: false,
    note: 'checked on the project the operation created',
  },
  // Resource Manager v3.
  {
    api: 'cloudresourcemanager/v3',
    id: 'cloudresourcemanager.projects.create',
    method: 'POST',
    template: '/v3/projects',
    permission: 'resourcemanager.projects.create',
    resourceType: 'organization',
    body: true,
    note: 'checked on the parent organization',
  },
  {
    api: 'cloudresourcemanager/v3',
    id: 'cloudresourcemanager.projects.get',
    method: 'GET',
    template: '/v3/{name=projects/*}',
    permission: 'resourcemanager.projects.get',
    resourceType: 'project',
    body: false,
  },
  {
    api: 'cloudresourcemanager/v3',
    id: 'cloudresourcemanager.projects.list',
    method: 'GET',
    template: '/v3/projects',
    resourceType: 'project',
    body: false,
    note: 'lists the projects on which the caller has resourcemanager.projects.get',
  },
  ...iamRoutes(
    'cloudresourcemanager/v3',
    '/v3',
    'projects/*',
    'cloudresourcemanager.projects',
    'resourcemanager.projects',
    'project',
    'POST',
  ),
  {
    api: 'cloudresourcemanager/v3',
    id: 'cloudresourcemanager.organizations.get',
    method: 'GET',
    template: '/v3/{name=organizations/*}',
    permission: 'resourcemanager.organizations.get',
    resourceType: 'organization',
    body: false,
  },
  ...iamRoutes(
    'cloudresourcemanager/v3',
    '/v3',
    'organizations/*',
    'cloudresourcemanager.organizations',
    'resourcemanager.organizations',
    'organization',
    'POST',
  ),
  {
    api: 'cloudresourcemanager/v3',
    id: 'cloudresourcemanager.operations.get',
    method: 'GET',
    template: '/v3/{name=operations/**}',
    permission: 'resourcemanager.projects.get',
    resourceType: 'operation',
    body: false,
    note: 'checked on the project the operation created',
  },
  // IAM: service accounts and keys; IAM Service Account Credentials: tokens.
  ...SERVICE_ACCOUNT_ROUTES,
  // Org Policy v2: organization policies on projects and the organization.
  ...ORG_POLICY_ROUTES,
  // Cloud Logging v2: reading what local service processes printed.
  ...LOGGING_ROUTES,
  // Cloud Run v2 jobs, executions and tasks, and job IAM on v2 and v1.
  ...JOB_ROUTES,
  // Cloud Run v1 services (Knative serving objects): `run services describe --format export`, `replace`.
  ...KNATIVE_ROUTES,
  // Cloud Run v1 jobs and executions (k8s-style objects): `run jobs describe --format export`, `replace`.
  ...KNATIVE_JOB_ROUTES,
  // Cloud Run v2 and v1: worker pools and their IAM; operations list, wait and delete.
  ...WORKER_POOL_ROUTES,
  ...RUN_OPERATION_ROUTES,
  ...CLOUD_IDENTITY_ROUTES,
  // IAM: predefined and custom roles, testable permissions.
  ...ROLE_ROUTES,
  // Resource Manager: organizations.search and projects.getAncestry.
  ...HIERARCHY_ROUTES,
  ...SIGNING_KEY_ROUTES,
  ...ASSET_ROUTES,
  ...RECOMMENDER_ROUTES,
  ...TROUBLESHOOTER_ROUTES,
  ...DENY_POLICY_ROUTES,
]

/** The route with this API and method id (for clients and tests). */
export function findRoute(api: ApiName, id: string): RouteSpec {
  const r = ROUTES.find((x) => x.api === api && x.id === id)
  if (r === undefined) throw new Error(`no route ${api} ${id}`)
  return r
}
