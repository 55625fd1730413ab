// runiam as an OpenID Connect issuer: signs access tokens (for the admin API) and ID tokens
// (audience = a service URL, for the gateway), and verifies its own access tokens.
//
// A verified access token is remembered by its exact text, so its RSA signature is checked once
// (it was ~15% of an admin write's CPU): every later use re-checks its expiry against the clock
// and that the key which signed it has not been dropped since, and anything else goes through the
// full check again. Failures are never remembered; the memory is bounded (oldest dropped first).
import { CLOUD_PLATFORM_SCOPE } from '@runiam/api'
import { createHash } from 'node:crypto'
import { SignJWT, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose'
import { asciiLower, Code, IamError, memberForEmail } from '@runiam/core'
import type { Caller } from '../services/caller.js'
import { SIGNING_ALG, type SigningKey } from './signing-keys.js'

const ACCESS_TOKEN_TYP = 'at+jwt'

/** Where the issuer's keys come from (signing-key-ring.ts: they follow the store and the time). */
export interface IssuerKeys {
  /** The key that signs now. */
  signingKey(): Promise<SigningKey>
  /** Looks up the public key a token's header names, among the keys that verify now. */
  readonly getKey: JWTVerifyGetKey
  /**
   * Whether a token signed by `kid` may still be accepted (the key is known and not dropped); asked
   * on every use of a remembered token, so a dropped key's tokens are refused at once.
   */
  verifies(kid: string): boolean
}

/** Verified access tokens kept by their exact text (the same bound as ID tokens). */
export const VERIFIED_ACCESS_TOKEN_CACHE_SIZE = 10_000
/** Allowed clock skew, seconds: the same for a first check (jose) and a remembered token. */
const CLOCK_TOLERANCE_SECONDS = 30

interface VerifiedAccessToken {
  readonly caller: Caller
  /** Seconds since the epoch. */
  readonly exp: number
  readonly kid: string
}

export interface IssuerOptions {
  readonly issuer: string
  readonly keys: IssuerKeys
  readonly lifetimeSeconds: number
  readonly now: () => number
}

/** A stable numeric subject for an email, shaped like Google's 21-digit account ids. */
export function subjectFor(email: string): string {
  const digest = createHash('sha256').update(asciiLower(email)).digest()
  return (BigInt(`0x${digest.subarray(0, 9).toString('hex')}`) % 10n ** 21n)
    .toString()
    .padStart(21, '1')
}

export interface Issuer {
  readonly issuer: string
  /**
   * `lifetimeSeconds` defaults to the configured token lifetime; `subject` to subjectFor(email). A
   * service account's is its unique id: the admin API then refuses the token once the account is
   * disabled, deleted, or deleted and made again under the same email (authenticate.ts).
   */
  signAccessToken(
    email: string,
    lifetimeSeconds?: number,
    subject?: string,
  ): Promise<{ token: string; expiresIn: number }>
  /** `subject` defaults to subjectFor(email); a service account's is its unique id. */
  signIdToken(email: string, audience: string, subject?: string): Promise<string>
  /** Verifies a runiam access token; throws IamError UNAUTHENTICATED when it does not verify. */
  verifyAccessToken(token: string): Promise<Caller>
  /**
   * The caller of an access token verified before, still inside its life and signed by a key not
   * dropped (what verifyAccessToken would answer at once); undefined otherwise.
   */
  rememberedAccessToken(token: string): Caller | undefined
}

export function createIssuer(options: IssuerOptions): Issuer {
  const { issuer, keys, lifetimeSeconds, now } = options
  const verified = new Map<string, VerifiedAccessToken>()
  /** The remembered caller, if the token is still inside its life and its key still verifies. */
  const remembered = (token: string): Caller | undefined => {
    const hit = verified.get(token)
    if (hit === undefined) return undefined
    // jose's rule: expired once exp <= now - tolerance, in whole seconds.
    if (hit.exp > Math.floor(now() / 1000) - CLOCK_TOLERANCE_SECONDS && keys.verifies(hit.kid))
      return hit.caller
    // Expired or its key dropped: forget it; the full check gives the same answer as before.
    verified.delete(token)
    return undefined
  }
  const remember = (token: string, entry: VerifiedAccessToken): void => {
    if (verified.size >= VERIFIED_ACCESS_TOKEN_CACHE_SIZE) {
      const oldest = verified.keys().next().value
      if (oldest !== undefined) verified.delete(oldest)
    }
    verified.set(token, entry)
  }
  const sign = async (
    claims: Record<string, unknown>,
    typ: string,
    aud: string,
    sub: string,
    lifetime = lifetimeSeconds,
  ) => {
    const key = await keys.signingKey()
    const iat = Math.floor(now() / 1000)
    return new SignJWT(claims)
      .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ })
      .setIssuer(issuer)
      .setSubject(sub)
      .setAudience(aud)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetime)
      .sign(key.privateKey)
  }
  return {
    issuer,
    async signAccessToken(email, lifetime = lifetimeSeconds, subject = subjectFor(email)) {
      const token = await sign(
        { email, scope: CLOUD_PLATFORM_SCOPE },
        ACCESS_TOKEN_TYP,
        issuer,
        subject,
        lifetime,
      )
      return { token, expiresIn: lifetime }
    },
    signIdToken(email, audience, subject = subjectFor(email)) {
      // Compat: Google's service account ID tokens carry azp = sub = the account's unique id.
      const azp = subject === subjectFor(email) ? email : subject
      return sign({ email, email_verified: true, azp }, 'JWT', audience, subject)
    },
    rememberedAccessToken: remembered,
    async verifyAccessToken(token) {
      const known = remembered(token)
      if (known !== undefined) return known
      try {
        const { payload, protectedHeader } = await jwtVerify(token, keys.getKey, {
          issuer,
          audience: issuer,
          typ: ACCESS_TOKEN_TYP,
          algorithms: [SIGNING_ALG],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(now()),
        })
        const email = payload['email']
        const member = typeof email === 'string' ? memberForEmail(email) : undefined
        if (typeof email !== 'string' || member === undefined) throw new Error('no email claim')
        const caller: Caller = Object.freeze({
          member,
          email,
          credential: 'access-token',
          issuer,
          ...(payload.sub === undefined ? {} : { subject: payload.sub }),
          ...(payload.exp === undefined ? {} : { expiresAt: payload.exp * 1000 }),
        })
        // Only what a remembered use can re-check completely: an expiry, a kid, no not-before.
        if (
          payload.exp !== undefined &&
          payload.nbf === undefined &&
          typeof protectedHeader.kid === 'string'
        ) {
          remember(token, { caller, exp: payload.exp, kid: protectedHeader.kid })
        }
        return caller
      } catch (cause) {
        const expired = cause instanceof joseErrors.JWTExpired
        throw new IamError(
          Code.UNAUTHENTICATED,
          'ACCESS_TOKEN_INVALID',
          expired
            ? 'Request had invalid authentication credentials: the access token has expired. Run `runiam auth login` again.'
            : 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
          { cause },
        )
      }
    },
  }
}
