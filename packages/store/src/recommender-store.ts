// What the store keeps for the recommenders: when each grant (binding role × member on a resource)
// last decided a call for each permission, when each grant was first seen, and the state of the
// recommendations users acted on. Kept apart from store.ts so the recommender surface reads in one
// place; the Store interface extends these. Writes make no change-feed entry (nothing is cached
// from these rows).

/** One grant's identity: the resource whose policy holds the binding, its role, member, condition. */
export interface GrantKeyRecord {
  /** `projects/P` or a Cloud Run resource name (project id, never number). */
  readonly scope: string
  readonly role: string
  readonly member: string
  /** The binding's condition expression; '' when unconditional. */
  readonly condition: string
}

export interface GrantUsageRecord extends GrantKeyRecord {
  readonly permission: string
  /** Epoch milliseconds. */
  readonly lastUsedMs: number
}

export interface GrantSeenRecord extends GrantKeyRecord {
  /** Epoch milliseconds. */
  readonly firstSeenMs: number
}

/** A recommendation's state once a user marked it (absent: ACTIVE, never marked). */
export interface RecommendationStateRecord {
  /** `projects/{projectId}/locations/L/recommenders/R/recommendations/ID`; the key. */
  readonly name: string
  /** `projects/{projectId}/locations/L/recommenders/R`. */
  readonly parent: string
  readonly state: string
  readonly stateMetadata: Readonly<Record<string, string>>
  /** The row's own etag, for compare-and-set. */
  readonly etag: string
  /** RFC 3339. */
  readonly updateTime: string
  /** The recommendation as it was marked (its content is immutable once claimed), JSON. */
  readonly recommendation: unknown
}

export interface RecommenderReader {
  /** The usage rows of `projects/P` and of every resource under it. */
  listGrantUsage(project: string): Promise<readonly GrantUsageRecord[]>
  /** The first-seen rows of `projects/P` and of every resource under it. */
  listGrantsSeen(project: string): Promise<readonly GrantSeenRecord[]>
  getRecommendationState(name: string): Promise<RecommendationStateRecord | undefined>
  /** The state rows of one recommender parent, ordered by name. */
  listRecommendationStates(parent: string): Promise<readonly RecommendationStateRecord[]>
}

export interface RecommenderWriter {
  /** Upserts; a row keeps the later of its stored and given lastUsedMs. */
  recordGrantUsage(rows: readonly GrantUsageRecord[]): Promise<void>
  /** Upserts; a row keeps the earlier of its stored and given firstSeenMs. */
  recordGrantsSeen(rows: readonly GrantSeenRecord[]): Promise<void>
  /** Removes first-seen rows (grants no longer in any policy). */
  forgetGrantsSeen(keys: readonly GrantKeyRecord[]): Promise<void>
  /**
   * Creates or replaces a state row. Compare-and-set: `ifEtag` null means the row must not exist,
   * a string that its etag equals it; mismatch is ABORTED / ETAG_MISMATCH.
   */
  putRecommendationState(
    record: RecommendationStateRecord,
    options: { readonly ifEtag: string | null },
  ): Promise<void>
}
