// The one check of a JWT a service account signed with one of its keys, shared by the OAuth
// JWT-bearer grant (key files exchanging an assertion at the token endpoint) and by self-signed
// JWTs sent straight to the admin API (AIP-4111). It decides who signed and whether the signature,
// algorithm and timing hold; each caller adds its own audience rules and its own error wording.
//
// Cost is bounded whatever the token says: an unknown `kid` or a key of another account fails
// before any cryptography, a token without `kid` is tried against at most the account's enabled
// keys (10 at most, Google's limit) with node:crypto's plain signature check, jose runs only for
// a key whose signature verified, and parsed public keys are kept by key id.
import { createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto'
import {
  decodeJwt,
  decodeProtectedHeader,
  errors as joseErrors,
  UnsecuredJWT,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose'
import { asciiLower } from '@runiam/core'
import type { ServiceAccountKeyRecord, ServiceAccountRecord, StoreReader } from '@runiam/store'

// Compat: a service account's assertion (and a self-signed JWT) lives at most one hour.
export const MAX_ASSERTION_SECONDS = 3600
export const CLOCK_SKEW_SECONDS = 30

export type AssertionStore = Pick<
  StoreReader,
  'getServiceAccount' | 'getServiceAccountKey' | 'listServiceAccountKeys'
>

export type AssertionFailure =
  /** Not a JWS compact token. */
  | { readonly kind: 'malformed' }
  /** Signed with anything but RS256. */
  | { readonly kind: 'algorithm'; readonly alg: string }
  /** No iss claim. */
  | { readonly kind: 'no-issuer' }
  /** iss names no enabled service account. */
  | { readonly kind: 'unknown-account'; readonly email: string }
  /** No enabled key of the account verifies the signature (or the kid is not the account's). */
  | { readonly kind: 'signature'; readonly email: string }
  /** exp has passed. */
  | { readonly kind: 'expired'; readonly email: string }
  /** A required claim is missing or unacceptable (jose names it). */
  | { readonly kind: 'claim'; readonly email: string; readonly claim: string }
  /** Issued in the future, or meant to live longer than an hour. */
  | { readonly kind: 'timing'; readonly email: string }

export type AssertionResult =
  | {
      readonly ok: true
      readonly account: ServiceAccountRecord
      readonly payload: JWTPayload
    }
  | { readonly ok: false; readonly failure: AssertionFailure; readonly cause?: unknown }

export interface AssertionCheckOptions {
  readonly store: AssertionStore
  now(): number
}

/** The claims a caller wants jose to check beyond signature and timing. */
export interface AssertionRules {
  /** Accepted `aud` values (the grant's token URLs); undefined: aud is the caller's business. */
  readonly audiences?: readonly string[]
}

const KEY_CACHE_SIZE = 1024

export function createServiceAccountAssertionCheck(options: AssertionCheckOptions) {
  const publicKeys = new Map<string, KeyObject>()
  const publicKey = (key: ServiceAccountKeyRecord): KeyObject => {
    let k = publicKeys.get(key.keyId)
    if (k === undefined) {
      k = createPublicKey(key.publicKeyPem)
      if (publicKeys.size >= KEY_CACHE_SIZE) publicKeys.clear()
      publicKeys.set(key.keyId, k)
    }
    return k
  }

  /** undefined when the token does not claim to be from a service account (not a JWT, no iss). */
  function issuerOf(token: string): string | undefined {
    try {
      const iss = decodeJwt(token).iss
      return typeof iss === 'string' ? iss : undefined
    } catch {
      return undefined
    }
  }

  async function check(token: string, rules: AssertionRules = {}): Promise<AssertionResult> {
    let claims: JWTPayload
    let header: ProtectedHeaderParameters
    try {
      claims = decodeJwt(token)
      header = decodeProtectedHeader(token)
    } catch (cause) {
      return { ok: false, failure: { kind: 'malformed' }, cause }
    }
    if (header.alg !== 'RS256') {
      return { ok: false, failure: { kind: 'algorithm', alg: String(header.alg) } }
    }
    if (typeof claims.iss !== 'string' || claims.iss === '') {
      return { ok: false, failure: { kind: 'no-issuer' } }
    }
    const email = asciiLower(claims.iss)
    const account = await options.store.getServiceAccount(email)
    if (account === undefined || account.email !== email || account.disabled) {
      return { ok: false, failure: { kind: 'unknown-account', email } }
    }
    const nowMs = options.now()
    // Compat: with a kid (key files name private_key_id), only that key; without one (gtoken, or
    // `credentials` holding only client_email and private_key), any of the account's keys.
    let candidates: readonly ServiceAccountKeyRecord[]
    if (typeof header.kid === 'string') {
      const key = await options.store.getServiceAccountKey(header.kid)
      candidates = key === undefined || key.serviceAccountEmail !== email ? [] : [key]
    } else {
      candidates = await options.store.listServiceAccountKeys(email)
    }
    // The signature is checked with node:crypto's synchronous verify (about 20 µs a key), not
    // jose's WebCrypto path, which costs several times more on Node 20 and hops to the thread pool:
    // a forged token costs at most that per candidate key (a kid-less one is tried against every
    // key), and a valid one is decided in one turn of the event loop, however busy it is.
    const dot = token.lastIndexOf('.')
    const signingInput = Buffer.from(token.slice(0, dot), 'latin1')
    const signature = Buffer.from(token.slice(dot + 1), 'base64url')
    const signer = candidates.find(
      (key) =>
        !key.disabled &&
        Date.parse(key.validBeforeTime) > nowMs &&
        verifySignature('sha256', signingInput, publicKey(key), signature),
    )
    if (signer === undefined) return { ok: false, failure: { kind: 'signature', email } }
    // Then jose's own header (crit, b64) and claim-set checks, those jwtVerify runs after the
    // signature, through its unsecured-JWT decoder: the same token with the verified signature
    // taken off and the header's alg set to none.
    const unsecured = `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}${token.slice(token.indexOf('.'), dot)}.`
    let payload: JWTPayload
    try {
      ;({ payload } = UnsecuredJWT.decode(unsecured, {
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(nowMs),
        requiredClaims: ['iss', 'iat', 'exp', ...(rules.audiences === undefined ? [] : ['aud'])],
        ...(rules.audiences === undefined ? {} : { audience: [...rules.audiences] }),
      }))
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        return { ok: false, failure: { kind: 'expired', email }, cause: err }
      }
      if (err instanceof joseErrors.JWTClaimValidationFailed) {
        return { ok: false, failure: { kind: 'claim', email, claim: err.claim }, cause: err }
      }
      return { ok: false, failure: { kind: 'signature', email }, cause: err }
    }
    const iat = payload.iat ?? 0
    const exp = payload.exp ?? 0
    if (exp - iat > MAX_ASSERTION_SECONDS || iat > nowMs / 1000 + CLOCK_SKEW_SECONDS) {
      return { ok: false, failure: { kind: 'timing', email } }
    }
    return { ok: true, account, payload }
  }

  return { check, issuerOf }
}

export type ServiceAccountAssertionCheck = ReturnType<typeof createServiceAccountAssertionCheck>
