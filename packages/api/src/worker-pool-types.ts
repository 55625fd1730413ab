// Google's JSON shapes for Cloud Run v2 worker pools and for listing long-running operations
// (proto3 JSON: lowerCamelCase, int64 as strings). Compat: google.cloud.run.v2.WorkerPool,
// google.longrunning.ListOperationsResponse.
import type { Operation, RevisionTemplate, RunCondition } from './types.js'

/** google.cloud.run.v2.InstanceSplit / InstanceSplitStatus. */
export interface InstanceSplit {
  readonly type?:
    | 'INSTANCE_SPLIT_ALLOCATION_TYPE_UNSPECIFIED'
    | 'INSTANCE_SPLIT_ALLOCATION_TYPE_LATEST'
    | 'INSTANCE_SPLIT_ALLOCATION_TYPE_REVISION'
  readonly revision?: string
  readonly percent?: number
}

/** google.cloud.run.v2.WorkerPoolScaling. */
export interface WorkerPoolScaling {
  readonly manualInstanceCount?: number
  readonly [key: string]: unknown
}

/** google.cloud.run.v2.WorkerPool (the subset runiam serves; unknown template fields pass). */
export interface WorkerPool {
  readonly name: string
  readonly description?: string
  readonly uid: string
  readonly generation: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly createTime: string
  readonly updateTime: string
  readonly deleteTime?: string
  readonly creator: string
  readonly lastModifier: string
  readonly client?: string
  readonly clientVersion?: string
  readonly launchStage?: string
  readonly template: RevisionTemplate
  readonly instanceSplits: readonly InstanceSplit[]
  readonly scaling?: WorkerPoolScaling
  readonly observedGeneration: string
  readonly terminalCondition: RunCondition
  readonly conditions: readonly RunCondition[]
  readonly latestReadyRevision: string
  readonly latestCreatedRevision: string
  readonly instanceSplitStatuses: readonly InstanceSplit[]
  readonly reconciling?: boolean
  readonly etag: string
}

export interface ListWorkerPoolsResponse {
  readonly workerPools?: readonly WorkerPool[]
  readonly nextPageToken?: string
}

/** google.longrunning.ListOperationsResponse. */
export interface ListOperationsResponse {
  readonly operations?: readonly Operation[]
  readonly nextPageToken?: string
}
