// Stable ids and etags for recommendations: the id is a digest of what was found (the same finding
// keeps its id over refreshes, so a claim or a dismissal sticks to it); the etag is a digest of the
// id, the state and the content, so it changes whenever either does.
import { sha256, toHex } from '../policy/sha256.js'

/** A UUID-shaped id from the finding's parts (Google's ids are UUIDs). */
export function recommendationId(parts: readonly string[]): string {
  const h = toHex(sha256(parts.join('\u0000'))).slice(0, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

/**
 * Compat: Google's recommendation etags are quoted hex strings (`"\"770237e2c0decf40\""`), and
 * gcloud sends them back with the quotes.
 */
export function recommendationEtag(
  id: string,
  state: string,
  content: unknown,
  metadata: unknown,
): string {
  const h = toHex(sha256(JSON.stringify([id, state, content, metadata ?? {}]))).slice(0, 16)
  return `"${h}"`
}
