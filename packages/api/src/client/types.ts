// Shapes the client adds to the api package's wire types (../types.ts): request bodies, which
// carry only the fields a caller sets, and where a service lives. Responses use ../types.ts.
import type { ProjectV1 } from '../types.js'

export type {
  ListServicesResponse,
  Operation,
  Policy,
  RpcStatus,
  Service,
  TestIamPermissionsResponse,
} from '../types.js'

/** A project as Resource Manager v1 returns it. */
export type Project = ProjectV1

export type { ListProjectsV1Response as ListProjectsResponse } from '../types.js'

/** A google.cloud.run.v2.Service request body (create / update): only the fields being set. */
export interface ServiceInput {
  description?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ingress?: string
  template?: {
    containers?: { image?: string; command?: readonly string[]; args?: readonly string[] }[]
    serviceAccount?: string
    [key: string]: unknown
  }
  invokerIamDisabled?: boolean
  customAudiences?: string[]
  [key: string]: unknown
}

/** Where a Cloud Run service lives. */
export interface ServiceRef {
  readonly project: string
  readonly region: string
  readonly service: string
}
