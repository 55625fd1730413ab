// Recommender v1's JSON shapes. Declared once, in @runiam/core/recommender (the recommenders build
// them); re-exported here as types only, for the client, the CLI and the console.
// Compat: google.cloud.recommender.v1 Recommendation, ListRecommendationsResponse and the
// Mark*Request bodies.
import type { Recommendation } from '@runiam/core/recommender'

export type {
  Recommendation,
  RecommendationOperation,
  RecommendationState,
} from '@runiam/core/recommender'

export interface ListRecommendationsResponse {
  readonly recommendations?: readonly Recommendation[]
  readonly nextPageToken?: string
}

/** The body of markClaimed / markSucceeded / markFailed / markDismissed. */
export interface MarkRecommendationRequest {
  readonly etag?: string
  readonly stateMetadata?: Readonly<Record<string, string>>
}
