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
  decodeProtectedHeader,
  errors as joseErrors,
  jwtVerify,
  type CompactJWSHeaderParameters,
  type FlattenedJWSInput,
  type ProtectedHeaderParameters,
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
   * its key was dropped must not outlive the key in the cache.
   */
  verifies?(kid: string | undefined): boolean
  /**
   * For an issuer without `verifies`: its current key set as one object that is replaced (a new
   * identity) whenever a key is added or dropped (a JWKS file: the set read at start). With it, a
   * remembered token is served while the set is the one it was verified under; with neither, each
   * reuse asks `keys` for the token's key again and is served from memory only if that is still
   * the very key that verified it (a JWKS URL, which jose refetches).
   */
  readonly keySet?: () => object
}

/** Compat: Google's own ID tokens live one hour; a day is generous for any issuer. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 24 * 3600

export interface TokenVerifier {
  /** Verifies `token` for one of `audiences`; throws IamError UNAUTHENTICATED with the reason. */
  verify(token: string, audiences: readonly string[]): Promise<Caller>
  /**
   * Synchronously, for a token verified before under the issuer's current key set: its caller, or
   * the same IamError verify() would throw (expired, another audience). undefined when the token
   * must go through verify() (never seen, evicted, its issuer's keys changed or not comparable).
   */
  remembered(token: string, audiences: readonly string[]): Caller | undefined
}

/**
 * Which check a token failed, as the gateway's access log names it (`check`): short, stable words
 * an operator can grep for (docs/troubleshooting.md lists them).
 */
export type TokenCheck =
  | 'not-a-jwt'
  | 'untrusted-issuer'
  | 'bad-signature'
  | 'expired'
  | 'wrong-audience'
  | 'bad-claim'
  | 'issued-in-future'
  | 'lifetime-too-long'
  | 'no-identity'
  /** The service account the token speaks for is disabled or deleted (account-standing.ts). */
  | 'account-not-in-force'

function invalid(why: string, check: TokenCheck, cause?: unknown): IamError {
  return new IamError(
    Code.UNAUTHENTICATED,
    'ID_TOKEN_INVALID',
    `The access token could not be verified: ${why}.`,
    cause === undefined ? { metadata: { check } } : { metadata: { check }, cause },
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
  if (iat > nowMs / 1000 + tolerance)
    throw invalid('it was issued in the future', 'issued-in-future')
  const maxLifetime = issuer.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
  if (exp - iat > maxLifetime) {
    throw invalid(
      `it lives longer than ${maxLifetime} seconds, the most this issuer may grant`,
      'lifetime-too-long',
    )
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
      throw invalid('the token has no valid email claim', 'no-identity')
    }
    // Compat: Google's ID tokens carry email_verified true; anything else (absent, "true") is no
    // proof that the issuer checked the address.
    if (payload['email_verified'] !== true)
      throw invalid("the token's email is not verified", 'no-identity')
    if (isServiceAccountEmail(email) && issuer.allowServiceAccounts !== true) {
      throw invalid(`issuer ${issuer.issuer} may not speak for service accounts`, 'no-identity')
    }
    // The subject tells a token of a deleted account from one of its namesake (account-standing.ts).
    return typeof payload.sub === 'string'
      ? { ...base, member, email, subject: payload.sub }
      : { ...base, member, email }
  }
  const sub = payload.sub
  if (typeof sub !== 'string' || sub === '' || /[\s/]/.test(sub) || sub.length > 256)
    throw invalid('the token has no usable sub claim', 'no-identity')
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
  /** issuer.keySet() when the token was verified, if the issuer has one. */
  readonly keySet: object | undefined
  /** The key that verified the signature, and what `keys` was asked for it. */
  readonly key: unknown
  readonly header: CompactJWSHeaderParameters
  readonly input: FlattenedJWSInput
}

const audiencesOf = (payload: JWTPayload): string[] =>
  typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : []

/**
 * A token is verified cryptographically (signature, algorithm, issuer, iat/nbf) once; its
 * identity, audiences and expiry are then kept by the token's exact text, and every later use
 * re-checks expiry and audience against that request, and that the issuer still holds the key
 * that verified it (a dropped key's tokens are refused at once, as verify() would). Signature
 * checks dominate the gateway's per-request cost, and a token is normally reused for its whole
 * life. Failures are not cached.
 */
export function createTokenVerifier(options: {
  readonly issuers: readonly TrustedIssuer[]
  readonly now: () => number
  /** Allowed clock skew in seconds. */
  readonly clockToleranceSeconds?: number
}): TokenVerifier {
  const byIssuer = new Map<string, TrustedIssuer>()
  for (const i of options.issuers) {
    // One `iss`, one set of keys: a later entry would silently judge the earlier one's tokens (a
    // trusted issuer naming runiam's own issuer URL would let its keys speak for runiam's).
    if (byIssuer.has(i.issuer)) {
      throw new IamError(
        Code.INVALID_ARGUMENT,
        'INVALID_CONFIG',
        `Token issuer ${JSON.stringify(i.issuer)} is listed twice (trustedIssuers, or runiam's own issuer URL): each issuer's tokens must be checked with one set of keys.`,
      )
    }
    byIssuer.set(i.issuer, i)
  }
  const tolerance = options.clockToleranceSeconds ?? 30
  const cache = new Map<string, Verified>()
  // The entry the last lookup found, by its token: a client sends the same token request after
  // request, and comparing two equal strings is a memcmp where a Map lookup hashes every
  // character of a fresh ~1 KB header string. Only ever an entry the cache still holds (drop()).
  let lastToken: string | undefined
  let lastEntry: Verified | undefined

  function lookup(token: string): Verified | undefined {
    if (token === lastToken) return lastEntry
    const hit = cache.get(token)
    if (hit !== undefined) {
      lastToken = token
      lastEntry = hit
    }
    return hit
  }

  function drop(token: string): void {
    cache.delete(token)
    if (token === lastToken) {
      lastToken = undefined
      lastEntry = undefined
    }
  }

  function admit(entry: Verified, audiences: readonly string[]): Caller {
    // jose's rule (a first check): expired once exp <= now - tolerance, in whole seconds.
    if (entry.exp <= Math.floor(options.now() / 1000) - tolerance)
      throw invalid('it has expired', 'expired')
    if (entry.issuer.verifies !== undefined && !entry.issuer.verifies(entry.kid))
      throw invalid("its signature does not verify with the issuer's keys", 'bad-signature')
    if (!entry.audiences.some((a) => audiences.includes(a)))
      throw invalid('claim aud is not acceptable', 'wrong-audience')
    return entry.identity
  }

  /**
   * The remembered entry when it can be judged without asking for keys: its issuer says which keys
   * it still accepts (admit asks), or its key set is provably the one it was verified under.
   */
  function current(token: string): Verified | undefined {
    const hit = lookup(token)
    if (hit === undefined) return undefined
    if (hit.issuer.verifies !== undefined) return hit
    if (hit.keySet === undefined) return undefined
    if (hit.issuer.keySet?.() === hit.keySet) return hit
    drop(token)
    return undefined
  }

  /** Whether the issuer's keys still give the very key that verified the entry. */
  async function keyStillHeld(entry: Verified): Promise<boolean> {
    try {
      return (await entry.issuer.keys(entry.header, entry.input)) === entry.key
    } catch {
      return false
    }
  }

  /**
   * For a token of an unknown issuer whose key id is one of runiam's own keys: a replica given
   * another issuer URL (or none, so its listen address) mints tokens the others refuse, which
   * behind a load balancer shows as 401s now and then. Only a hint (nothing is verified here).
   */
  function ownKeyHint(kid: string | undefined): string {
    for (const i of byIssuer.values()) {
      if (i.verifies?.(kid) === true) {
        return ` (its key id is one of ${i.issuer}'s: give every replica the same --issuer-url)`
      }
    }
    return ''
  }

  async function verifyFully(token: string, audiences: readonly string[]): Promise<Caller> {
    let claims: JWTPayload
    let header: ProtectedHeaderParameters
    try {
      claims = decodeJwt(token)
      header = decodeProtectedHeader(token)
    } catch (cause) {
      throw invalid('it is not a JWT', 'not-a-jwt', cause)
    }
    const issuer = typeof claims.iss === 'string' ? byIssuer.get(claims.iss) : undefined
    if (issuer === undefined)
      throw invalid(
        `issuer ${JSON.stringify(claims.iss ?? null)} is not trusted${ownKeyHint(header.kid)}`,
        'untrusted-issuer',
      )
    // Read before the keys are asked: a set replaced while verifying never vouches for the entry.
    const keySet = issuer.keySet?.()
    let payload: JWTPayload
    let key: unknown
    try {
      ;({ payload, key } = await jwtVerify(token, issuer.keys, {
        issuer: issuer.issuer,
        algorithms: [...ACCEPTED_ALGORITHMS],
        clockTolerance: tolerance,
        currentDate: new Date(options.now()),
        requiredClaims: ['exp', 'iat', 'aud'],
      }))
    } catch (cause) {
      if (cause instanceof joseErrors.JWTExpired) throw invalid('it has expired', 'expired', cause)
      if (cause instanceof joseErrors.JWTClaimValidationFailed) {
        throw invalid(
          `claim ${cause.claim} is not acceptable`,
          cause.claim === 'aud' ? 'wrong-audience' : 'bad-claim',
          cause,
        )
      }
      throw invalid("its signature does not verify with the issuer's keys", 'bad-signature', cause)
    }
    const [protectedPart = '', payloadPart = '', signature = ''] = token.split('.')
    const entry: Verified = {
      identity: mapIdentity(issuer, payload, options.now(), tolerance),
      audiences: audiencesOf(payload),
      exp: payload.exp ?? 0,
      issuer,
      kid: header.kid,
      keySet,
      key,
      // jwtVerify succeeded, so the header names its algorithm.
      header: header as CompactJWSHeaderParameters,
      input: { protected: protectedPart, payload: payloadPart, signature },
    }
    if (cache.size >= VERIFIED_TOKEN_CACHE_SIZE) {
      const oldest = cache.keys().next().value
      if (oldest !== undefined) drop(oldest)
    }
    drop(token)
    cache.set(token, entry)
    return admit(entry, audiences)
  }

  return {
    remembered(token, audiences) {
      const hit = current(token)
      return hit === undefined ? undefined : admit(hit, audiences)
    },
    async verify(token, audiences) {
      const hit = lookup(token)
      if (hit !== undefined) {
        if (
          current(token) !== undefined ||
          (hit.issuer.verifies === undefined &&
            hit.keySet === undefined &&
            (await keyStillHeld(hit)))
        )
          return admit(hit, audiences)
        drop(token)
      }
      return verifyFully(token, audiences)
    },
  }
}
