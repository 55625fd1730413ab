// '@runiam/core/recommender': the IAM and Cloud Run recommenders over recorded grant usage, and the
// recommendation state machine, pure (time is a parameter).
import './reasons.js'
export * from './types.js'
export {
  iamRecommendations,
  narrowestRole,
  grantKeyOf,
  recommendable,
} from './iam-recommendations.js'
export type { CandidateRole, IamRecommendationInput } from './iam-recommendations.js'
export { runRecommendations, PUBLIC_SUBTYPE } from './run-recommendations.js'
export type { RunRecommendationInput } from './run-recommendations.js'
export { nextState, readStateMetadata } from './recommendation-state.js'
export { recommendationFilter } from './recommendation-filter.js'
export type { RecommendationMark } from './recommendation-state.js'
export { recommendationEtag, recommendationId } from './recommendation-id.js'
export { scopeTarget } from './resource-types.js'
export { RECOMMENDER_REASONS, invalidTransition, recommendationEtagMismatch } from './reasons.js'
