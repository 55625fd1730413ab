// Retries a whole read-modify-write cycle when the write loses an etag race. SPEC §2: "Read-modify-
// write commands retry the whole cycle on ABORTED, so concurrent users lose nothing". A replica
// that answers UNAVAILABLE (its database unreachable, or it is not following the change feed) is
// retried too: the cycle reads afresh, so running it again after a write that did land is a no-op.
import { Code, isIamError } from '@runiam/core/errors'

export interface RetryOptions {
  /** Total attempts, the first included (default 12). */
  readonly maxAttempts?: number
  /** First back-off in ms, doubled each time up to maxDelayMs (defaults 100 and 3000). */
  readonly initialDelayMs?: number
  readonly maxDelayMs?: number
  /** Injected for tests; defaults to setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>
  /** Injected for tests; defaults to Math.random. */
  readonly random?: () => number
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/**
 * Runs `cycle` (GET, modify, SET with the read etag) and runs it again from the start when it
 * throws ABORTED. Compat: Google's message for 409 says "Please retry the whole read-modify-write
 * with exponential backoff". With the defaults the waits add up to about 21 s at most.
 */
export async function readModifyWrite<T>(
  cycle: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 12
  const initial = options.initialDelayMs ?? 100
  const maxDelay = options.maxDelayMs ?? 3000
  const sleep = options.sleep ?? defaultSleep
  const random = options.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    try {
      return await cycle(attempt)
    } catch (err) {
      const retryable =
        isIamError(err) && (err.code === Code.ABORTED || err.code === Code.UNAVAILABLE)
      if (!retryable || attempt >= maxAttempts) throw err
      const base = Math.min(maxDelay, initial * 2 ** (attempt - 1))
      // Full jitter keeps racing writers from retrying in lockstep.
      await sleep(Math.round(base / 2 + random() * (base / 2)))
    }
  }
}
