// Resource Manager's answers about where resources sit: organizations.search (v1 and v3) and
// projects.getAncestry (v1). Compat: google.cloudresourcemanager.v1 SearchOrganizationsResponse
// and GetAncestryResponse, google.cloud.resourcemanager.v3 SearchOrganizationsResponse.
import type { OrganizationV1, OrganizationV3 } from './types.js'

export interface SearchOrganizationsV1Response {
  readonly organizations?: readonly OrganizationV1[]
  readonly nextPageToken?: string
}

export interface SearchOrganizationsV3Response {
  readonly organizations?: readonly OrganizationV3[]
  readonly nextPageToken?: string
}

/** v1 ResourceId: `type` is "project", "folder" or "organization"; `id` the project id or number. */
export interface ResourceId {
  readonly type: 'project' | 'folder' | 'organization'
  readonly id: string
}

export interface Ancestor {
  readonly resourceId: ResourceId
}

/** The project first, then its parents up to the organization. */
export interface GetAncestryResponse {
  readonly ancestor: readonly Ancestor[]
}
