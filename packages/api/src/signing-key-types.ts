// Wire shapes of runiam's signing key methods (signing-key-routes.ts). Times are RFC 3339.

/** One signing key of runiam's issuer and where it is in its schedule (no key material). */
export interface SigningKeyInfo {
  readonly kid: string
  readonly alg: string
  /** PENDING: published, not signing yet · SIGNING · RETIRED: verifies only, until dropTime. */
  readonly state: 'PENDING' | 'SIGNING' | 'RETIRED'
  readonly createTime: string
  /** When it starts (or started) signing. */
  readonly activateTime: string
  /** When it stops signing (the next key's activateTime). */
  readonly retireTime?: string
  /** When it stops verifying and leaves the JWKS. */
  readonly dropTime?: string
}

/** The answer of signingKeys:rotate: the new key and every key still published. */
export interface RotateSigningKeysResponse {
  readonly key: SigningKeyInfo
  readonly keys: readonly SigningKeyInfo[]
}
