// runiam's signing keys in memory, following the store: the key that signs now, the keys that
// verify (the JWKS), and the key lookup of every runiam token check. It reloads on the store's
// change feed (kind 'key': this process's rotations at commit, other replicas' when the store
// refreshes), on a slow timer (a replica whose feed is lost still learns of a rotation before
// the new key activates, and deletes keys past their drop time), and when a token names a kid it
// does not know, at most once a second (a replica whose feed lags still accepts a key another
// replica just started signing with, and a flood of made-up kids costs no store read each).
import type { SigningKeyRecord, Store } from '@runiam/store'
import {
  importJWK,
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTVerifyGetKey,
} from 'jose'
import {
  droppedKeys,
  isDropped,
  signingKeyAt,
  verifyingKeys,
} from '../services/keys/key-schedule.js'
import type { SigningKey } from './signing-keys.js'

interface Entry {
  readonly record: SigningKeyRecord
  readonly publicKey: CryptoKey
  privateKey?: CryptoKey
}

export interface SigningKeyRingOptions {
  now(): number
  /** Reload from the store this often whatever the feed says, ms (0: never). */
  readonly resyncMs: number
  /** At most one reload per this long for tokens with an unknown kid, ms. Default 1000. */
  readonly unknownKidReloadMs?: number
  log?(entry: Record<string, unknown>): void
}

export class SigningKeyRing {
  readonly #store: Store
  readonly #options: SigningKeyRingOptions
  #entries = new Map<string, Entry>()
  #running: Promise<void> | undefined
  #again = false
  #lastUnknownReload = Number.NEGATIVE_INFINITY
  #closed = false
  readonly #stopFeed: () => void
  readonly #timer: ReturnType<typeof setInterval> | undefined
  /** How many times the keys were read from the store (tests and metrics). */
  reloads = 0

  private constructor(store: Store, options: SigningKeyRingOptions) {
    this.#store = store
    this.#options = options
    this.#stopFeed = store.onChange((changes) => {
      // 'reset': the feed was pruned past this process's place, so any key may have changed.
      if (changes.some((c) => c.kind === 'key' || c.kind === 'reset')) void this.reload()
    })
    this.#timer =
      options.resyncMs > 0 ? setInterval(() => void this.reload(), options.resyncMs) : undefined
    this.#timer?.unref()
  }

  /** A ring over `records` (what loadOrCreateSigningKey returned), following `store` from now. */
  static async open(
    store: Store,
    records: readonly SigningKeyRecord[],
    options: SigningKeyRingOptions,
  ): Promise<SigningKeyRing> {
    const ring = new SigningKeyRing(store, options)
    try {
      await ring.#apply(records)
    } catch (err) {
      ring.close()
      throw err
    }
    return ring
  }

  close(): void {
    this.#closed = true
    this.#stopFeed()
    if (this.#timer !== undefined) clearInterval(this.#timer)
  }

  /**
   * Reads the keys again. Calls made while one runs share one follow-up read that starts after
   * they were made, so a change notice never lands between a read and its result unseen.
   */
  reload(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true
      return this.#running
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.#again = false
          this.reloads++
          try {
            await this.#apply(await this.#store.listSigningKeys())
          } catch (err) {
            // The keys held so far keep serving; the next notice, tick or unknown kid retries.
            this.#options.log?.({ event: 'signing_keys_reload_failed', error: String(err) })
          }
        } while (this.#again && !this.#closed)
      } finally {
        this.#running = undefined
      }
    }
    this.#running = run()
    return this.#running
  }

  /** Resolves once a reload under way (a rotation just applied) has finished. */
  ready(): Promise<void> {
    return this.#running ?? Promise.resolve()
  }

  async #apply(records: readonly SigningKeyRecord[]): Promise<void> {
    const next = new Map<string, Entry>()
    for (const record of records) {
      const known = this.#entries.get(record.kid)
      if (known !== undefined) {
        next.set(record.kid, { ...known, record })
        continue
      }
      const publicKey = (await importJWK(record.publicJwk as JWK, record.alg)) as CryptoKey
      next.set(record.kid, { record, publicKey })
    }
    this.#entries = next
    // Awaited, so a reload has finished only once dropped keys are gone from the store too.
    if (droppedKeys(records, this.#options.now()).length > 0) await this.#deleteDropped()
  }

  /** Deletes the keys past their drop time (any replica may; the lock makes it exact). */
  async #deleteDropped(): Promise<void> {
    try {
      await this.#store.transact(async (tx) => {
        await tx.lockSigningKeys()
        const now = this.#options.now()
        for (const kid of droppedKeys(await tx.listSigningKeys(), now)) {
          await tx.deleteSigningKey(kid)
        }
      })
    } catch (err) {
      this.#options.log?.({ event: 'signing_keys_drop_failed', error: String(err) })
    }
  }

  #records(): SigningKeyRecord[] {
    return [...this.#entries.values()].map((e) => e.record)
  }

  /** The key that signs now (the schedule's choice among the keys known here). */
  async signingKey(): Promise<SigningKey> {
    await this.ready()
    const record = signingKeyAt(this.#records(), this.#options.now())
    const entry = record === undefined ? undefined : this.#entries.get(record.kid)
    if (entry === undefined) throw new Error('runiam has no signing key in force')
    entry.privateKey ??= (await importJWK(
      entry.record.privateJwk as JWK,
      entry.record.alg,
    )) as CryptoKey
    return {
      kid: entry.record.kid,
      privateKey: entry.privateKey,
      publicJwk: entry.record.publicJwk,
    }
  }

  /** The published keys: every key that verifies now, including those not signing yet. */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.ready()
    return {
      keys: verifyingKeys(this.#records(), this.#options.now()).map((k) => k.publicJwk as JWK),
    }
  }

  /** Whether a token signed by `kid` may still be accepted (the key is known and not dropped). */
  verifies(kid: string | undefined): boolean {
    const entry = kid === undefined ? undefined : this.#entries.get(kid)
    return entry !== undefined && !isDropped(entry.record, this.#options.now())
  }

  #live(kid: string): Entry | undefined {
    const entry = this.#entries.get(kid)
    return entry !== undefined && !isDropped(entry.record, this.#options.now()) ? entry : undefined
  }

  /** jose's key lookup for runiam's tokens: by `kid` only, and only keys not dropped. */
  readonly getKey: JWTVerifyGetKey = async (header: JWTHeaderParameters) => {
    const kid = header.kid
    if (typeof kid !== 'string') throw new Error('runiam tokens carry a kid')
    await this.ready()
    let entry = this.#live(kid)
    // A kid known here but dropped stays refused: no reload can bring it back.
    if (entry === undefined && !this.#entries.has(kid)) {
      const now = this.#options.now()
      if (this.#running !== undefined) await this.#running
      else if (now - this.#lastUnknownReload >= (this.#options.unknownKidReloadMs ?? 1000)) {
        this.#lastUnknownReload = now
        await this.reload()
      }
      entry = this.#live(kid)
    }
    if (entry === undefined) throw new Error(`unknown signing key ${kid}`)
    if (header.alg !== entry.record.alg) throw new Error('algorithm does not match the key')
    return entry.publicKey
  }
}
