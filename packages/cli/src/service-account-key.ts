// Service account key files in the CLI: reading Google's JSON key file, signing a JWT-bearer
// assertion with its private key (node:crypto, no JWT library: the CLI must start fast) and
// exchanging it at the key file's token_uri for an access token or an ID token. Tokens are kept
// in memory for this process only, so a deleted key stops working at the next command.
import { CLOUD_PLATFORM_SCOPE, JWT_BEARER_GRANT } from '@runiam/api'
import { createSign } from 'node:crypto'
import { CliError } from './cli-error.js'
import { nodeFetch } from './node-fetch.js'
import type { ServiceAccountKeyFile } from './settings/credentials.js'

/** Renew a little before expiry so a token does not lapse in flight. */
const SKEW_MS = 60_000

/** Parses and checks a key file's text; `path` is only for messages. */
export function parseKeyFile(text: string, path: string): ServiceAccountKeyFile {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new CliError(`Could not read json file ${path}: it is not valid JSON.`)
  }
  const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>
  if (o['type'] !== 'service_account') {
    // Compat: gcloud's message for a key file of another kind.
    throw new CliError(
      `The .json key file is not in a valid format: ${path} is not a service account key file (its type is ${JSON.stringify(o['type'] ?? null)}).`,
    )
  }
  const missing = ['private_key_id', 'private_key', 'client_email', 'token_uri'].filter(
    (k) => typeof o[k] !== 'string' || o[k] === '',
  )
  if (missing.length > 0) {
    throw new CliError(
      `The .json key file is not in a valid format: ${path} lacks ${missing.join(', ')}.`,
    )
  }
  return o as unknown as ServiceAccountKeyFile
}

const b64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url')

/** An RS256 assertion for Google's JWT-bearer grant: iss = sub = client_email, aud = token_uri. */
export function signAssertion(
  key: ServiceAccountKeyFile,
  claims: Record<string, unknown>,
  nowMs = Date.now(),
): string {
  const iat = Math.floor(nowMs / 1000)
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id }))
  const payload = b64url(
    JSON.stringify({
      iss: key.client_email,
      sub: key.client_email,
      aud: key.token_uri,
      iat,
      exp: iat + 3600,
      ...claims,
    }),
  )
  const signer = createSign('RSA-SHA256')
  signer.update(`${header}.${payload}`)
  let signature: Buffer
  try {
    signature = signer.sign(key.private_key)
  } catch (err) {
    throw new CliError(
      `The private key of service account [${key.client_email}] cannot be used: ${(err as Error).message}`,
    )
  }
  return `${header}.${payload}.${b64url(signature)}`
}

/** Posts an assertion to the key's token_uri; answers the token response or throws gcloud's error. */
export async function exchange(
  key: ServiceAccountKeyFile,
  claims: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const body = new URLSearchParams({
    grant_type: JWT_BEARER_GRANT,
    assertion: signAssertion(key, claims),
  }).toString()
  let status: number
  let text: string
  try {
    const res = await nodeFetch(key.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    })
    status = res.status
    text = await res.text()
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? String(err)
    throw new CliError(
      `Could not reach the token endpoint [${key.token_uri}] (${cause}). Is \`runiam serve\` running?`,
    )
  }
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // Reported below with the status.
  }
  if (status !== 200) {
    const what =
      typeof json['error'] === 'string'
        ? `${json['error']}: ${String(json['error_description'] ?? '')}`
        : `HTTP ${status}`
    // Compat: gcloud's RefreshError wording.
    throw new CliError(
      `There was a problem refreshing your current auth tokens: ${what}\nPlease run:\n\n  $ runiam auth activate-service-account --key-file=KEY_FILE\n\nto obtain new credentials.`,
    )
  }
  return json
}

const accessTokens = new Map<string, { token: string; expiresAt: number }>()

/** An access token for the key's account, minted once per process and renewed near expiry. */
export async function serviceAccountAccessToken(key: ServiceAccountKeyFile): Promise<string> {
  const cacheKey = `${key.token_uri} ${key.private_key_id}`
  const cached = accessTokens.get(cacheKey)
  if (cached !== undefined && cached.expiresAt - SKEW_MS > Date.now()) return cached.token
  const json = await exchange(key, { scope: CLOUD_PLATFORM_SCOPE })
  const token = json['access_token']
  if (typeof token !== 'string') {
    throw new CliError(`The token endpoint [${key.token_uri}] returned no access_token.`)
  }
  const expiresIn = typeof json['expires_in'] === 'number' ? json['expires_in'] : 3600
  accessTokens.set(cacheKey, { token, expiresAt: Date.now() + expiresIn * 1000 })
  return token
}

/** An ID token for the key's account with `audience` (Google's target_audience exchange). */
export async function serviceAccountIdToken(
  key: ServiceAccountKeyFile,
  audience: string,
): Promise<string> {
  const json = await exchange(key, { target_audience: audience })
  const token = json['id_token']
  if (typeof token !== 'string') {
    throw new CliError(`The token endpoint [${key.token_uri}] returned no id_token.`)
  }
  return token
}
