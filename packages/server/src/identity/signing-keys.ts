// runiam's own signing keys: created at first start and kept in the store (so every replica and
// every restart signs and verifies with the same keys). The private JWK is a secret: never logged.
// Which key signs when is the schedule of services/keys/key-schedule.ts; signing-key-ring.ts keeps
// them in memory.
import type { SigningKeyRecord, Store } from '@runiam/store'
import type { CryptoKey, JWK } from 'jose'
import { signingKeyAt } from '../services/keys/key-schedule.js'
import { newSigningKey, SIGNING_ALG } from '../services/keys/new-signing-key.js'

export { SIGNING_ALG }

export interface SigningKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

/** How far ahead of `now` a key another replica just created still counts as present. */
const START_SLACK_MS = 5_000

/**
 * Makes sure the store holds a key that can sign now, creating one when it has none (an empty
 * store, or one imported without private keys, whose keys only verify), and returns every
 * stored key. Exactly one key results when several replicas start at once on an empty database:
 * the check and the insert run under the store's signing key lock.
 */
export async function loadOrCreateSigningKey(
  store: Store,
  now: number,
): Promise<readonly SigningKeyRecord[]> {
  const stored = await store.listSigningKeys()
  if (signingKeyAt(stored, now) !== undefined) return stored
  // Generated before the transaction: it takes tens of milliseconds, too long to hold the lock.
  const fresh = await newSigningKey(now)
  return store.transact(async (tx) => {
    await tx.lockSigningKeys()
    const again = await tx.listSigningKeys()
    // Another replica starting at the same moment may have read its clock a few milliseconds
    // later: its key, created "after" our now, is adopted rather than doubled. A rotation's
    // pending key activates minutes ahead, far beyond this slack, and is never taken early.
    if (signingKeyAt(again, now + START_SLACK_MS) !== undefined) return again
    await tx.putSigningKey(fresh)
    return [...again, fresh]
  })
}
