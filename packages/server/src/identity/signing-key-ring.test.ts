// The key ring follows the store and the clock: a rotation is published at once and signs after
// the delay; another process's rotation is found through an unknown kid, at most one store read a
// second however many made-up kids arrive; a dropped key verifies nothing, even a token verified
// (and cached) before, and is deleted from the store.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SignJWT, importJWK, type CryptoKey, type JWK } from 'jose'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { planRotation } from '../services/keys/key-schedule.js'
import { newSigningKey } from '../services/keys/new-signing-key.js'
import { createIssuer } from './issuer.js'
import { SigningKeyRing } from './signing-key-ring.js'
import { loadOrCreateSigningKey } from './signing-keys.js'
import { createTokenVerifier } from './token-verifier.js'
import { runiamIssuer } from './trusted-issuers.js'

const ISS = 'http://127.0.0.1:8080'
const AUD = 'http://hello-123.us-central1.run.localhost:8080'
const SECOND = 1000
const times = { activationDelayMs: 60 * SECOND, retentionMs: 3630 * SECOND }
let clock = Date.UTC(2026, 11, 3, 12)
const now = (): number => clock

let dir: string
let stores: Store[]
let rings: SigningKeyRing[]

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-ring-'))
  stores = []
  rings = []
})
afterEach(async () => {
  for (const r of rings) r.close()
  for (const s of stores) await s.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A process: its own store on the shared SQLite file, its ring, issuer and verifier. */
async function replica() {
  const store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  stores.push(store)
  const ring = await SigningKeyRing.open(store, await loadOrCreateSigningKey(store, now()), {
    now,
    resyncMs: 0,
  })
  rings.push(ring)
  const issuer = createIssuer({ issuer: ISS, keys: ring, lifetimeSeconds: 3600, now })
  const verifier = createTokenVerifier({ issuers: [runiamIssuer(ISS, ring)], now })
  return { store, ring, issuer, verifier }
}

async function rotate(store: Store): Promise<string> {
  const fresh = await newSigningKey(now())
  await store.transact(async (tx) => {
    await tx.lockSigningKeys()
    const plan = planRotation(await tx.listSigningKeys(), fresh, now(), times)
    for (const kid of plan.delete) await tx.deleteSigningKey(kid)
    for (const k of plan.put) await tx.putSigningKey(k)
  })
  return fresh.kid
}

const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string })
    .kid

describe('SigningKeyRing', () => {
  it('publishes a rotated key at once and signs with it only after the activation delay', async () => {
    const a = await replica()
    const old = kidOf(await a.issuer.signIdToken('alice@example.com', AUD))
    const oldToken = await a.issuer.signIdToken('alice@example.com', AUD)
    const fresh = await rotate(a.store)
    // This process's own commit reaches the ring at commit: the JWKS shows both keys now.
    expect((await a.ring.jwks()).keys.map((k) => k.kid).sort()).toEqual([old, fresh].sort())
    expect(kidOf(await a.issuer.signIdToken('alice@example.com', AUD))).toBe(old)
    clock += times.activationDelayMs
    expect(kidOf(await a.issuer.signIdToken('alice@example.com', AUD))).toBe(fresh)
    const { token } = await a.issuer.signAccessToken('alice@example.com')
    expect(kidOf(token)).toBe(fresh)
    await expect(a.issuer.verifyAccessToken(token)).resolves.toMatchObject({
      email: 'alice@example.com',
    })
    // The old key still verifies what it signed.
    await expect(a.verifier.verify(oldToken, [AUD])).resolves.toMatchObject({
      member: 'user:alice@example.com',
    })
  })

  it("accepts another process's just-rotated key through one reload, and no more per second", async () => {
    const a = await replica()
    const b = await replica()
    await rotate(a.store)
    clock += times.activationDelayMs
    // b's store has not refreshed: its ring does not know the new key yet.
    const token = await a.issuer.signIdToken('alice@example.com', AUD)
    const before = b.ring.reloads
    await expect(b.verifier.verify(token, [AUD])).resolves.toMatchObject({
      member: 'user:alice@example.com',
    })
    expect(b.ring.reloads).toBe(before + 1)
    // Now b signs with the new key too.
    expect(kidOf(await b.issuer.signIdToken('bob@example.com', AUD))).toBe(kidOf(token))

    // A flood of made-up kids claiming runiam's issuer: one store read a second at most.
    const foreign = await newSigningKey(now())
    const foreignKey = (await importJWK(foreign.privateJwk as JWK, 'RS256')) as CryptoKey
    const forged = (kid: string) =>
      new SignJWT({ email: 'mallory@example.com', email_verified: true })
        .setProtectedHeader({ alg: 'RS256', kid })
        .setIssuer(ISS)
        .setAudience(AUD)
        .setIssuedAt(Math.floor(clock / 1000))
        .setExpirationTime(Math.floor(clock / 1000) + 600)
        .sign(foreignKey)
    const start = b.ring.reloads
    clock += 5 * SECOND
    for (let i = 0; i < 50; i++) {
      await expect(b.verifier.verify(await forged(`made-up-${i}`), [AUD])).rejects.toMatchObject({
        status: 'UNAUTHENTICATED',
      })
    }
    expect(b.ring.reloads).toBe(start + 1)
    clock += SECOND
    await expect(b.verifier.verify(await forged('made-up-x'), [AUD])).rejects.toThrow()
    await expect(b.verifier.verify(await forged('made-up-y'), [AUD])).rejects.toThrow()
    expect(b.ring.reloads).toBe(start + 2)

    // A key of another deployment under runiam's real kid: no reload, and refused.
    const sameKid = await forged(kidOf(token))
    await expect(b.verifier.verify(sameKid, [AUD])).rejects.toMatchObject({
      message: expect.stringContaining('signature does not verify'),
    })
    await expect(
      b.issuer.verifyAccessToken(
        await new SignJWT({ email: 'mallory@example.com', scope: 'x' })
          .setProtectedHeader({ alg: 'RS256', kid: kidOf(token), typ: 'at+jwt' })
          .setIssuer(ISS)
          .setAudience(ISS)
          .setIssuedAt(Math.floor(clock / 1000))
          .setExpirationTime(Math.floor(clock / 1000) + 600)
          .sign(foreignKey),
      ),
    ).rejects.toMatchObject({ status: 'UNAUTHENTICATED' })
    expect(b.ring.reloads).toBe(start + 2)
  })

  it('drops a retired key after the retention: nothing it signed verifies, cached or not', async () => {
    const a = await replica()
    const oldKid = kidOf(await a.issuer.signIdToken('alice@example.com', AUD))
    const oldRecord = (await a.store.listSigningKeys())[0]
    const oldPrivate = (await importJWK(oldRecord?.privateJwk as JWK, 'RS256')) as CryptoKey
    await rotate(a.store)
    clock += times.activationDelayMs
    // A token made with the old key (as a leaked key would be used), verified and cached while
    // the key still verifies.
    const leaked = () =>
      new SignJWT({ email: 'mallory@example.com', email_verified: true })
        .setProtectedHeader({ alg: 'RS256', kid: oldKid })
        .setIssuer(ISS)
        .setAudience(AUD)
        .setIssuedAt(Math.floor(clock / 1000))
        .setExpirationTime(Math.floor(clock / 1000) + 20 * 3600)
        .sign(oldPrivate)
    const cached = await leaked()
    await expect(a.verifier.verify(cached, [AUD])).resolves.toBeTruthy()

    clock += times.retentionMs
    expect((await a.ring.jwks()).keys.map((k) => k.kid)).not.toContain(oldKid)
    await expect(a.verifier.verify(cached, [AUD])).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
    })
    await expect(a.verifier.verify(await leaked(), [AUD])).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
    })
    // The next reload deletes it from the store.
    await a.ring.reload()
    expect((await a.store.listSigningKeys()).map((k) => k.kid)).not.toContain(oldKid)
  })
})
