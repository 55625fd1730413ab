// Secrets never reach an audit entry: request and response bodies are copied with the fields that
// carry credentials removed (a service account key's private half, minted tokens, signed JWTs),
// and bodies too large to keep are left out.

// Compat: Google's CreateServiceAccountKey entries carry the key's name and metadata, never
// privateKeyData; iamcredentials entries never carry the minted token.
const SECRET_FIELDS = new Set([
  'privateKeyData',
  'privateKey',
  'accessToken',
  'token',
  'idToken',
  'refreshToken',
  'signedJwt',
  'signedBlob',
  'clientSecret',
  'password',
])

/** Bodies larger than this (as JSON) are left out of entries. */
export const MAX_AUDITED_BODY_BYTES = 64 * 1024

/** How many more bytes of JSON a copy may hold; below zero once it is known to be too large. */
interface Budget {
  left: number
}

/**
 * A copy of `value` without its secret fields, counting into `budget` a lower bound of its JSON
 * size (a string's UTF-16 length is at most its UTF-8 length); stops copying once over budget.
 */
function strip(value: unknown, depth: number, budget: Budget): unknown {
  if (depth > 40) return undefined
  if (budget.left < 0) return undefined
  if (Array.isArray(value)) {
    budget.left -= 2 + Math.max(0, value.length - 1)
    const out: unknown[] = []
    for (const v of value) {
      out.push(strip(v, depth + 1, budget))
      if (budget.left < 0) break
    }
    return out
  }
  if (typeof value === 'string') {
    budget.left -= value.length + 2
    return value
  }
  if (typeof value !== 'object' || value === null) {
    // null, true and false print as 4 or 5 characters, a number as at least 1.
    if (value === null || typeof value === 'boolean' || typeof value === 'number') budget.left -= 1
    return value
  }
  budget.left -= 2
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_FIELDS.has(k)) continue
    const copied = strip(v, depth + 1, budget)
    // `"k":`, for the fields JSON.stringify keeps (not undefined, functions or symbols).
    if (copied !== undefined && typeof copied !== 'function' && typeof copied !== 'symbol') {
      budget.left -= k.length + 3
    }
    out[k] = copied
    if (budget.left < 0) break
  }
  return out
}

/** A copy of a JSON object without its secret fields; undefined when not an object or too large. */
export function redactBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  // The walk's bound settles a huge body without copying or serialising all of it; only a copy
  // that may fit is measured exactly.
  const budget: Budget = { left: MAX_AUDITED_BODY_BYTES }
  const copy = strip(body, 0, budget) as Record<string, unknown>
  if (budget.left < 0) return undefined
  const size = Buffer.byteLength(JSON.stringify(copy))
  return size > MAX_AUDITED_BODY_BYTES ? undefined : copy
}
