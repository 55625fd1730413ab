// runiam's own signing key: created at first start and kept in the store (so every replica and
// every restart signs and verifies with the same key). The private JWK is a secret: never logged.
import { randomUUID } from 'node:crypto'
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose'
import type { SigningKeyRecord, Store } from '@runiam/store'

export const SIGNING_ALG = 'RS256'

export interface SigningKey {
  readonly kid: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

async function importRecord(record: SigningKeyRecord): Promise<SigningKey> {
  const privateKey = (await importJWK(record.privateJwk as JWK, record.alg)) as CryptoKey
  return { kid: record.kid, privateKey, publicJwk: record.publicJwk as JWK }
}

/** Returns the active signing key, creating one when the store has none. */
export async function loadOrCreateSigningKey(store: Store, now: number): Promise<SigningKey> {
  const active = (await store.listSigningKeys()).find((k) => k.retireTime === undefined)
  if (active !== undefined) return importRecord(active)
  const created = await store.transact(async (tx) => {
    // Another process may have created one meanwhile; the write lock makes this check exact.
    const again = (await tx.listSigningKeys()).find((k) => k.retireTime === undefined)
    if (again !== undefined) return again
    const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true })
    const kid = randomUUID().replaceAll('-', '')
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: SIGNING_ALG, use: 'sig' }
    const record: SigningKeyRecord = {
      kid,
      alg: SIGNING_ALG,
      privateJwk: { ...(await exportJWK(privateKey)), kid, alg: SIGNING_ALG },
      publicJwk,
      createTime: new Date(now).toISOString(),
    }
    await tx.putSigningKey(record)
    return record
  })
  return importRecord(created)
}

/** The public keys that verify runiam's tokens (retired keys included until they expire). */
export async function publicJwks(store: Store): Promise<{ keys: JWK[] }> {
  return { keys: (await store.listSigningKeys()).map((k) => k.publicJwk as JWK) }
}
