// Cloud Run worker pools (v2 CRUD and IAM; v1 IAM, which gcloud calls) and Cloud Run's
// long-running operations beyond operations.get (v2 list, wait, delete; all four on v1), as data
// for routes.ts. Compat: paths follow google/cloud/run/v2/worker_pool.proto and run_v2.yaml's
// google.longrunning.Operations rules, the v1 discovery document (reference §1.2, §1.8a); the
// collection is `workerPools` on v2 but `workerpools` on v1 and in permission names (§1.6).
import type { ApiName, RouteSpec } from './route-spec.js'

const POOL_V2 = 'projects/*/locations/*/workerPools/*'
const POOL_V1 = 'projects/*/locations/*/workerpools/*'
const OP = 'projects/*/locations/*/operations/*'
const POOLS_ID = 'run.projects.locations.workerPools'
const OPS_ID = 'run.projects.locations.operations'

/** getIamPolicy (GET, options in the query), setIamPolicy, testIamPermissions on a worker pool. */
function poolIamRoutes(api: ApiName, prefix: string, pattern: string, id: string): RouteSpec[] {
  const t = (verb: string): string => `${prefix}/{resource=${pattern}}:${verb}`
  return [
    {
      api,
      id: `${id}.getIamPolicy`,
      method: 'GET',
      template: t('getIamPolicy'),
      permission: 'run.workerpools.getIamPolicy',
      resourceType: 'workerPool',
      body: false,
    },
    {
      api,
      id: `${id}.setIamPolicy`,
      method: 'POST',
      template: t('setIamPolicy'),
      permission: 'run.workerpools.setIamPolicy',
      resourceType: 'workerPool',
      body: true,
    },
    {
      api,
      id: `${id}.testIamPermissions`,
      method: 'POST',
      template: t('testIamPermissions'),
      resourceType: 'workerPool',
      body: true,
      note: 'no permission required (proto comment)',
    },
  ]
}

export const WORKER_POOL_ROUTES: readonly RouteSpec[] = [
  {
    api: 'run/v2',
    id: `${POOLS_ID}.create`,
    method: 'POST',
    template: '/v2/{parent=projects/*/locations/*}/workerPools',
    permission: 'run.workerpools.create',
    resourceType: 'workerPool',
    body: true,
    note: 'checked on the new worker pool name',
  },
  {
    api: 'run/v2',
    id: `${POOLS_ID}.get`,
    method: 'GET',
    template: `/v2/{name=${POOL_V2}}`,
    permission: 'run.workerpools.get',
    resourceType: 'workerPool',
    body: false,
  },
  {
    api: 'run/v2',
    id: `${POOLS_ID}.list`,
    method: 'GET',
    template: '/v2/{parent=projects/*/locations/*}/workerPools',
    permission: 'run.workerpools.list',
    resourceType: 'location',
    body: false,
  },
  {
    api: 'run/v2',
    id: `${POOLS_ID}.patch`,
    method: 'PATCH',
    template: `/v2/{worker_pool.name=${POOL_V2}}`,
    permission: 'run.workerpools.update',
    resourceType: 'workerPool',
    body: true,
    note: 'also run.workerpools.create when allowMissing creates it',
  },
  {
    api: 'run/v2',
    id: `${POOLS_ID}.delete`,
    method: 'DELETE',
    template: `/v2/{name=${POOL_V2}}`,
    permission: 'run.workerpools.delete',
    resourceType: 'workerPool',
    body: false,
  },
  ...poolIamRoutes('run/v2', '/v2', POOL_V2, POOLS_ID),
  ...poolIamRoutes('run/v1', '/v1', POOL_V1, 'run.projects.locations.workerpools'),
]

/** list, wait and delete on v2 (get is in routes.ts); get, list, wait and delete on v1. */
function operationRoutes(api: ApiName, prefix: string, withGet: boolean): RouteSpec[] {
  const onLocation = 'checked on the location (projects/P/locations/L)'
  return [
    ...(withGet
      ? [
          {
            api,
            id: `${OPS_ID}.get`,
            method: 'GET',
            template: `${prefix}/{name=${OP}}`,
            permission: 'run.operations.get',
            resourceType: 'operation',
            body: false,
            note: onLocation,
          } satisfies RouteSpec,
        ]
      : []),
    {
      api,
      id: `${OPS_ID}.list`,
      method: 'GET',
      template: `${prefix}/{name=projects/*/locations/*}/operations`,
      permission: 'run.operations.list',
      resourceType: 'location',
      body: false,
    },
    {
      api,
      id: `${OPS_ID}.wait`,
      method: 'POST',
      template: `${prefix}/{name=${OP}}:wait`,
      permission: 'run.operations.get',
      resourceType: 'operation',
      body: true,
      note: onLocation,
    },
    {
      api,
      id: `${OPS_ID}.delete`,
      method: 'DELETE',
      template: `${prefix}/{name=${OP}}`,
      permission: 'run.operations.delete',
      resourceType: 'operation',
      body: false,
      note: onLocation,
    },
  ]
}

export const RUN_OPERATION_ROUTES: readonly RouteSpec[] = [
  ...operationRoutes('run/v2', '/v2', false),
  ...operationRoutes('run/v1', '/v1', true),
]
