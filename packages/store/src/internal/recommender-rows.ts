// What an engine provides for the recommender tables: plain row operations in its own SQL dialect.
// Their meaning (deduplication, compare-and-set errors) is in recommender-ops.ts, once.
import type {
  GrantKeyRecord,
  GrantSeenRecord,
  GrantUsageRecord,
  RecommendationStateRecord,
} from '../recommender-store.js'

export interface RecommenderRows {
  /** Scopes equal to `project` or in [`from`, `to`). */
  grantUsage(project: string, from: string, to: string): Promise<GrantUsageRecord[]>
  grantsSeen(project: string, from: string, to: string): Promise<GrantSeenRecord[]>
  /** Rows have distinct keys. */
  upsertGrantUsage(rows: readonly GrantUsageRecord[]): Promise<void>
  /** Rows have distinct keys. */
  upsertGrantsSeen(rows: readonly GrantSeenRecord[]): Promise<void>
  deleteGrantsSeen(keys: readonly GrantKeyRecord[]): Promise<void>
  recommendationState(name: string): Promise<RecommendationStateRecord | undefined>
  recommendationStates(parent: string): Promise<RecommendationStateRecord[]>
  /** Only when absent. */
  insertRecommendationState(record: RecommendationStateRecord): Promise<boolean>
  /** Only where the stored etag equals `ifEtag`. */
  updateRecommendationState(record: RecommendationStateRecord, ifEtag: string): Promise<boolean>
}
