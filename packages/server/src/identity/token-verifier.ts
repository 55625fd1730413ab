// Verifies OIDC ID tokens from runiam's own issuer and from trusted external issuers, and maps
// each to the IAM member it speaks for. Used by the invoker gateway (audience = the service URL)
// and, for external issuers, by the admin API. Only asymmetric algorithms are accepted, so
// `alg: none` and HMAC-signed-with-the-public-key forgeries fail before any key is looked at.
//
// What an external issuer's token may claim is narrow (docs/security.md): its `email` must be
// verified (`email_verified` the boolean true), ASCII, and never a service account's or the
// server's own bootstrap identity unless that issuer is trusted for service accounts; it may not be
// issued in the future or live longer than the issuer's maximum (24 h by default).
import {
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTHeaderParameters,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { Code, IamError } from '@runiam/core'
import { isServiceAccountEmail, memberForEmail } from '@runiam/core'
import type { Caller } from '../services/caller.js'

export const ACCEPTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'] as const

/** How a trusted issuer's claims become a member. */
export type ClaimMapping =
  | { readonly kind: 'email' }
  /** `sub` → principal://…/subject/SUB; the template contains `{sub}`. */
  | { readonly kind: 'subject'; readonly template: string }

export interface TrustedIssuer {
  readonly issuer: string
  readonly keys: JWTVerifyGetKey
  readonly mapping: ClaimMapping
  /**
   * Whether its `email` claim may name a service account (*.gserviceaccount.com, the bootstrap
   * account included). Only runiam's own issuer, and external issuers configured with
   * `allowServiceAccounts: true`, are.
   */
  readonly allowServiceAccounts?: boolean
  /** Longest accepted lifetime (exp − iat), seconds. Default 24 h. */
  readonly maxLifetimeSeconds?: number
  /**
   * Whether a token signed by this key may still be accepted, asked again on every use of a token
   * verified earlier: runiam's own keys are dropped on a schedule, and a token verified before
   * its key was dropped must not outlive the key in the cache. Absent: keys are never withdrawn.
   */
  verifies?(kid: string | undefined): boolean
}

/** Compat: Google's own ID tokens live one hour; a day is generous for any issuer. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600

export interface TokenVerifier {
  /** Verifies `token` for one of `audiences`; throws IamError UNAUTHENTICATED with the reason. */
  verify(token: string, audiences: readonly string[]): Promise<Caller>
}

function invalid(why: string, cause?: unknown): IamError {
  return new IamError(
    Code.UNAUTHENTICATED,
    'ID_TOKEN_INVALID',
    `The access token could not be verified: ${why}.`,
    cause === undefined ? {} : { cause },
  )
}

function mapIdentity(
  issuer: TrustedIssuer,
  payload: JWTPayload,
  nowMs: number,
  tolerance: number,
): Caller {
  const iat = payload.iat ?? 0
  const exp = payload.exp ?? 0
  if (iat > nowMs / 1000 + tolerance) throw invalid('it was issued in the future')
  const maxLifetime = issuer.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
  if (exp - iat > maxLifetime) {
    throw invalid(`it lives longer than ${maxLifetime} seconds, the most this issuer may grant`)
  }
  const base = {
    credential: 'id-token' as const,
    issuer: issuer.issuer,
    ...(payload.exp === undefined ? {} : { expiresAt: payload.exp * 1000 }),
  }
  if (issuer.mapping.kind === 'email') {
    const email = payload['email']
    const member = typeof email === 'string' ? memberForEmail(email) : undefined
    if (typeof email !== 'string' || member === undefined) {
      throw invalid('the token has no valid email claim')
    }
    // Compat: Google's ID tokens carry email_verified true; anything else (absent, "true") is no
    // proof that the issuer checked the address.
    if (payload['email_verified'] !== true) throw invalid("the token's email is not verified")
    if (isServiceAccountEmail(email) && issuer.allowServiceAccounts !== true) {
      throw invalid(`issuer ${issuer.issuer} may not speak for service accounts`)
    }
    return { ...base, member, email }
  }
  const sub = payload.sub
  if (typeof sub !== 'string' || sub === '' || /[\s/]/.test(sub) || sub.length > 256)
    throw invalid('the token has no usable sub claim')
  return { ...base, member: issuer.mapping.template.replaceAll('{sub}', sub) }
}

/** Verified tokens kept (by their exact text) so a token is checked cryptographically once. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000

interface Verified {
  readonly identity: Caller
  readonly audiences: readonly string[]
  /** Seconds since the epoch. */
  readonly exp: number
  readonly issuer: TrustedIssuer
  readonly kid: string | undefined
}

const audiencesOf = (payload: JWTPayload): string[] =>
  typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : []

/**
 * A token is verified cryptographically (signature, algorithm, issuer, iat/nbf) once; its
 * identity, audiences and expiry are then kept by the token's exact text, and every later use
 * re-checks expiry and audience against that request. Signature checks dominate the gateway's
 * per-request cost, and a token is normally reused for its whole life. Failures are not cached.
 */
export function createTokenVerifier(options: {
  readonly issuers: readonly TrustedIssuer[]
  readonly now: () => number
  /** Allowed clock skew in seconds. */
  readonly clockToleranceSeconds?: number
}): TokenVerifier {
  const byIssuer = new Map(options.issuers.map((i) => [i.issuer, i]))
  const tolerance = options.clockToleranceSeconds ?? 30
  const cache = new Map<string, Verified>()

  function admit(entry: Verified, audiences: readonly string[]): Caller {
    if (options.now() / 1000 - tolerance > entry.exp) throw invalid('it has expired')
    if (entry.issuer.verifies !== undefined && !entry.issuer.verifies(entry.kid))
      throw invalid("its signature does not verify with the issuer's keys")
    if (!entry.audiences.some((a) => audiences.includes(a)))
      throw invalid('claim aud is not acceptable')
    return entry.identity
  }

  return {
    async verify(token, audiences) {
      const hit = cache.get(token)
      if (hit !== undefined) return admit(hit, audiences)
      let claims: JWTPayload
      try {
        claims = decodeJwt(token)
      } catch (cause) {
        throw invalid('it is not a JWT', cause)
      }
      const issuer = typeof claims.iss === 'string' ? byIssuer.get(claims.iss) : undefined
      if (issuer === undefined)
        throw invalid(`issuer ${JSON.stringify(claims.iss ?? null)} is not trusted`)
      let payload: JWTPayload
      let kid: string | undefined
      try {
        let protectedHeader: JWTHeaderParameters
        ;({ payload, protectedHeader } = await jwtVerify(token, issuer.keys, {
          issuer: issuer.issuer,
          algorithms: [...ACCEPTED_ALGORITHMS],
          clockTolerance: tolerance,
          currentDate: new Date(options.now()),
          requiredClaims: ['exp', 'iat', 'aud'],
        }))
        kid = protectedHeader.kid
      } catch (cause) {
        if (cause instanceof joseErrors.JWTExpired) throw invalid('it has expired', cause)
        if (cause instanceof joseErrors.JWTClaimValidationFailed) {
          throw invalid(`claim ${cause.claim} is not acceptable`, cause)
        }
        throw invalid("its signature does not verify with the issuer's keys", cause)
      }
      const entry: Verified = {
        identity: mapIdentity(issuer, payload, options.now(), tolerance),
        audiences: audiencesOf(payload),
        exp: payload.exp ?? 0,
        issuer,
        kid,
      }
      if (cache.size >= VERIFIED_TOKEN_CACHE_SIZE) {
        const oldest = cache.keys().next().value
        if (oldest !== undefined) cache.delete(oldest)
      }
      cache.set(token, entry)
      return admit(entry, audiences)
    },
  }
}
