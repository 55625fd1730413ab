// Makes a fresh signing key for runiam's issuer (RS256, a random kid). Generated outside any store
// transaction: RSA key generation takes tens of milliseconds and must not hold the write lock.
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair } from 'jose'
import type { SigningKeyRecord } from '@runiam/store'

export const SIGNING_ALG = 'RS256'

/** A new key record created at `now` (no activateTime: callers that schedule it set one). */
export async function newSigningKey(now: number): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true })
  const kid = randomUUID().replaceAll('-', '')
  return {
    kid,
    alg: SIGNING_ALG,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' },
    createTime: new Date(now).toISOString(),
  }
}
