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

function strip(value: unknown, depth: number): unknown {
  if (depth > 40) return undefined
  if (Array.isArray(value)) return value.map((v) => strip(v, depth + 1))
  if (typeof value !== 'object' || value === null) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_FIELDS.has(k)) continue
    out[k] = strip(v, depth + 1)
  }
  return out
}

/** A copy of a JSON object without its secret fields; undefined when not an object or too large. */
export function redactBody(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  const copy = strip(body, 0) as Record<string, unknown>
  const size = Buffer.byteLength(JSON.stringify(copy))
  return size > MAX_AUDITED_BODY_BYTES ? undefined : copy
}
