// The one authentication of the admin API: a request's `Authorization: Bearer …` becomes a Caller,
// whatever signed the token. Which verifier runs is decided by the token's (unverified) `iss`, and
// the chosen verifier then checks everything, so a token cannot pick a laxer path than its own:
// - a service account email: a self-signed JWT (AIP-4111), checked against the account's keys;
// - runiam's issuer: runiam's access token (dev login, JWT-bearer grant, generateAccessToken);
// - a trusted external issuer configured with apiAudiences: its ID token, for those audiences.
// Anything else is UNAUTHENTICATED with Google's message.
import { decodeJwt } from 'jose'
import { asciiLower, Code, IamError, isServiceAccountEmail } from '@runiam/core'
import type { Caller } from '../services/caller.js'
import { accountRefusal, speaksForAccount } from './account-standing.js'
import type { Issuer } from './issuer.js'
import type { AssertionStore, ServiceAccountAssertionCheck } from './service-account-assertion.js'
import { createSelfSignedJwtAuthenticator } from './self-signed-jwt.js'
import type { TokenVerifier } from './token-verifier.js'

// Compat: Google's answer for a missing, malformed or unverifiable credential.
const INVALID_CREDENTIALS =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'

/** UNAUTHENTICATED for a verified token whose service account is not in force, saying why. */
function refused(why: string): IamError {
  return new IamError(
    Code.UNAUTHENTICATED,
    'ACCESS_TOKEN_INVALID',
    `Request had invalid authentication credentials: ${why}.`,
  )
}

function invalidCredentials(): IamError {
  return new IamError(Code.UNAUTHENTICATED, 'ACCESS_TOKEN_INVALID', INVALID_CREDENTIALS)
}

/** The token of an `Authorization` header: undefined when there is none; throws when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined || header === '') return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (match?.[1] === undefined) throw invalidCredentials()
  return match[1]
}

export interface AuthenticatorOptions {
  readonly issuer: Pick<Issuer, 'issuer' | 'verifyAccessToken' | 'rememberedAccessToken'>
  /** Verifies ID tokens (used here for trusted issuers with API audiences). */
  readonly verifier: TokenVerifier
  /** Trusted external issuers whose ID tokens may call the admin API, with their audiences. */
  readonly apiAudiences: ReadonlyMap<string, readonly string[]>
  readonly store: AssertionStore
  /** The service account assertion check shared with the JWT-bearer grant. */
  readonly assertions?: ServiceAccountAssertionCheck
  now(): number
}

/** undefined = no credentials sent; throws IamError UNAUTHENTICATED when they do not verify. */
export type Authenticate = (authorization: string | undefined) => Promise<Caller | undefined>

export function createAuthenticator(options: AuthenticatorOptions): Authenticate {
  const selfSigned = createSelfSignedJwtAuthenticator({
    store: options.store,
    now: () => options.now(),
    ...(options.assertions === undefined ? {} : { assertions: options.assertions }),
  })
  /**
   * A service account's token, refused (as Google refuses existing access tokens) while the
   * account is disabled, once it is deleted, and when the account of that email now is another one
   * (deleted and made again): account-standing.ts's rule, read from the store on every request,
   * so a disable on any replica holds on the next request everywhere, and an enable restores the
   * tokens.
   */
  async function accountInForce(caller: Caller): Promise<Caller> {
    if (!speaksForAccount(caller)) return caller
    const account = await options.store.getServiceAccount(asciiLower(caller.email ?? ''))
    const why = accountRefusal(caller, account, options.issuer.issuer)
    if (why !== undefined) throw refused(why)
    return caller
  }

  return async (authorization) => {
    const token = bearerToken(authorization)
    if (token === undefined) return undefined
    // A runiam access token verified before (its exact text, still in force): no need to decode
    // it again to choose the verifier, it was runiam's.
    const known = options.issuer.rememberedAccessToken(token)
    if (known !== undefined) return accountInForce(known)
    let iss: unknown
    try {
      iss = decodeJwt(token).iss
    } catch {
      throw invalidCredentials()
    }
    if (typeof iss !== 'string') throw invalidCredentials()
    if (iss === options.issuer.issuer)
      return accountInForce(await options.issuer.verifyAccessToken(token))
    if (isServiceAccountEmail(iss)) {
      const caller = await selfSigned(token)
      if (caller === undefined) throw invalidCredentials()
      return caller
    }
    const audiences = options.apiAudiences.get(iss)
    if (audiences !== undefined)
      return accountInForce(await options.verifier.verify(token, audiences))
    throw invalidCredentials()
  }
}
