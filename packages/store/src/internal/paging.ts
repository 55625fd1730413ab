// List paging shared by both engines: page size rules and opaque page tokens. A token is the
// base64url of the last key returned, so the next page is "key > last" in the same stable order.
import type { PageRequest } from '../records.js'
import { invalidArgument } from './errors.js'

// Compat: AIP-158: an unset or zero pageSize means the default; larger than the maximum is coerced.
export const DEFAULT_PAGE_SIZE = 100
export const MAX_PAGE_SIZE = 1000

const TOKEN_PREFIX = 'k1:'

export interface PageWindow {
  /** Rows to return. The engines fetch one more to learn whether another page follows. */
  readonly size: number
  /** Exclusive lower bound on the key, from the page token. */
  readonly after: string | undefined
}

export function pageWindow(page: PageRequest | undefined): PageWindow {
  const requested = page?.pageSize
  let size = DEFAULT_PAGE_SIZE
  if (requested !== undefined && requested !== 0) {
    if (!Number.isInteger(requested) || requested < 0) {
      throw invalidArgument(
        'INVALID_PAGE_SIZE',
        `Invalid pageSize ${String(requested)}: it must be a non-negative integer.`,
      )
    }
    size = Math.min(requested, MAX_PAGE_SIZE)
  }
  const token = page?.pageToken
  return { size, after: token === undefined || token === '' ? undefined : decodePageToken(token) }
}

export function encodePageToken(lastKey: string): string {
  return Buffer.from(TOKEN_PREFIX + lastKey, 'utf8').toString('base64url')
}

export function decodePageToken(token: string): string {
  const bad = invalidArgument('INVALID_PAGE_TOKEN', `Invalid page token '${token}'.`)
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw bad
  const text = Buffer.from(token, 'base64url').toString('utf8')
  if (
    !text.startsWith(TOKEN_PREFIX) ||
    encodePageToken(text.slice(TOKEN_PREFIX.length)) !== token
  ) {
    throw bad
  }
  return text.slice(TOKEN_PREFIX.length)
}

/** Cuts the over-fetched rows to a page and sets the token when more follow. */
export function toPage<T>(
  rows: readonly T[],
  size: number,
  keyOf: (row: T) => string,
): { items: T[]; nextPageToken?: string } {
  if (rows.length <= size) return { items: [...rows] }
  const items = rows.slice(0, size)
  const last = items[items.length - 1]
  // size is at least 1 here (rows.length > size >= 1), so `last` exists.
  return last === undefined ? { items } : { items, nextPageToken: encodePageToken(keyOf(last)) }
}
