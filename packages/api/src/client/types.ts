// Wire shapes the client sends and receives besides the IAM Policy (which lives in @runiam/core):
// Resource Manager projects, Cloud Run v2 services and google.longrunning.Operation, as proto3 JSON.
import type { Policy } from '@runiam/core'

/** google.cloudresourcemanager.v1.Project (the fields runiam serves). */
export interface Project {
  projectId: string
  name?: string
  projectNumber?: string
  lifecycleState?: string
  createTime?: string
  parent?: { type: string; id: string }
  labels?: Record<string, string>
}

export interface ListProjectsResponse {
  projects?: Project[]
  nextPageToken?: string
}

/** google.cloud.run.v2.Service: the fields the CLI reads or writes; the rest pass through. */
export interface Service {
  name?: string
  uid?: string
  generation?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  createTime?: string
  updateTime?: string
  creator?: string
  lastModifier?: string
  ingress?: string
  template?: {
    containers?: { image?: string; command?: string[]; args?: string[] }[]
    serviceAccount?: string
    [key: string]: unknown
  }
  traffic?: unknown[]
  invokerIamDisabled?: boolean
  uri?: string
  urls?: string[]
  latestReadyRevision?: string
  latestCreatedRevision?: string
  etag?: string
  [key: string]: unknown
}

export interface ListServicesResponse {
  services?: Service[]
  nextPageToken?: string
}

/** google.rpc.Status as embedded in an Operation (numeric code). */
export interface RpcStatus {
  code: number
  message?: string
  details?: unknown[]
}

/** google.longrunning.Operation. */
export interface Operation<T = unknown> {
  name: string
  metadata?: unknown
  done?: boolean
  response?: T
  error?: RpcStatus
}

export interface TestIamPermissionsResponse {
  permissions?: string[]
}

/** Where a Cloud Run service lives. */
export interface ServiceRef {
  project: string
  region: string
  service: string
}

export type { Policy }
