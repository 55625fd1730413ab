// Google's JSON shapes (proto3 JSON: lowerCamelCase, int64 as strings) for the resources the admin
// API serves. Subsets: fields runiam does not model are passed through untouched where Google's
// clients may send them.
export type { Policy, Binding, Expr, AuditConfig, AuditLogConfig } from '@runiam/core'
import type { Policy } from '@runiam/core'

/** Any-typed message: carries `@type`. */
export interface AnyMessage {
  readonly '@type': string
  readonly [key: string]: unknown
}

/** google.rpc.Status inside an Operation (numeric google.rpc code, not HTTP). */
export interface RpcStatus {
  readonly code: number
  readonly message: string
  readonly details?: readonly AnyMessage[]
}

/** google.longrunning.Operation. */
export interface Operation {
  readonly name: string
  readonly metadata?: AnyMessage
  readonly done?: boolean
  readonly response?: AnyMessage
  readonly error?: RpcStatus
}

export type IngressTraffic =
  | 'INGRESS_TRAFFIC_UNSPECIFIED'
  | 'INGRESS_TRAFFIC_ALL'
  | 'INGRESS_TRAFFIC_INTERNAL_ONLY'
  | 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER'
  | 'INGRESS_TRAFFIC_NONE'

/** google.cloud.run.v2.Condition. */
export interface RunCondition {
  readonly type: string
  readonly state:
    | 'STATE_UNSPECIFIED'
    | 'CONDITION_PENDING'
    | 'CONDITION_RECONCILING'
    | 'CONDITION_FAILED'
    | 'CONDITION_SUCCEEDED'
  readonly message?: string
  readonly lastTransitionTime?: string
  readonly severity?: string
  readonly reason?: string
}

export interface Container {
  readonly name?: string
  readonly image: string
  readonly command?: readonly string[]
  readonly args?: readonly string[]
  readonly env?: readonly { readonly name: string; readonly value?: string }[]
  readonly [key: string]: unknown
}

export interface RevisionTemplate {
  readonly revision?: string
  readonly labels?: Readonly<Record<string, string>>
  readonly annotations?: Readonly<Record<string, string>>
  readonly serviceAccount?: string
  readonly containers?: readonly Container[]
  readonly [key: string]: unknown
}

export interface TrafficTarget {
  readonly type?: string
  readonly revision?: string
  readonly percent?: number
  readonly tag?: string
}

/** google.cloud.run.v2.Service (the subset runiam serves). */
export interface Service {
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
  readonly ingress: IngressTraffic
  readonly launchStage?: string
  readonly template: RevisionTemplate
  readonly traffic: readonly TrafficTarget[]
  readonly invokerIamDisabled?: boolean
  readonly defaultUriDisabled?: boolean
  readonly customAudiences?: readonly string[]
  readonly observedGeneration: string
  readonly terminalCondition: RunCondition
  readonly conditions: readonly RunCondition[]
  readonly latestReadyRevision: string
  readonly latestCreatedRevision: string
  readonly trafficStatuses: readonly TrafficTarget[]
  readonly uri: string
  readonly urls: readonly string[]
  readonly reconciling?: boolean
  readonly etag: string
}

export interface ListServicesResponse {
  readonly services?: readonly Service[]
  readonly nextPageToken?: string
}

/** cloudresourcemanager v1 Project. */
export interface ProjectV1 {
  readonly projectNumber: string
  readonly projectId: string
  readonly lifecycleState: 'ACTIVE' | 'DELETE_REQUESTED'
  readonly name: string
  readonly createTime: string
  readonly labels?: Readonly<Record<string, string>>
  readonly parent: { readonly type: 'organization'; readonly id: string }
}

/** cloudresourcemanager v3 Project. */
export interface ProjectV3 {
  readonly name: string
  readonly parent: string
  readonly projectId: string
  readonly state: 'ACTIVE' | 'DELETE_REQUESTED'
  readonly displayName: string
  readonly createTime: string
  readonly updateTime: string
  readonly etag: string
  readonly labels?: Readonly<Record<string, string>>
}

export interface ListProjectsV1Response {
  readonly projects?: readonly ProjectV1[]
  readonly nextPageToken?: string
}

export interface ListProjectsV3Response {
  readonly projects?: readonly ProjectV3[]
  readonly nextPageToken?: string
}

/** cloudresourcemanager v1 Organization. */
export interface OrganizationV1 {
  readonly name: string
  readonly displayName: string
  readonly owner: { readonly directoryCustomerId: string }
  readonly creationTime: string
  readonly lifecycleState: 'ACTIVE'
}

/** cloudresourcemanager v3 Organization. */
export interface OrganizationV3 {
  readonly name: string
  readonly displayName: string
  readonly directoryCustomerId: string
  readonly state: 'ACTIVE'
  readonly createTime: string
  readonly updateTime: string
  readonly etag: string
}

export interface GetPolicyOptions {
  readonly requestedPolicyVersion?: number
}

export interface GetIamPolicyRequest {
  readonly options?: GetPolicyOptions
}

export interface SetIamPolicyRequest {
  readonly policy: Policy
  readonly updateMask?: string
}

export interface TestIamPermissionsRequest {
  readonly permissions: readonly string[]
}

export interface TestIamPermissionsResponse {
  readonly permissions?: readonly string[]
}
