// The wire shapes of Cloud Asset's analyzeIamPolicy (proto3 JSON of google.cloud.asset.v1
// IamPolicyAnalysisQuery, AnalyzeIamPolicyResponse, IamPolicyAnalysisResult), and what the pure
// analyzer reads. Declared here, in core, so the server, the CLI and the console share one
// definition; @runiam/api re-exports the wire types.
// Compat: google/cloud/asset/v1/asset_service.proto and assets.proto.
import type { Binding } from '../policy/types.js'
import type { CompiledPolicy } from '../authorizer/compiled-policy.js'

/** Compat: IamPolicyAnalysisQuery (JSON). */
export interface IamPolicyAnalysisQuery {
  /** `projects/{id or number}` or `organizations/{number}`. */
  readonly scope: string
  readonly resourceSelector?: { readonly fullResourceName: string }
  readonly identitySelector?: { readonly identity: string }
  readonly accessSelector?: {
    readonly roles?: readonly string[]
    readonly permissions?: readonly string[]
  }
  readonly options?: {
    readonly expandGroups?: boolean
    readonly expandRoles?: boolean
    readonly expandResources?: boolean
    readonly outputResourceEdges?: boolean
    readonly outputGroupEdges?: boolean
    readonly analyzeServiceAccountImpersonation?: boolean
  }
  readonly conditionContext?: { readonly accessTime?: string }
}

/** Compat: IamPolicyAnalysisResult.Edge. */
export interface AnalysisEdge {
  readonly sourceNode: string
  readonly targetNode: string
}

/** Compat: IamPolicyAnalysisResult.Access (oneof role / permission). */
export type AnalysisAccess = { readonly role: string } | { readonly permission: string }

/** Compat: ConditionEvaluation.EvaluationValue. */
export type EvaluationValue = 'TRUE' | 'FALSE' | 'CONDITIONAL'

/** Compat: IamPolicyAnalysisResult.AccessControlList. */
export interface AccessControlList {
  readonly resources: readonly { readonly fullResourceName: string }[]
  readonly accesses: readonly AnalysisAccess[]
  readonly resourceEdges?: readonly AnalysisEdge[]
  readonly conditionEvaluation?: { readonly evaluationValue: EvaluationValue }
}

/** Compat: IamPolicyAnalysisResult.IdentityList. */
export interface IdentityList {
  readonly identities: readonly { readonly name: string }[]
  readonly groupEdges?: readonly AnalysisEdge[]
}

/** Compat: IamPolicyAnalysisResult. */
export interface IamPolicyAnalysisResult {
  readonly attachedResourceFullName: string
  readonly iamBinding: Binding
  readonly accessControlLists: readonly AccessControlList[]
  readonly identityList: IdentityList
  readonly fullyExplored: boolean
}

/** Compat: AnalyzeIamPolicyResponse.IamPolicyAnalysis. */
export interface IamPolicyAnalysis {
  readonly analysisQuery: IamPolicyAnalysisQuery
  readonly analysisResults?: readonly IamPolicyAnalysisResult[]
  readonly fullyExplored: boolean
  /** Compat: IamPolicyAnalysisState (code: a google.rpc.Code name, cause). */
  readonly nonCriticalErrors?: readonly { readonly code: string; readonly cause: string }[]
}

/** Compat: AnalyzeIamPolicyResponse. */
export interface AnalyzeIamPolicyResponse {
  readonly mainAnalysis: IamPolicyAnalysis
  readonly fullyExplored: boolean
}

/** A node of the resource hierarchy the analyzer walks, by runiam's resource name. */
export interface AnalyzedResource {
  /** `organizations/O`, `projects/P` (id), `projects/P/locations/L/{services,jobs,workerPools}/X`. */
  readonly name: string
  /** The parent's name; absent for the organization (and for a project with no organization). */
  readonly parent?: string
}

/** One direct membership: `member` (user:, serviceAccount: or group:) is in group `group`. */
export interface GroupMembership {
  /** The containing group's email, lower-case. */
  readonly group: string
  /** The member as a policy member string, e.g. `user:a@example.com`, `group:eng@example.com`. */
  readonly member: string
}

/** Everything the analyzer reads: a snapshot of the hierarchy, its policies and the group graph. */
export interface AnalyzerWorld {
  /** Every resource (organization, projects, Cloud Run resources), parents before or after children. */
  readonly resources: Iterable<AnalyzedResource>
  /** The compiled allow policy of a resource, if it has one. */
  policy(resource: string): CompiledPolicy | undefined
  readonly memberships: Iterable<GroupMembership>
  /**
   * The permissions a role grants in the policy of `resource`: predefined from the catalog, custom
   * as the caller resolves them (live, enabled, in the hierarchy); undefined: grants nothing.
   */
  rolePermissions(role: string, resource: string): ReadonlySet<string> | undefined
}
