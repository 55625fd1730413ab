// Policy Troubleshooter's JSON shapes (v3, the one the troubleshooter computes) and its input.
// Compat: google/cloud/policytroubleshooter/iam/v3/troubleshooter.proto (proto JSON names);
// v1 and v2alpha1 are mappings of the v3 answer (to-v1.ts).
import type { CompiledPolicy } from '../authorizer/compiled-policy.js'
import type { PrincipalSet } from '../authorizer/types.js'
import type { CompiledDenyPolicy, DenyPolicy } from '../deny/types.js'
import type { Policy } from '../policy/types.js'

export type OverallAccessState =
  'CAN_ACCESS' | 'CANNOT_ACCESS' | 'UNKNOWN_INFO' | 'UNKNOWN_CONDITIONAL'
export type AllowAccessState =
  | 'ALLOW_ACCESS_STATE_GRANTED'
  | 'ALLOW_ACCESS_STATE_NOT_GRANTED'
  | 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL'
  | 'ALLOW_ACCESS_STATE_UNKNOWN_INFO'
export type DenyAccessState =
  | 'DENY_ACCESS_STATE_DENIED'
  | 'DENY_ACCESS_STATE_NOT_DENIED'
  | 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL'
  | 'DENY_ACCESS_STATE_UNKNOWN_INFO'
export type HeuristicRelevance = 'HEURISTIC_RELEVANCE_NORMAL' | 'HEURISTIC_RELEVANCE_HIGH'
export type RolePermissionInclusionState =
  'ROLE_PERMISSION_INCLUDED' | 'ROLE_PERMISSION_NOT_INCLUDED' | 'ROLE_PERMISSION_UNKNOWN_INFO'
export type MembershipMatchingState =
  | 'MEMBERSHIP_MATCHED'
  | 'MEMBERSHIP_NOT_MATCHED'
  | 'MEMBERSHIP_UNKNOWN_INFO'
  | 'MEMBERSHIP_UNKNOWN_UNSUPPORTED'

/** google.rpc.Status, as the troubleshooter reports errors. */
export interface TroubleshootStatus {
  readonly code: number
  readonly message: string
}

export interface ConditionContext {
  readonly resource?: { readonly service?: string; readonly name?: string; readonly type?: string }
  readonly destination?: { readonly ip?: string; readonly port?: number }
  readonly request?: { readonly receiveTime?: string }
}

export interface AccessTuple {
  readonly principal: string
  readonly fullResourceName: string
  readonly permission: string
  /** Output only: the permission in v2 form (`run.googleapis.com/routes.invoke`). */
  readonly permissionFqdn?: string
  readonly conditionContext?: ConditionContext
}

export interface EvaluationState {
  /** Character offsets into the expression; `end` inclusive. */
  readonly start: number
  readonly end: number
  /** true/false; absent when it could not be evaluated. */
  readonly value?: boolean
  readonly errors?: readonly TroubleshootStatus[]
}

export interface ConditionExplanation {
  /** The condition's value; absent when it could not be evaluated (unknown or error). */
  readonly value?: boolean
  readonly errors?: readonly TroubleshootStatus[]
  readonly evaluationStates: readonly EvaluationState[]
}

/** google.type.Expr as an explanation shows a binding's or deny rule's condition. */
export interface ExplainedCondition {
  readonly title?: string
  readonly description?: string
  readonly expression: string
}

export interface MembershipExplanation {
  readonly membership: MembershipMatchingState
  readonly relevance: HeuristicRelevance
}

export interface AllowBindingExplanation {
  readonly allowAccessState: AllowAccessState
  readonly role: string
  readonly rolePermission: RolePermissionInclusionState
  readonly rolePermissionRelevance: HeuristicRelevance
  readonly combinedMembership: MembershipExplanation
  readonly memberships: Readonly<Record<string, MembershipExplanation>>
  readonly relevance: HeuristicRelevance
  readonly condition?: ExplainedCondition
  readonly conditionExplanation?: ConditionExplanation
}

export interface ExplainedAllowPolicy {
  readonly allowAccessState: AllowAccessState
  /** Omitted when the caller may not see the policy (Compat: v1 ExplainedPolicy). */
  readonly fullResourceName?: string
  readonly bindingExplanations?: readonly AllowBindingExplanation[]
  readonly relevance: HeuristicRelevance
  readonly policy?: Policy
}

export interface AllowPolicyExplanation {
  readonly allowAccessState: AllowAccessState
  readonly explainedPolicies: readonly ExplainedAllowPolicy[]
  readonly relevance: HeuristicRelevance
}

export type PermissionPatternMatchingState =
  'PERMISSION_PATTERN_MATCHED' | 'PERMISSION_PATTERN_NOT_MATCHED'

export interface PermissionPatternExplanation {
  readonly permissionMatchingState: PermissionPatternMatchingState
  readonly relevance: HeuristicRelevance
}

/** DenyRuleExplanation: one rule of a deny policy, in rule order. */
export interface DenyRuleExplanation {
  readonly denyAccessState: DenyAccessState
  readonly combinedDeniedPermission: PermissionPatternExplanation
  readonly deniedPermissions: Readonly<Record<string, PermissionPatternExplanation>>
  readonly combinedExceptionPermission: PermissionPatternExplanation
  readonly exceptionPermissions: Readonly<Record<string, PermissionPatternExplanation>>
  readonly combinedDeniedPrincipal: MembershipExplanation
  readonly deniedPrincipals: Readonly<Record<string, MembershipExplanation>>
  readonly combinedExceptionPrincipal: MembershipExplanation
  readonly exceptionPrincipals: Readonly<Record<string, MembershipExplanation>>
  readonly relevance: HeuristicRelevance
  readonly condition?: ExplainedCondition
  readonly conditionExplanation?: ConditionExplanation
}

/** ExplainedDenyPolicy: `policy` is the google.iam.v2.Policy as the IAM v2 API returns it. */
export interface ExplainedDenyPolicy {
  readonly denyAccessState: DenyAccessState
  readonly policy: DenyPolicy
  readonly ruleExplanations: readonly DenyRuleExplanation[]
  readonly relevance: HeuristicRelevance
}

/** ExplainedDenyResource: one attachment point, the resource's project first, then up. */
export interface ExplainedDenyResource {
  readonly denyAccessState: DenyAccessState
  /** Omitted when the caller may not read its deny policies (as an unseen allow policy). */
  readonly fullResourceName?: string
  readonly explainedPolicies?: readonly ExplainedDenyPolicy[]
  readonly relevance: HeuristicRelevance
}

/** DenyPolicyExplanation as Google shapes it; the deny side is computed by an injected explainer. */
export interface DenyPolicyExplanation {
  readonly denyAccessState: DenyAccessState
  readonly explainedResources: readonly ExplainedDenyResource[]
  readonly relevance: HeuristicRelevance
  readonly permissionDeniable: boolean
}

export interface TroubleshootIamPolicyResponse {
  readonly overallAccessState: OverallAccessState
  readonly accessTuple: AccessTuple
  readonly allowPolicyExplanation: AllowPolicyExplanation
  readonly denyPolicyExplanation: DenyPolicyExplanation
}

/** One policy on the path, most specific first, as the caller may or may not see it. */
export interface PathPolicy {
  readonly fullResourceName: string
  /** The policy compiled for checks (the same compile the authorizer's callers use). */
  readonly compiled: CompiledPolicy
  /** The policy as stored, shown in the answer (absent: the resource has no policy). */
  readonly policy?: Policy
  /** False when the caller may not read it (no getIamPolicy): reported as UNKNOWN_INFO only. */
  readonly visible: boolean
}

/**
 * The request attributes the troubleshooter evaluates conditions with. Each absent one is
 * UNKNOWN: a condition that needs it cannot be decided (UNKNOWN_CONDITIONAL).
 */
export interface TroubleshootAttributes {
  /** request.time, epoch ms. */
  readonly timeMs?: number
  readonly host?: string
  readonly path?: string
}

/** One deny-policy attachment point on the resource's path, as the caller may or may not see it. */
export interface DenyAttachment {
  /** `//cloudresourcemanager.googleapis.com/projects/NUMBER` (or `…/organizations/ID`). */
  readonly fullResourceName: string
  /** False when the caller may not read its deny policies (no iam.denypolicies.get there). */
  readonly visible: boolean
  /** Its policies, in the order the real decision evaluates them (empty when not visible). */
  readonly policies: readonly {
    /** The compiled policy the decision path uses (the checker's denyPoliciesFor). */
    readonly compiled: CompiledDenyPolicy
    /** The policy as the IAM v2 API returns it (shown in the answer). */
    readonly policy: DenyPolicy
  }[]
}

/**
 * The deny side, injected (deny policies are evaluated by '@runiam/core/deny'): given the access
 * tuple and the principal set, its DenyPolicyExplanation. Without one, nothing is denied.
 */
export type DenyExplainer = (query: {
  readonly principal: string
  readonly principals: PrincipalSet
  readonly permission: string
  readonly fullResourceName: string
  readonly attributes: TroubleshootAttributes
  readonly groupsKnown: boolean
}) => DenyPolicyExplanation

export interface TroubleshootInput {
  readonly accessTuple: AccessTuple
  /** Everything the principal is (principalSetFor with its groups, transitively). */
  readonly principals: PrincipalSet
  /** The permission in v1 form (`run.routes.invoke`). */
  readonly permission: string
  /** Resource (runiam name, e.g. projects/p/locations/l/services/s) the check is for. */
  readonly resource: string
  /** The path organization → project → resource, most specific first. */
  readonly policies: readonly PathPolicy[]
  readonly attributes: TroubleshootAttributes
  /**
   * What a role holds (predefined: the catalog; custom: the resolver the policies were compiled
   * with, by the policy's resource). undefined: the role grants nothing.
   */
  rolePermissions(resource: string, role: string): ReadonlySet<string> | undefined
  /**
   * Whether the principal's groups are known. When false, `group:` members are
   * MEMBERSHIP_UNKNOWN_INFO (the caller may not read group memberships).
   */
  readonly groupsKnown: boolean
  readonly deny?: DenyExplainer
}
