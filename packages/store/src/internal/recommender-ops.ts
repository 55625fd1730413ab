// The recommender methods of StoreReader and StoreTx over an engine's rows: the project range,
// deduplication of a batch (one row per key, the latest use / earliest sighting) and
// compare-and-set errors, the same on every engine.
import type { GrantKeyRecord, RecommenderReader, RecommenderWriter } from '../recommender-store.js'
import { resourceEtagMismatch } from './errors.js'
import { ROWS, type ReadHost, type WriteHost } from './row-host.js'

const keyOf = (k: GrantKeyRecord, extra = ''): string =>
  `${k.scope}\u0000${k.role}\u0000${k.member}\u0000${k.condition}\u0000${extra}`

/** `projects/P` and the names under it: ['projects/P/', 'projects/P0') ('0' follows '/'). */
const range = (project: string): [string, string, string] => [project, `${project}/`, `${project}0`]

/** RecommenderReader's methods, for a reader's or a tx's prototype (see row-host.ts). */
export const recommenderReaderMethods: RecommenderReader & ThisType<ReadHost> = {
  async listGrantUsage(project) {
    return this[ROWS]().recommender.grantUsage(...range(project))
  },
  async listGrantsSeen(project) {
    return this[ROWS]().recommender.grantsSeen(...range(project))
  },
  async getRecommendationState(name) {
    return this[ROWS]().recommender.recommendationState(name)
  },
  async listRecommendationStates(parent) {
    return this[ROWS]().recommender.recommendationStates(parent)
  },
}

/** RecommenderWriter's methods, for a tx's prototype (see row-host.ts). */
export const recommenderWriterMethods: RecommenderWriter & ThisType<WriteHost> = {
  async recordGrantUsage(batch) {
    const latest = new Map<string, (typeof batch)[number]>()
    for (const r of batch) {
      const k = keyOf(r, r.permission)
      const had = latest.get(k)
      if (had === undefined || had.lastUsedMs < r.lastUsedMs) latest.set(k, r)
    }
    if (latest.size > 0) await this[ROWS]().recommender.upsertGrantUsage([...latest.values()])
  },
  async recordGrantsSeen(batch) {
    const earliest = new Map<string, (typeof batch)[number]>()
    for (const r of batch) {
      const k = keyOf(r)
      const had = earliest.get(k)
      if (had === undefined || had.firstSeenMs > r.firstSeenMs) earliest.set(k, r)
    }
    if (earliest.size > 0) await this[ROWS]().recommender.upsertGrantsSeen([...earliest.values()])
  },
  async forgetGrantsSeen(keys) {
    if (keys.length > 0) await this[ROWS]().recommender.deleteGrantsSeen(keys)
  },
  async putRecommendationState(record, options) {
    const ok =
      options.ifEtag === null
        ? await this[ROWS]().recommender.insertRecommendationState(record)
        : await this[ROWS]().recommender.updateRecommendationState(record, options.ifEtag)
    if (!ok) {
      const existing = await this[ROWS]().recommender.recommendationState(record.name)
      throw resourceEtagMismatch(record.name, options.ifEtag ?? '', existing?.etag ?? '')
    }
  },
}
