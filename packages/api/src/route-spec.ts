// What one admin route is, as data: the Google API it belongs to, its method id, verb, path
// template and the permission checked first. The tables (routes.ts and its siblings) are lists
// of these.

/** Which Google API (and version) a route belongs to; it also names the error domain. */
export type ApiName =
  | 'run/v1'
  | 'run/v2'
  | 'cloudresourcemanager/v1'
  | 'cloudresourcemanager/v3'
  | 'iam/v1'
  /** IAM v2 deny policies. */
  | 'iam/v2'
  | 'iamcredentials/v1'
  | 'orgpolicy/v2'
  | 'logging/v2'
  | 'cloudidentity/v1'
  /** Cloud Asset (analyzeIamPolicy). */
  | 'cloudasset/v1'
  /** Recommender v1 (IAM and Cloud Run recommendations). */
  | 'recommender/v1'
  /** Policy Troubleshooter (iam:troubleshoot). */
  | 'policytroubleshooter/v1'
  | 'policytroubleshooter/v2alpha1'
  | 'policytroubleshooter/v3'
  /** runiam's own methods (signing key rotation); no Google counterpart. */
  | 'runiam/v1'

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'

/** What a route's permission is checked on. */
export type RouteResourceType =
  | 'organization'
  | 'project'
  | 'location'
  | 'service'
  | 'operation'
  | 'serviceAccount'
  | 'job'
  | 'execution'
  | 'task'
  | 'workerPool'

export interface RouteSpec {
  readonly api: ApiName
  /** Google's method id, e.g. `run.projects.locations.services.getIamPolicy`. */
  readonly id: string
  readonly method: HttpMethod
  /** Path template in Google's syntax. */
  readonly template: string
  /**
   * The permission checked before anything else (AIP-211). Absent: none (testIamPermissions,
   * and lists that filter by a per-item permission, described in `note`).
   */
  readonly permission?: string
  readonly resourceType: RouteResourceType
  /** Whether the request carries a JSON body. */
  readonly body: boolean
  /** Path segments may hold an encoded `/`, kept encoded (IAM v2 attachment points). */
  readonly encodedSlashes?: boolean
  readonly note?: string
}

/** A route's unique key: the API plus the method id (v1 and v2 share ids). */
export function routeKey(route: Pick<RouteSpec, 'api' | 'id'>): string {
  return `${route.api} ${route.id}`
}
