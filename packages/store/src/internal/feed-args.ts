// Argument checks for Store.changesSince, shared by both engines.
import { invalidArgument } from './errors.js'

export const DEFAULT_CHANGES_LIMIT = 1000
export const MAX_CHANGES_LIMIT = 10_000

export function checkFeedArgs(after: number, limit: number | undefined): number {
  if (!Number.isSafeInteger(after) || after < 0) {
    throw invalidArgument(
      'INVALID_REVISION',
      `Invalid revision ${String(after)}: it must be a non-negative integer.`,
    )
  }
  if (limit === undefined) return DEFAULT_CHANGES_LIMIT
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw invalidArgument(
      'INVALID_LIMIT',
      `Invalid limit ${String(limit)}: it must be a positive integer.`,
    )
  }
  return Math.min(limit, MAX_CHANGES_LIMIT)
}
