// Who is making a call, as identity/ verified it: the one Caller type from the token to the
// access log. Admin calls, the invoker gateway and every service receive it explicitly; nothing
// reads identity from ambient state.

/** How a caller proved who it is. */
export type CallerCredential =
  /** runiam's own access token (dev login, JWT-bearer grant, generateAccessToken). */
  | 'access-token'
  /** A service account's self-signed JWT (AIP-4111), verified with the account's keys. */
  | 'self-signed-jwt'
  /** An OIDC ID token of runiam's issuer or of a trusted external issuer. */
  | 'id-token'

export interface Caller {
  /** The member string: 'user:a@x' | 'serviceAccount:sa@p.iam.gserviceaccount.com' | 'principal://…'. */
  readonly member: string
  /** The verified email, when the credential carries one (principal:// callers have none). */
  readonly email?: string
  /** How the caller authenticated; absent for callers the server makes itself (delegation). */
  readonly credential?: CallerCredential
  /** The token's issuer. */
  readonly issuer?: string
  /** When the credential expires, epoch ms. */
  readonly expiresAt?: number
  /**
   * The token's subject (runiam access tokens, and ID tokens of an email-mapped issuer): for
   * runiam's own tokens, a service account's unique id when the token was minted for the account,
   * subjectFor(email) otherwise (a development login); identity/account-standing.ts reads it.
   */
  readonly subject?: string
}
