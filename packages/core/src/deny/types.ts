// The contract of deny policies (IAM v2 google.iam.v2.Policy with DenyRule rules): the wire JSON,
// the compiled form the server keeps in memory, and what evaluateDeny answers. Implemented in this
// folder; imported only through '@runiam/core/deny'.
import type { CompiledCondition } from '../conditions/types.js'

/** google.type.Expr as a denialCondition. */
export interface DenyCondition {
  readonly expression: string
  readonly title?: string
  readonly description?: string
  readonly location?: string
}

/** google.iam.v2.DenyRule. Principals and permissions in IAM v2 form. */
export interface DenyRule {
  readonly deniedPrincipals?: readonly string[]
  readonly exceptionPrincipals?: readonly string[]
  readonly deniedPermissions?: readonly string[]
  readonly exceptionPermissions?: readonly string[]
  readonly denialCondition?: DenyCondition
}

/** google.iam.v2.PolicyRule (its only kind is denyRule). */
export interface PolicyRule {
  readonly description?: string
  readonly denyRule: DenyRule
}

/** The parts of a deny policy a caller writes (create, update); the rest is the server's. */
export interface DenyPolicyContent {
  readonly displayName?: string
  readonly annotations?: Readonly<Record<string, string>>
  readonly rules: readonly PolicyRule[]
}

/** google.iam.v2.Policy as the API returns it. */
export interface DenyPolicy extends DenyPolicyContent {
  readonly name: string
  readonly uid: string
  readonly kind: 'DenyPolicy'
  readonly etag: string
  readonly createTime: string
  readonly updateTime: string
  readonly deleteTime?: string
}

/** One rule, compiled: members in the allow-policy member form the principal sets hold. */
export interface CompiledDenyRule {
  /** Position of the rule in its policy's `rules` (what a troubleshooter names). */
  readonly index: number
  readonly deniedMembers: ReadonlySet<string>
  readonly exceptionMembers: ReadonlySet<string>
  readonly deniedPermissions: PermissionMatcher
  readonly exceptionPermissions: PermissionMatcher
  readonly condition?: CompiledCondition
}

/** IAM v1 permission names (`run.services.get`): exact names plus prefixes (`run.services.`). */
export interface PermissionMatcher {
  readonly exact: ReadonlySet<string>
  readonly prefixes: readonly string[]
}

export interface CompiledDenyPolicy {
  /** `policies/{encoded attachment point}/denypolicies/{id}`. */
  readonly name: string
  readonly rules: readonly CompiledDenyRule[]
}

/** A rule that denied. */
export interface DenyingRule {
  readonly policy: string
  readonly ruleIndex: number
}

/** A rule whose denialCondition failed to evaluate (the rule then denies: fail closed). */
export interface DenyConditionFailure extends DenyingRule {
  readonly expression: string
  readonly error: string
}

export interface DenyDecision {
  readonly denied: boolean
  /** Every rule that denied, in policy order (empty when not denied). */
  readonly by: readonly DenyingRule[]
  readonly conditionErrors: readonly DenyConditionFailure[]
}
