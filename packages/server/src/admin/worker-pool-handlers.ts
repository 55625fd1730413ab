// The admin API's handlers for Cloud Run worker pools (v2 CRUD, v2 and v1 IAM) and Cloud Run's
// operations (get, list, wait, delete on v1 and v2): each turns path variables, query and body
// into a call of the transport-free CloudRunWorkerPools or RunOperations.
import { routeKey, type ApiName } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import { parseRequestedVersion } from '../services/iam-policy/iam-policy-service.js'
import type { Handler, HandlerContext } from './handler.js'

const q = (c: HandlerContext, name: string): string | undefined => c.query.get(name) ?? undefined
const param = (c: HandlerContext, name: string): string => c.params[name] ?? ''

const POOLS = 'run.projects.locations.workerPools'
const OPS = 'run.projects.locations.operations'

export function workerPoolHandlers(s: Services): [string, Handler][] {
  const pools = s.workerPools
  const iam = (api: ApiName, id: string): [string, Handler][] => [
    [
      routeKey({ api, id: `${id}.getIamPolicy` }),
      (c) =>
        s.iam.get(
          c.caller,
          pools.target(param(c, 'resource')),
          parseRequestedVersion(q(c, 'options.requestedPolicyVersion')),
        ),
    ],
    [
      routeKey({ api, id: `${id}.setIamPolicy` }),
      (c) => s.iam.set(c.caller, pools.target(param(c, 'resource')), c.body, c.audit),
    ],
    [
      routeKey({ api, id: `${id}.testIamPermissions` }),
      (c) => s.iam.test(c.caller, pools.target(param(c, 'resource')), c.body),
    ],
  ]
  const ops = (api: ApiName): [string, Handler][] => [
    [
      routeKey({ api, id: `${OPS}.list` }),
      (c) =>
        s.runOperations.list(c.caller, param(c, 'name'), {
          filter: q(c, 'filter'),
          pageSize: q(c, 'pageSize') ?? q(c, 'page_size'),
          pageToken: q(c, 'pageToken') ?? q(c, 'page_token'),
        }),
    ],
    [
      routeKey({ api, id: `${OPS}.wait` }),
      (c) => s.runOperations.wait(c.caller, param(c, 'name'), c.body),
    ],
    [
      routeKey({ api, id: `${OPS}.delete` }),
      (c) => s.runOperations.delete(c.caller, param(c, 'name')),
    ],
  ]
  return [
    [
      routeKey({ api: 'run/v2', id: `${POOLS}.create` }),
      (c) =>
        pools.create(
          c.caller,
          param(c, 'parent'),
          {
            workerPoolId: q(c, 'workerPoolId') ?? q(c, 'worker_pool_id'),
            validateOnly: q(c, 'validateOnly'),
          },
          c.body,
        ),
    ],
    [routeKey({ api: 'run/v2', id: `${POOLS}.get` }), (c) => pools.get(c.caller, param(c, 'name'))],
    [
      routeKey({ api: 'run/v2', id: `${POOLS}.list` }),
      (c) =>
        pools.list(c.caller, param(c, 'parent'), {
          pageSize: q(c, 'pageSize'),
          pageToken: q(c, 'pageToken'),
        }),
    ],
    [
      routeKey({ api: 'run/v2', id: `${POOLS}.patch` }),
      (c) =>
        pools.patch(
          c.caller,
          param(c, 'worker_pool.name'),
          {
            updateMask: q(c, 'updateMask'),
            allowMissing: q(c, 'allowMissing'),
            validateOnly: q(c, 'validateOnly'),
          },
          c.body,
        ),
    ],
    [
      routeKey({ api: 'run/v2', id: `${POOLS}.delete` }),
      (c) =>
        pools.delete(c.caller, param(c, 'name'), {
          etag: q(c, 'etag'),
          validateOnly: q(c, 'validateOnly'),
        }),
    ],
    ...iam('run/v2', POOLS),
    ...iam('run/v1', 'run.projects.locations.workerpools'),
    ...ops('run/v2'),
    [
      routeKey({ api: 'run/v1', id: `${OPS}.get` }),
      (c) => s.runOperations.get(c.caller, param(c, 'name')),
    ],
    ...ops('run/v1'),
  ]
}
