// Keeps the change feed from growing without end, on both engines: from time to time each store
// deletes changes older than the retention, always keeping the newest ones, so a process that was
// away briefly still catches up change by change. One that was away longer hears a 'reset'
// (change-feed.ts) and drops its caches, which is always correct, only slower.
import type { PruneOptions } from '../store.js'
import { invalidArgument } from './errors.js'

/** The default retention of the change feed, seconds (config changeFeedRetentionSeconds). */
export const DEFAULT_FEED_RETENTION_SECONDS = 3600
/** Never fewer changes than these are kept, however old. */
export const MIN_KEPT_CHANGES = 10_000
/** How often a store prunes, ms; each process on its own schedule, with a random start. */
const PRUNE_EVERY_MS = 60_000

export function checkPruneOptions(options: PruneOptions): PruneOptions {
  const { olderThanSeconds, keepNewest } = options
  if (!Number.isFinite(olderThanSeconds) || olderThanSeconds < 0) {
    throw invalidArgument(
      'INVALID_PRUNE_OPTIONS',
      `Invalid change-feed retention ${String(olderThanSeconds)}: it must be a number of seconds ≥ 0.`,
    )
  }
  if (!Number.isSafeInteger(keepNewest) || keepNewest < 1) {
    throw invalidArgument(
      'INVALID_PRUNE_OPTIONS',
      `Invalid number of changes to keep ${String(keepNewest)}: it must be an integer ≥ 1.`,
    )
  }
  return options
}

/**
 * Calls `prune` with the retention every minute or so (first after a random part of that, so
 * replicas started together do not prune together). Failures wait for the next round: pruning is
 * housekeeping, never urgent. Returns the function that stops it.
 */
export function schedulePruning(
  retentionSeconds: number,
  prune: (options: PruneOptions) => Promise<number>,
): () => void {
  const options = checkPruneOptions({
    olderThanSeconds: retentionSeconds,
    keepNewest: MIN_KEPT_CHANGES,
  })
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  const round = (delay: number): void => {
    timer = setTimeout(() => {
      prune(options)
        .catch(() => 0)
        .finally(() => {
          if (!stopped) round(PRUNE_EVERY_MS)
        })
    }, delay)
    timer.unref()
  }
  round(Math.floor(Math.random() * PRUNE_EVERY_MS))
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
