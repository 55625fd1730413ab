// The OAuth 2.0 JWT-bearer grant (RFC 7523) for service account key files, as Google's token
// endpoint runs it: the assertion is a JWT signed with the key file's private key (RS256,
// kid = private_key_id, iss = client_email, aud = token_uri, at most one hour long). A `scope`
// claim gets an access token; a `target_audience` claim gets `{id_token}` only. Refusals are
// OAuth's `invalid_grant` (400), the way Google words them.
import { createPublicKey } from 'node:crypto'
import {
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
} from 'jose'
import type { ServiceAccountKeyRecord, StoreReader } from '@runiam/store'
import type { Issuer } from './issuer.js'

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

// Compat: google-auth-library (gtoken) signs with aud = Google's token URL whatever the key file
// says, and sends no kid; Google's endpoint also accepts its older v4 URL. runiam keys are known
// only to runiam, so accepting these audiences lets unmodified code work without widening trust.
const GOOGLE_TOKEN_AUDIENCES = [
  'https://oauth2.googleapis.com/token',
  'https://www.googleapis.com/oauth2/v4/token',
]

const MAX_ASSERTION_SECONDS = 3600
const CLOCK_SKEW_SECONDS = 30

export type GrantOutcome =
  | { readonly ok: true; readonly body: Record<string, unknown>; readonly email: string }
  | {
      readonly ok: false
      readonly status: number
      readonly error: string
      readonly description: string
    }

export interface JwtBearerGrantOptions {
  readonly store: Pick<
    StoreReader,
    'getServiceAccount' | 'getServiceAccountKey' | 'listServiceAccountKeys'
  >
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

async function verifyWith(
  assertion: string,
  key: ServiceAccountKeyRecord,
  audiences: readonly string[],
  nowMs: number,
): Promise<JWTPayload> {
  const publicKey = createPublicKey(key.publicKeyPem)
  const { payload } = await jwtVerify(assertion, publicKey, {
    algorithms: ['RS256'],
    audience: [...audiences],
    clockTolerance: CLOCK_SKEW_SECONDS,
    currentDate: new Date(nowMs),
    requiredClaims: ['iss', 'exp', 'iat', 'aud'],
  })
  return payload
}

/** Runs the grant for one assertion. Never throws for a bad assertion: it answers a refusal. */
export function createJwtBearerGrant(options: JwtBearerGrantOptions) {
  const audiences = [
    options.tokenUri,
    options.tokenUri.endsWith('/') ? options.tokenUri.slice(0, -1) : `${options.tokenUri}/`,
    ...GOOGLE_TOKEN_AUDIENCES,
  ]
  return async function exchange(assertion: string): Promise<GrantOutcome> {
    if (assertion === '') return refuse('Missing required parameter: assertion', 'invalid_request')
    let claims: JWTPayload
    let kid: string | undefined
    try {
      claims = decodeJwt(assertion)
      const header = decodeProtectedHeader(assertion)
      if (header.alg !== 'RS256') return refuse(BAD_SIGNATURE)
      kid = typeof header.kid === 'string' ? header.kid : undefined
    } catch {
      return refuse(
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      )
    }
    const iss = typeof claims.iss === 'string' ? claims.iss.toLowerCase() : ''
    if (iss === '') return refuse('Invalid JWT: the iss claim is missing.')
    const sa = await options.store.getServiceAccount(iss)
    if (sa === undefined || sa.email !== iss || sa.disabled) return refuse(ACCOUNT_NOT_FOUND)
    // Compat: with a kid, only that key; without one (gtoken), any of the account's keys.
    let candidates: readonly ServiceAccountKeyRecord[]
    if (kid !== undefined) {
      const key = await options.store.getServiceAccountKey(kid)
      candidates = key === undefined || key.serviceAccountEmail !== sa.email ? [] : [key]
    } else {
      candidates = await options.store.listServiceAccountKeys(sa.email)
    }
    const nowMs = options.now()
    let payload: JWTPayload | undefined
    let lastError: unknown
    for (const key of candidates) {
      if (key.disabled || Date.parse(key.validBeforeTime) <= nowMs) continue
      try {
        payload = await verifyWith(assertion, key, audiences, nowMs)
        break
      } catch (err) {
        lastError = err
        if (!(err instanceof joseErrors.JWSSignatureVerificationFailed)) break
      }
    }
    if (payload === undefined) {
      if (lastError instanceof joseErrors.JWTExpired) {
        return refuse(
          'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
        )
      }
      if (lastError instanceof joseErrors.JWTClaimValidationFailed) {
        return refuse(`Invalid JWT: the ${lastError.claim} claim is not acceptable.`)
      }
      return refuse(BAD_SIGNATURE)
    }
    const iat = payload.iat ?? 0
    const exp = payload.exp ?? 0
    if (exp - iat > MAX_ASSERTION_SECONDS || iat > nowMs / 1000 + CLOCK_SKEW_SECONDS) {
      return refuse(
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      )
    }
    if (payload.sub !== undefined && payload.sub.toLowerCase() !== sa.email) {
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
    const { token, expiresIn } = await options.issuer.signAccessToken(sa.email)
    return {
      ok: true,
      body: { access_token: token, expires_in: expiresIn, token_type: 'Bearer' },
      email: sa.email,
    }
  }
}
