// Cloud Run Admin API v2 worker pools: create, get, list, patch, delete and the policy target for
// worker pool IAM (v2 `workerPools` and v1 `workerpools` paths alike) are the methods every
// resource kind shares (run-resources.ts). A worker pool is a service without ingress: no URL,
// no invoker check; with a container command it runs as local processes (runtime/). It needs a
// template with a container.
import { WORKER_POOL_TYPE_URL, type ListWorkerPoolsResponse, type WorkerPool } from '@runiam/api'
import type { ServiceContext } from '../context.js'
import { invalidArgument } from '../names.js'
import type { RunResourceKind } from './run-resource-kind.js'
import { RunResources, type RunWriteQuery } from './run-resources.js'
import {
  applyWorkerPoolMask,
  buildWorkerPool,
  readWorkerPoolInput,
  requireTemplate,
  writableOfWorkerPool,
} from './worker-pool-body.js'
import { REVISION_TEMPLATE_ACCOUNT } from './runtime-account.js'

/** Query parameters of the write methods, as strings from the URL. */
export interface WorkerPoolWriteQuery extends RunWriteQuery {
  readonly workerPoolId?: string | undefined
}

/** `projects/P/locations/L/workerPools/W` (or v1's `workerpools`) split, with P as given. */
function parseWorkerPoolName(name: string) {
  const p = name.split('/')
  if (
    p.length !== 6 ||
    p[0] !== 'projects' ||
    p[2] !== 'locations' ||
    (p[4] !== 'workerPools' && p[4] !== 'workerpools')
  ) {
    throw invalidArgument('name', `Invalid worker pool name '${name}'.`)
  }
  return { project: p[1] ?? '', location: p[3] ?? '', id: p[5] ?? '' }
}

const WORKER_POOLS: RunResourceKind = {
  runtimeAccount: {
    path: REVISION_TEMPLATE_ACCOUNT,
    field: 'worker_pool.template.service_account',
  },
  kind: 'workerPool',
  collection: 'workerPools',
  permissionPrefix: 'run.workerpools',
  typeUrl: WORKER_POOL_TYPE_URL,
  notFoundKind: 'WORKER_POOL',
  listField: 'workerPools',
  idField: 'workerPoolId',
  nameField: 'worker_pool.name',
  parse: parseWorkerPoolName,
  readInput: readWorkerPoolInput,
  writableOf: writableOfWorkerPool,
  applyMask: applyWorkerPoolMask,
  requireComplete: requireTemplate,
  build: (a) =>
    buildWorkerPool({
      name: a.name,
      workerPoolId: a.ref.id,
      input: a.input,
      actor: a.actor,
      nowMs: a.nowMs,
      ...(a.previous === undefined ? {} : { previous: a.previous }),
    }),
}

export class CloudRunWorkerPools extends RunResources<
  WorkerPool,
  ListWorkerPoolsResponse,
  WorkerPoolWriteQuery
> {
  constructor(ctx: ServiceContext) {
    super(ctx, WORKER_POOLS)
  }
}
