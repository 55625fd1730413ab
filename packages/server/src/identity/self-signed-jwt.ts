// Admin API authentication with a service account's self-signed JWT (AIP-4111): what Google's
// client libraries send when given a key file (`new ServicesClient({keyFilename})`,
// `credentials: {client_email, private_key}`). google-auth-library's JWTAccess signs
// {iss = sub = client_email, scope | aud, iat, exp} with the key file's private key (RS256,
// kid = private_key_id when known) and sends it as the bearer token, never calling a token
// endpoint. runiam verifies it against the account's public keys in the store.
import type { JWTPayload } from 'jose'
import { asciiLower, Code, IamError, isServiceAccountEmail } from '@runiam/core'
import type { Caller } from '../services/caller.js'
import {
  createServiceAccountAssertionCheck,
  type AssertionStore,
  type ServiceAccountAssertionCheck,
} from './service-account-assertion.js'

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
    'cloudasset',
    'recommender',
    'policytroubleshooter',
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

export interface SelfSignedJwtOptions {
  readonly store: AssertionStore
  /** Shared with the JWT-bearer grant; made here when not given. */
  readonly assertions?: ServiceAccountAssertionCheck
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
  const assertions =
    options.assertions ??
    createServiceAccountAssertionCheck({ store: options.store, now: () => options.now() })
  return async function authenticate(token: string): Promise<Caller | undefined> {
    const iss = assertions.issuerOf(token)
    if (iss === undefined || !isServiceAccountEmail(iss)) return undefined
    const result = await assertions.check(token)
    if (!result.ok) {
      const f = result.failure
      switch (f.kind) {
        case 'malformed':
        case 'no-issuer':
          throw invalid('is not a valid JWT', result.cause)
        case 'algorithm':
          throw invalid(`is signed with ${f.alg}, not RS256`)
        case 'unknown-account':
          throw invalid(`names the account [${f.email}], which does not exist or is disabled`)
        case 'timing':
          throw invalid('must be issued now and live at most one hour')
        case 'claim':
        case 'expired':
        case 'signature':
          throw invalid(
            'is not signed by an enabled key of the account, or has expired',
            result.cause,
          )
      }
    }
    const { account, payload } = result
    const email = account.email
    if (typeof payload.sub !== 'string' || asciiLower(payload.sub) !== email) {
      throw invalid(`has sub [${String(payload.sub)}]; it must equal iss [${email}]`)
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
    return {
      member: `serviceAccount:${email}`,
      email,
      credential: 'self-signed-jwt',
      issuer: email,
      ...(payload.exp === undefined ? {} : { expiresAt: payload.exp * 1000 }),
    }
  }
}
