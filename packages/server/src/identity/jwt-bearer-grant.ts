// The OAuth 2.0 JWT-bearer grant (RFC 7523) for service account key files, as Google's token
// endpoint runs it: the assertion is a JWT signed with the key file's private key (RS256,
// kid = private_key_id, iss = client_email, aud = token_uri, at most one hour long). A `scope`
// claim gets an access token; a `target_audience` claim gets `{id_token}` only. Refusals are
// OAuth's `invalid_grant` (400), the way Google words them.
import { asciiLower } from '@runiam/core'
import type { Issuer } from './issuer.js'
import {
  createServiceAccountAssertionCheck,
  type AssertionStore,
  type ServiceAccountAssertionCheck,
} from './service-account-assertion.js'

// Compat: google-auth-library (gtoken) signs with aud = Google's token URL whatever the key file
// says, and sends no kid; Google's endpoint also accepts its older v4 URL. runiam keys are known
// only to runiam, so accepting these audiences lets unmodified code work without widening trust.
const GOOGLE_TOKEN_AUDIENCES = [
  'https://oauth2.googleapis.com/token',
  'https://www.googleapis.com/oauth2/v4/token',
]

export type GrantOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown>; readonly email: string }
  | {
      readonly ok: false
      readonly status: number
      readonly error: string
      readonly description: string
    }

export interface JwtBearerGrantOptions {
  readonly store: AssertionStore
  /** Shared with self-signed JWT authentication; made here when not given. */
  readonly assertions?: ServiceAccountAssertionCheck
  readonly issuer: Issuer
  /** runiam's token endpoint URL (the `token_uri` of its key files). */
  readonly tokenUri: string
  now(): number
}

const refuse = (description: string, error = 'invalid_grant', status = 400): GrantOutcome => ({
  ok: false,
  status,
  error,
  description,
})

// Compat: the messages of Google's token endpoint for these failures.
const BAD_SIGNATURE = 'Invalid JWT Signature.'
const ACCOUNT_NOT_FOUND = 'Invalid grant: account not found'
const TIMEFRAME =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.'

/** Runs the grant for one assertion. Never throws for a bad assertion: it answers a refusal. */
export function createJwtBearerGrant(options: JwtBearerGrantOptions) {
  const audiences = [
    options.tokenUri,
    options.tokenUri.endsWith('/') ? options.tokenUri.slice(0, -1) : `${options.tokenUri}/`,
    ...GOOGLE_TOKEN_AUDIENCES,
  ]
  const assertions =
    options.assertions ??
    createServiceAccountAssertionCheck({ store: options.store, now: () => options.now() })
  return async function exchange(assertion: string): Promise<GrantOutcome> {
    if (assertion === '') return refuse('Missing required parameter: assertion', 'invalid_request')
    const result = await assertions.check(assertion, { audiences })
    if (!result.ok) {
      switch (result.failure.kind) {
        case 'malformed':
        case 'expired':
        case 'timing':
          return refuse(TIMEFRAME)
        case 'algorithm':
        case 'signature':
          return refuse(BAD_SIGNATURE)
        case 'no-issuer':
          return refuse('Invalid JWT: the iss claim is missing.')
        case 'unknown-account':
          return refuse(ACCOUNT_NOT_FOUND)
        case 'claim':
          return refuse(`Invalid JWT: the ${result.failure.claim} claim is not acceptable.`)
      }
    }
    const { account: sa, payload } = result
    if (payload.sub !== undefined && asciiLower(payload.sub) !== sa.email) {
      // Compat: impersonating another user (domain-wide delegation) is not available.
      return refuse(
        'Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.',
        'unauthorized_client',
        401,
      )
    }
    const targetAudience = payload['target_audience']
    if (typeof targetAudience === 'string' && targetAudience !== '') {
      const idToken = await options.issuer.signIdToken(sa.email, targetAudience, sa.uniqueId)
      return { ok: true, body: { id_token: idToken }, email: sa.email }
    }
    const scope = payload['scope']
    if (typeof scope !== 'string' || scope.trim() === '') {
      return refuse('Empty or missing scope not allowed.', 'invalid_scope')
    }
    const { token, expiresIn } = await options.issuer.signAccessToken(
      sa.email,
      undefined,
      sa.uniqueId,
    )
    return {
      ok: true,
      body: { access_token: token, expires_in: expiresIn, token_type: 'Bearer' },
      email: sa.email,
    }
  }
}
