// ExchangeLimit: how often the console's unauthenticated code exchange (POST /console/oidc-token)
// may reach an issuer's token endpoint. Anyone who can reach the console can post a well-formed
// exchange, and each one makes this server POST to the issuer: without a bound the server is a
// relay an outsider can turn on the issuer (or use to wear down its own sockets). A sign-in is one
// exchange per person, so the bounds are far above what people signing in need:
//   - per client address, a token bucket: BURST exchanges at once, then RATE per second;
//   - for the whole process, at most IN_FLIGHT exchanges waiting on issuers at the same time.
// Behind a reverse proxy every client has the proxy's address and shares one bucket; the bounds
// still hold for the issuer, and a flood then delays other people's sign-ins by seconds, not more.

/** Exchanges one address may start at once, and how many more it gets per second after that. */
export const EXCHANGE_BURST = 20
export const EXCHANGE_RATE_PER_SEC = 2
/** Exchanges waiting on issuers at once, over all clients. */
export const EXCHANGES_IN_FLIGHT = 32
/** Addresses remembered; past that the table starts over (only forgets spent budgets). */
const MAX_ADDRESSES = 10_000

interface Bucket {
  tokens: number
  at: number
}

export type Admission =
  | { readonly ok: true; readonly done: () => void }
  | { readonly ok: false; readonly retryAfterSec: number; readonly reason: string }

export class ExchangeLimit {
  readonly #buckets = new Map<string, Bucket>()
  readonly #now: () => number
  #inFlight = 0

  constructor(now: () => number) {
    this.#now = now
  }

  /** Admits one exchange from `address`; call done() when its upstream call has ended. */
  admit(address: string): Admission {
    if (this.#inFlight >= EXCHANGES_IN_FLIGHT) {
      return {
        ok: false,
        retryAfterSec: 1,
        reason: `${EXCHANGES_IN_FLIGHT} sign-in code exchanges are already waiting on issuers`,
      }
    }
    const t = this.#now()
    let b = this.#buckets.get(address)
    if (b === undefined) {
      if (this.#buckets.size >= MAX_ADDRESSES) this.#buckets.clear()
      b = { tokens: EXCHANGE_BURST, at: t }
      this.#buckets.set(address, b)
    } else {
      b.tokens = Math.min(EXCHANGE_BURST, b.tokens + ((t - b.at) / 1000) * EXCHANGE_RATE_PER_SEC)
      b.at = t
    }
    if (b.tokens < 1) {
      return {
        ok: false,
        retryAfterSec: Math.ceil((1 - b.tokens) / EXCHANGE_RATE_PER_SEC),
        reason: `more than ${EXCHANGE_BURST} sign-in code exchanges from one address (then ${EXCHANGE_RATE_PER_SEC} per second)`,
      }
    }
    b.tokens -= 1
    this.#inFlight++
    let ended = false
    return {
      ok: true,
      done: () => {
        if (ended) return
        ended = true
        this.#inFlight--
      },
    }
  }
}
