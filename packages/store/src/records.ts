// What the store keeps. Records are plain data; bodies of Google resources (a v2 Service, an
// Operation) are kept as the JSON the API serves, so the store never needs to know their fields.
import type { Policy } from '@runiam/core'

/** The organization node: one per server. */
export interface OrganizationRecord {
  /** Numeric id as a string, e.g. "123456789012"; the resource name is `organizations/{id}`. */
  readonly id: string
  readonly domain: string
  readonly displayName: string
  readonly createTime: string
}

export interface ProjectRecord {
  /** The project id, e.g. "my-project". */
  readonly projectId: string
  /** Numeric, unique, as a string. */
  readonly projectNumber: string
  readonly displayName: string
  /** `organizations/{id}` */
  readonly parent: string
  readonly state: 'ACTIVE' | 'DELETE_REQUESTED'
  readonly labels: Readonly<Record<string, string>>
  readonly createTime: string
  readonly updateTime: string
  readonly etag: string
}

/**
 * A Cloud Run resource: service, job or worker pool, or a job's execution (parent: the job's
 * name) or an execution's task (parent: the execution's name).
 */
export type ResourceKind = 'service' | 'job' | 'workerPool' | 'execution' | 'task'

export interface ResourceRecord {
  /** Full name, e.g. `projects/p/locations/us-central1/services/s` (project id, never number). */
  readonly name: string
  readonly kind: ResourceKind
  /** `projects/p/locations/l`; an execution's is its job's name, a task's its execution's. */
  readonly parent: string
  /** The v2 JSON body as served (Service, Job, WorkerPool), including name, uid, etag… */
  readonly body: Readonly<Record<string, unknown>>
  /** Opaque; changes on every write. */
  readonly etag: string
  readonly createTime: string
  readonly updateTime: string
}

export interface StoredPolicy {
  /** Resource name the policy is attached to (`organizations/1`, `projects/p`, a Run resource). */
  readonly resource: string
  /** Canonical policy including its etag and version. */
  readonly policy: Policy
  readonly etag: string
  readonly updateTime: string
}

/**
 * An organization policy (Org Policy v2) set on a project or the organization. The body is the
 * google.cloud.orgpolicy.v2.Policy JSON as served, so the store never needs to know its fields.
 */
export interface OrgPolicyRecord {
  /** `projects/{projectId}/policies/{constraint}` or `organizations/{id}/policies/{constraint}`. */
  readonly name: string
  /** `projects/{projectId}` or `organizations/{id}`. */
  readonly parent: string
  /** The Policy JSON (name, spec, etag…). */
  readonly policy: Readonly<Record<string, unknown>>
  /** Opaque; changes on every write. */
  readonly etag: string
  readonly updateTime: string
}

export interface OperationRecord {
  /** `projects/p/locations/l/operations/{id}` */
  readonly name: string
  /** The google.longrunning.Operation JSON. */
  readonly body: Readonly<Record<string, unknown>>
  readonly createTime: string
}

/** A signing key of runiam's own OIDC issuer. The private JWK is a secret: never log it. */
export interface SigningKeyRecord {
  readonly kid: string
  readonly alg: string
  readonly privateJwk: Readonly<Record<string, unknown>>
  readonly publicJwk: Readonly<Record<string, unknown>>
  readonly createTime: string
  /**
   * From when the key signs (published in the JWKS before that, so every replica and every JWKS
   * cache knows it first). Absent: from createTime (keys made at first start).
   */
  readonly activateTime?: string
  /** From when the key no longer signs; it still verifies the tokens it signed until dropTime. */
  readonly retireTime?: string
  /**
   * From when the key neither signs nor verifies and leaves the JWKS (retireTime plus the longest
   * token lifetime and the clock skew); the record is then deleted.
   */
  readonly dropTime?: string
}

export interface Page<T> {
  readonly items: readonly T[]
  /** Opaque; absent on the last page. */
  readonly nextPageToken?: string
}

export interface PageRequest {
  readonly pageSize?: number
  readonly pageToken?: string
}

/** One entry of the change feed. Revisions are monotonic per database. */
export interface Change {
  readonly revision: number
  /** What changed: 'policy' | 'project' | 'resource' | 'organization' | 'key' | … */
  readonly kind: string
  /** Resource name (for a policy: the resource it is attached to). */
  readonly name: string
}

export interface ChangeBatch {
  readonly changes: readonly Change[]
  /** The newest revision included (or the one asked for, when nothing changed). */
  readonly revision: number
}

/**
 * An IAM service account. Its allow policy is stored under
 * `projects/{projectId}/serviceAccounts/{email}` (see serviceAccountResource).
 */
export interface ServiceAccountRecord {
  /** `{accountId}@{projectId}.iam.gserviceaccount.com`, lower-case; the key. */
  readonly email: string
  readonly projectId: string
  /** 21 decimal digits, unique, never reused. */
  readonly uniqueId: string
  readonly displayName: string
  readonly description: string
  readonly disabled: boolean
  /** Opaque; changes on every write. */
  readonly etag: string
  readonly createTime: string
}

/**
 * A service account key: only its public half. Compat: Google keeps no private key for a
 * user-managed key; it is returned once, by keys.create, and never stored.
 */
export interface ServiceAccountKeyRecord {
  /** 40 hex digits; the key. */
  readonly keyId: string
  readonly serviceAccountEmail: string
  /** SPKI PEM of the public key. */
  readonly publicKeyPem: string
  /** e.g. KEY_ALG_RSA_2048 */
  readonly keyAlgorithm: string
  readonly validAfterTime: string
  readonly validBeforeTime: string
  readonly disabled: boolean
  readonly createTime: string
}

/** The resource name a service account's allow policy is stored under. */
export function serviceAccountResource(
  sa: Pick<ServiceAccountRecord, 'projectId' | 'email'>,
): string {
  return `projects/${sa.projectId}/serviceAccounts/${sa.email}`
}

/** What an engine's schema migrations did at open (schema versions are the highest applied). */
export interface MigrationReport {
  /** 0: a new database. */
  readonly before: number
  readonly after: number
  /** The versions applied now, in order; empty when the schema was already current. */
  readonly applied: readonly number[]
}
