// Admin API authentication with a service account's self-signed JWT (AIP-4111): what Google's
// client libraries send when given a key file (`new ServicesClient({keyFilename})`,
// `credentials: {client_email, private_key}`). google-auth-library's JWTAccess signs
// {iss = sub = client_email, scope | aud, iat, exp} with the key file's private key (RS256,
// kid = private_key_id when known) and sends it as the bearer token, never calling a token
// endpoint. runiam verifies it against the account's public keys in the store.
import { createPublicKey } from 'node:crypto'
import { decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose'
import { Code, IamError } from '@runiam/core'
import type { ServiceAccountKeyRecord, StoreReader } from '@runiam/store'
import type { Caller } from '../services/caller.js'

// Compat: Google accepts a self-signed JWT whose aud is the API's service endpoint. The gapic
// clients sign for `https://{defaultServicePath}/` (or with a scope claim and no aud) whatever
// apiEndpoint points at, and a plain AuthClient.request() signs for the full request URL; so
// any https URL on the host of an API runiam serves.
const API_HOSTS = new Set(
  [
    'run',
    'cloudresourcemanager',
    'iam',
    'iamcredentials',
    'orgpolicy',
    'cloudidentity',
    'logging',
  ].map((api) => `${api}.googleapis.com`),
)

function isApiAudience(aud: string): boolean {
  try {
    const url = new URL(aud)
    return url.protocol === 'https:' && url.port === '' && API_HOSTS.has(url.hostname)
  } catch {
    return false
  }
}

// Compat: a self-signed JWT lives at most one hour, as AIP-4111 requires.
const MAX_LIFETIME_SECONDS = 3600
const CLOCK_SKEW_SECONDS = 30

const SERVICE_ACCOUNT_EMAIL = /^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/

export interface SelfSignedJwtOptions {
  readonly store: Pick<
    StoreReader,
    'getServiceAccount' | 'getServiceAccountKey' | 'listServiceAccountKeys'
  >
  now(): number
}

function invalid(why: string, cause?: unknown): IamError {
  return new IamError(
    Code.UNAUTHENTICATED,
    'ACCESS_TOKEN_INVALID',
    `Request had invalid authentication credentials: the service account's self-signed JWT ${why}.`,
    cause === undefined ? {} : { cause },
  )
}

const audiencesOf = (payload: JWTPayload): string[] =>
  typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : []

/**
 * Returns a function that authenticates a bearer token if it is a service account's self-signed
 * JWT (iss = a *.gserviceaccount.com email): the caller, or an UNAUTHENTICATED IamError saying
 * why it does not verify. Any other token gives undefined, for the other authenticators.
 */
export function createSelfSignedJwtAuthenticator(options: SelfSignedJwtOptions) {
  return async function authenticate(token: string): Promise<Caller | undefined> {
    let claims: JWTPayload
    let header: { alg?: string | undefined; kid?: string | undefined }
    try {
      claims = decodeJwt(token)
      header = decodeProtectedHeader(token)
    } catch {
      return undefined
    }
    if (typeof claims.iss !== 'string' || !SERVICE_ACCOUNT_EMAIL.test(claims.iss)) return undefined
    const email = claims.iss.toLowerCase()
    if (header.alg !== 'RS256') throw invalid(`is signed with ${String(header.alg)}, not RS256`)
    if (typeof claims.sub !== 'string' || claims.sub.toLowerCase() !== email) {
      throw invalid(`has sub [${String(claims.sub)}]; it must equal iss [${email}]`)
    }
    const sa = await options.store.getServiceAccount(email)
    if (sa === undefined || sa.email !== email || sa.disabled) {
      throw invalid(`names the account [${email}], which does not exist or is disabled`)
    }
    // Compat: with a kid (keyFilename), only that key; without one (`credentials` holding only
    // client_email and private_key), any of the account's keys.
    let candidates: readonly ServiceAccountKeyRecord[]
    if (typeof header.kid === 'string') {
      const key = await options.store.getServiceAccountKey(header.kid)
      candidates = key === undefined || key.serviceAccountEmail !== email ? [] : [key]
    } else {
      candidates = await options.store.listServiceAccountKeys(email)
    }
    const nowMs = options.now()
    let payload: JWTPayload | undefined
    let lastError: unknown
    for (const key of candidates) {
      if (key.disabled || Date.parse(key.validBeforeTime) <= nowMs) continue
      try {
        ;({ payload } = await jwtVerify(token, createPublicKey(key.publicKeyPem), {
          algorithms: ['RS256'],
          clockTolerance: CLOCK_SKEW_SECONDS,
          currentDate: new Date(nowMs),
          requiredClaims: ['iat', 'exp'],
        }))
        break
      } catch (err) {
        lastError = err
      }
    }
    if (payload === undefined) {
      throw invalid('is not signed by an enabled key of the account, or has expired', lastError)
    }
    const iat = payload.iat ?? 0
    const exp = payload.exp ?? 0
    if (exp - iat > MAX_LIFETIME_SECONDS || iat > nowMs / 1000 + CLOCK_SKEW_SECONDS) {
      throw invalid('must be issued now and live at most one hour')
    }
    const audiences = audiencesOf(payload)
    const scope = payload['scope']
    const hasScope = typeof scope === 'string' && scope.trim() !== ''
    if (audiences.length > 0 ? !audiences.some(isApiAudience) : !hasScope) {
      throw invalid(
        audiences.length > 0
          ? `has aud [${audiences.join(', ')}], which is not an API runiam serves (e.g. https://run.googleapis.com/)`
          : 'has neither aud nor scope',
      )
    }
    return { member: `serviceAccount:${email}`, email }
  }
}
