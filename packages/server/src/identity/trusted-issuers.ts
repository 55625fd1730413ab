// Builds the token verifier's issuer list: runiam's own issuer (its keys from the store, through
// signing-key-ring.ts) and the trusted external issuers of the config file (keys from a JWKS URL,
// fetched with a timeout and cached by jose, or from a JWKS file read at start).
import { readFileSync } from 'node:fs'
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet } from 'jose'
import { Code, IamError } from '@runiam/core'
import type { SigningKeyRing } from './signing-key-ring.js'
import type { TrustedIssuer } from './token-verifier.js'

function readJwksFile(path: string): JSONWebKeySet {
  try {
    const jwks = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet
    if (!Array.isArray(jwks.keys)) throw new Error('no "keys" array')
    return jwks
  } catch (cause) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_CONFIG',
      `Cannot read the JWKS file [${path}]: ${(cause as Error).message}`,
      { cause },
    )
  }
}

/** A trusted issuer as the server's configuration describes it (config/schema.ts's shape). */
export interface TrustedIssuerSettings {
  readonly issuer: string
  readonly jwksUri?: string
  readonly jwksFile?: string
  readonly claim: 'email' | 'subject'
  readonly subjectPrincipal?: string
  readonly allowServiceAccounts?: boolean
  readonly maxTokenLifetimeSeconds?: number
}

export function externalIssuers(configs: readonly TrustedIssuerSettings[]): TrustedIssuer[] {
  return configs.map((c) => ({
    issuer: c.issuer,
    // A JWKS file is read once: that object is the key set for the server's life. A remote set
    // changes when jose refetches it, which the verifier sees by asking for the token's key again.
    ...(c.jwksFile !== undefined
      ? ((jwks) => ({ keys: createLocalJWKSet(jwks), keySet: () => jwks }))(
          readJwksFile(c.jwksFile),
        )
      : {
          keys: createRemoteJWKSet(new URL(c.jwksUri ?? ''), {
            timeoutDuration: 5000,
            cooldownDuration: 30_000,
          }),
        }),
    mapping:
      c.claim === 'subject'
        ? { kind: 'subject' as const, template: c.subjectPrincipal ?? '' }
        : { kind: 'email' as const },
    ...(c.allowServiceAccounts === true ? { allowServiceAccounts: true } : {}),
    ...(c.maxTokenLifetimeSeconds === undefined
      ? {}
      : { maxLifetimeSeconds: c.maxTokenLifetimeSeconds }),
  }))
}

export function runiamIssuer(issuer: string, keys: SigningKeyRing): TrustedIssuer {
  // runiam's own ID tokens speak for service accounts (generateIdToken, key files). Its keys
  // follow the store and their schedule, so a rotation on any replica is seen here.
  return {
    issuer,
    keys: keys.getKey,
    verifies: (kid) => keys.verifies(kid),
    mapping: { kind: 'email' },
    allowServiceAccounts: true,
  }
}
