// The recommender methods of StoreReader and StoreTx over an engine's rows: the project range,
// deduplication of a batch (one row per key, the latest use / earliest sighting) and
// compare-and-set errors, the same on every engine.
import type { GrantKeyRecord, RecommenderReader, RecommenderWriter } from '../recommender-store.js'
import { resourceEtagMismatch } from './errors.js'
import type { RecommenderRows } from './recommender-rows.js'

const keyOf = (k: GrantKeyRecord, extra = ''): string =>
  `${k.scope}\u0000${k.role}\u0000${k.member}\u0000${k.condition}\u0000${extra}`

/** `projects/P` and the names under it: ['projects/P/', 'projects/P0') ('0' follows '/'). */
const range = (project: string): [string, string, string] => [project, `${project}/`, `${project}0`]

export function recommenderReader(rows: () => RecommenderRows): RecommenderReader {
  return {
    listGrantUsage: async (project) => rows().grantUsage(...range(project)),
    listGrantsSeen: async (project) => rows().grantsSeen(...range(project)),
    getRecommendationState: async (name) => rows().recommendationState(name),
    listRecommendationStates: async (parent) => rows().recommendationStates(parent),
  }
}

export function recommenderWriter(rows: () => RecommenderRows): RecommenderWriter {
  return {
    async recordGrantUsage(batch) {
      const latest = new Map<string, (typeof batch)[number]>()
      for (const r of batch) {
        const k = keyOf(r, r.permission)
        const had = latest.get(k)
        if (had === undefined || had.lastUsedMs < r.lastUsedMs) latest.set(k, r)
      }
      if (latest.size > 0) await rows().upsertGrantUsage([...latest.values()])
    },
    async recordGrantsSeen(batch) {
      const earliest = new Map<string, (typeof batch)[number]>()
      for (const r of batch) {
        const k = keyOf(r)
        const had = earliest.get(k)
        if (had === undefined || had.firstSeenMs > r.firstSeenMs) earliest.set(k, r)
      }
      if (earliest.size > 0) await rows().upsertGrantsSeen([...earliest.values()])
    },
    async forgetGrantsSeen(keys) {
      if (keys.length > 0) await rows().deleteGrantsSeen(keys)
    },
    async putRecommendationState(record, options) {
      const ok =
        options.ifEtag === null
          ? await rows().insertRecommendationState(record)
          : await rows().updateRecommendationState(record, options.ifEtag)
      if (!ok) {
        const existing = await rows().recommendationState(record.name)
        throw resourceEtagMismatch(record.name, options.ifEtag ?? '', existing?.etag ?? '')
      }
    },
  }
}
