// The shapes of '@runiam/core/recommender': what the recommender reads (grants, their usage, when
// each was first seen) and what it produces (Recommender v1 `Recommendation` resources). Pure data:
// time is a number of epoch milliseconds passed in by the caller.

/** The IAM recommender's id (Compat: google.iam.policy.Recommender, location `global`). */
export const IAM_RECOMMENDER = 'google.iam.policy.Recommender'
/**
 * The Cloud Run recommender runiam answers for public services (location: the region).
 * Compat: the id is one of Cloud Run's "Service Security recommenders"; what it detects here
 * (public without outside invocations) is runiam's own (docs/api-compat.md).
 */
export const RUN_SECURITY_RECOMMENDER = 'google.run.service.SecurityRecommender'

/** One binding's grant of one role to one member on one resource. */
export interface GrantKey {
  /** The resource whose policy holds the binding: `projects/P` or a Cloud Run resource (project id). */
  readonly scope: string
  readonly role: string
  readonly member: string
  /** The binding's condition expression; '' when unconditional. */
  readonly condition: string
}

/** When a grant last decided a call for one permission. */
export interface GrantUsage extends GrantKey {
  readonly permission: string
  readonly lastUsedMs: number
}

/** When a grant was first seen (the earliest time it is known to have existed). */
export interface GrantSeen extends GrantKey {
  readonly firstSeenMs: number
}

/** A current binding, with the grant's age bound. */
export interface CurrentGrant extends GrantKey {
  /** When the grant is known to have existed since (first-seen time). */
  readonly sinceMs: number
}

/** A Cloud Run service as the public-service recommender sees it. */
export interface RunServiceView {
  /** projects/P/locations/L/services/S (project id). */
  readonly name: string
  readonly invokerIamDisabled: boolean
  /** Whether its policy grants roles/run.invoker (or run.routes.invoke) to allUsers. */
  readonly publicInvoker: boolean
  /** When it is known to have been public since. */
  readonly sinceMs: number
}

/** google.cloud.recommender.v1.Operation (JSON). */
export interface RecommendationOperation {
  readonly action: string
  readonly resourceType: string
  readonly resource: string
  readonly path: string
  readonly value?: unknown
  readonly pathFilters?: Readonly<Record<string, unknown>>
}

export type RecommendationState = 'ACTIVE' | 'CLAIMED' | 'SUCCEEDED' | 'FAILED' | 'DISMISSED'

/** google.cloud.recommender.v1.Recommendation (JSON). */
export interface Recommendation {
  readonly name: string
  readonly description: string
  readonly recommenderSubtype: string
  readonly lastRefreshTime: string
  readonly primaryImpact: {
    readonly category: 'SECURITY'
    readonly securityProjection?: { readonly details: Readonly<Record<string, unknown>> }
  }
  readonly priority: 'P1' | 'P2' | 'P3' | 'P4'
  readonly content: {
    readonly operationGroups: readonly {
      readonly operations: readonly RecommendationOperation[]
    }[]
    readonly overview: Readonly<Record<string, unknown>>
  }
  readonly stateInfo: {
    readonly state: RecommendationState
    readonly stateMetadata?: Readonly<Record<string, string>>
  }
  readonly etag: string
  readonly associatedInsights: readonly { readonly insight: string }[]
  readonly targetResources: readonly string[]
}

/** A computed recommendation before it has a name, state and etag. */
export type RecommendationDraft = Omit<Recommendation, 'name' | 'stateInfo' | 'etag'> & {
  /** Stable over refreshes: the same finding keeps the same id. */
  readonly id: string
}
