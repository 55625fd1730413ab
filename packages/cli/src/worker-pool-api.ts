// Which worker pool a `run worker-pools …` command acts on, and the REST calls it makes: Cloud
// Run v2 for the worker pool itself, v1 (`workerpools`) for its IAM, as gcloud does (reference
// §1.8a, §8.1).
import type {
  ListWorkerPoolsResponse,
  Operation,
  Policy,
  RuniamClient,
  WorkerPool,
} from '@runiam/api'
import type { CommandContext } from './command-context.js'
import { requireProject, requireRegion } from './resource-refs.js'

/** Where a Cloud Run worker pool lives. */
export interface WorkerPoolRef {
  readonly project: string
  readonly region: string
  readonly workerPool: string
}

const FULL_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/worker[Pp]ools\/([^/]+)$/

/** The worker pool of a command; WORKER_POOL may also be a full resource name. */
export function workerPoolRef(ctx: CommandContext, name: string): WorkerPoolRef {
  const m = FULL_NAME.exec(name)
  if (m !== null) {
    return { project: m[1] as string, region: m[2] as string, workerPool: m[3] as string }
  }
  return { project: requireProject(ctx), region: requireRegion(ctx), workerPool: name }
}

const seg = (s: string): string => encodeURIComponent(s)
const poolsV2 = (project: string, region: string): string =>
  `/v2/projects/${seg(project)}/locations/${seg(region)}/workerPools`
const poolV2 = (r: WorkerPoolRef): string => `${poolsV2(r.project, r.region)}/${seg(r.workerPool)}`
const poolV1 = (r: WorkerPoolRef): string =>
  `/v1/projects/${seg(r.project)}/locations/${seg(r.region)}/workerpools/${seg(r.workerPool)}`

export const getWorkerPool = (c: RuniamClient, r: WorkerPoolRef): Promise<WorkerPool> =>
  c.request('GET', poolV2(r))

export const createWorkerPool = (
  c: RuniamClient,
  r: WorkerPoolRef,
  body: Record<string, unknown>,
): Promise<Operation> =>
  c.request('POST', poolsV2(r.project, r.region), {
    query: { workerPoolId: r.workerPool },
    body,
  })

export const updateWorkerPool = (
  c: RuniamClient,
  r: WorkerPoolRef,
  body: Record<string, unknown>,
  updateMask: string,
): Promise<Operation> => c.request('PATCH', poolV2(r), { query: { updateMask }, body })

export const deleteWorkerPool = (c: RuniamClient, r: WorkerPoolRef): Promise<Operation> =>
  c.request('DELETE', poolV2(r))

export const listWorkerPools = (
  c: RuniamClient,
  project: string,
  region: string,
  pageToken?: string,
): Promise<ListWorkerPoolsResponse> =>
  c.request('GET', poolsV2(project, region), { query: { pageToken } })

/** Compat: gcloud reads worker pool policies through v1 with requestedPolicyVersion 3. */
export const getWorkerPoolIamPolicy = (
  c: RuniamClient,
  r: WorkerPoolRef,
  requestedPolicyVersion?: number,
): Promise<Policy> =>
  c.request('GET', `${poolV1(r)}:getIamPolicy`, {
    query: { 'options.requestedPolicyVersion': requestedPolicyVersion },
  })

export const setWorkerPoolIamPolicy = (
  c: RuniamClient,
  r: WorkerPoolRef,
  policy: Policy,
  updateMask?: string,
): Promise<Policy> =>
  c.request('POST', `${poolV1(r)}:setIamPolicy`, {
    body: updateMask === undefined ? { policy } : { policy, updateMask },
  })
