// Verifies OIDC ID tokens from runiam's own issuer and from trusted external issuers, and maps
// each to the IAM member it speaks for. Used by the invoker gateway (audience = the service URL)
// and, for external issuers, by the admin API. Only asymmetric algorithms are accepted, so
// `alg: none` and HMAC-signed-with-the-public-key forgeries fail before any key is looked at.
import {
  decodeJwt,
  errors as joseErrors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose'
import { Code, IamError } from '@runiam/core'
import { isEmail, memberForEmail } from './issuer.js'

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
}

export interface VerifiedIdentity {
  readonly member: string
  readonly email?: string
  readonly issuer: string
  readonly subject?: string
  readonly expiresAt?: number
}

export interface TokenVerifier {
  /** Verifies `token` for one of `audiences`; throws IamError UNAUTHENTICATED with the reason. */
  verify(token: string, audiences: readonly string[]): Promise<VerifiedIdentity>
}

function invalid(why: string, cause?: unknown): IamError {
  return new IamError(
    Code.UNAUTHENTICATED,
    'ID_TOKEN_INVALID',
    `The access token could not be verified: ${why}.`,
    cause === undefined ? {} : { cause },
  )
}

function mapIdentity(issuer: TrustedIssuer, payload: JWTPayload): VerifiedIdentity {
  const base = {
    issuer: issuer.issuer,
    ...(payload.sub === undefined ? {} : { subject: payload.sub }),
    ...(payload.exp === undefined ? {} : { expiresAt: payload.exp * 1000 }),
  }
  if (issuer.mapping.kind === 'email') {
    const email = payload['email']
    if (typeof email !== 'string' || !isEmail(email)) throw invalid('the token has no email claim')
    if (payload['email_verified'] === false) throw invalid("the token's email is not verified")
    return { ...base, member: memberForEmail(email), email }
  }
  const sub = payload.sub
  if (typeof sub !== 'string' || sub === '' || /[\s/]/.test(sub))
    throw invalid('the token has no usable sub claim')
  return { ...base, member: issuer.mapping.template.replaceAll('{sub}', sub) }
}

export function createTokenVerifier(options: {
  readonly issuers: readonly TrustedIssuer[]
  readonly now: () => number
  /** Allowed clock skew in seconds. */
  readonly clockToleranceSeconds?: number
}): TokenVerifier {
  const byIssuer = new Map(options.issuers.map((i) => [i.issuer, i]))
  return {
    async verify(token, audiences) {
      let claims: JWTPayload
      try {
        claims = decodeJwt(token)
      } catch (cause) {
        throw invalid('it is not a JWT', cause)
      }
      const issuer = typeof claims.iss === 'string' ? byIssuer.get(claims.iss) : undefined
      if (issuer === undefined)
        throw invalid(`issuer ${JSON.stringify(claims.iss ?? null)} is not trusted`)
      try {
        const { payload } = await jwtVerify(token, issuer.keys, {
          issuer: issuer.issuer,
          audience: [...audiences],
          algorithms: [...ACCEPTED_ALGORITHMS],
          clockTolerance: options.clockToleranceSeconds ?? 30,
          currentDate: new Date(options.now()),
          requiredClaims: ['exp', 'iat'],
        })
        return mapIdentity(issuer, payload)
      } catch (cause) {
        if (cause instanceof IamError) throw cause
        if (cause instanceof joseErrors.JWTExpired) throw invalid('it has expired', cause)
        if (cause instanceof joseErrors.JWTClaimValidationFailed) {
          throw invalid(`claim ${cause.claim} is not acceptable`, cause)
        }
        throw invalid("its signature does not verify with the issuer's keys", cause)
      }
    },
  }
}
