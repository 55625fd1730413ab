// google.iam.v1.Policy and friends, exactly as they travel in JSON (proto3 JSON, lowerCamelCase).
// These are wire shapes: validation and canonicalisation live beside them in policy/.

/** google.type.Expr: an IAM condition. */
export interface Expr {
  expression: string
  title?: string
  description?: string
  location?: string
}

export interface Binding {
  role: string
  members: string[]
  condition?: Expr
}

export type LogType = 'LOG_TYPE_UNSPECIFIED' | 'ADMIN_READ' | 'DATA_WRITE' | 'DATA_READ'

export interface AuditLogConfig {
  logType?: LogType
  exemptedMembers?: string[]
}

export interface AuditConfig {
  service: string
  auditLogConfigs?: AuditLogConfig[]
}

export interface Policy {
  version?: number
  bindings?: Binding[]
  auditConfigs?: AuditConfig[]
  /** base64 of opaque bytes; "ACAB" for a resource that never had a policy. */
  etag?: string
}

/** The etag Google returns for a resource that has no policy yet. */
export const EMPTY_POLICY_ETAG = 'ACAB'

/** The kinds of resource that carry an allow policy in runiam. */
export type ResourceType =
  | 'organization'
  | 'project'
  | 'service'
  | 'job'
  | 'workerPool'
  /** An IAM service account: both an identity and a resource with its own policy. */
  | 'serviceAccount'
