// Forged ID tokens against the gateway's verifier over runiam's real key ring (a SQLite store):
// whatever the header says (alg none, HMAC keyed with the public key, a key or a key URL of its
// own, a kid with path characters, a nested token) only runiam's stored keys verify its `iss`, no
// URL in a token is ever fetched, and made-up kids cost at most one store read a second. Tokens
// are judged by the keys of the issuer their `iss` names: runiam's key does not vouch for an
// external issuer's `iss` nor the reverse, and an issuer listed twice (a trusted issuer naming
// runiam's own issuer URL) is refused when the verifier is built rather than shadowing one set of
// keys with the other.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  SignJWT,
  UnsecuredJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { createIssuer } from './issuer.js'
import { SigningKeyRing } from './signing-key-ring.js'
import { loadOrCreateSigningKey } from './signing-keys.js'
import { createTokenVerifier, type TrustedIssuer } from './token-verifier.js'
import { runiamIssuer } from './trusted-issuers.js'

const ISS = 'http://127.0.0.1:8080'
const EXTERNAL = 'https://idp.example'
const AUD = 'http://hello-123.us-central1.run.localhost:8080'
const SA = 'runner@p.iam.gserviceaccount.com'
const NOW = Date.UTC(2026, 11, 4, 12)
const iat = NOW / 1000

let dir: string
let store: Store
let ring: SigningKeyRing
let fetched: number
let keyServer: Server
let keyUrl: string

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-forgery-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  ring = await SigningKeyRing.open(store, await loadOrCreateSigningKey(store, NOW), {
    now: () => NOW,
    resyncMs: 0,
  })
  // Where a forged header's jku / x5u points: it must never be asked.
  fetched = 0
  keyServer = createServer((_req, res) => {
    fetched++
    res.end('{"keys":[]}')
  })
  await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve))
  keyUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}/jwks`
})
afterEach(async () => {
  ring.close()
  await store.close()
  await new Promise<void>((resolve) => keyServer.close(() => resolve()))
  rmSync(dir, { recursive: true, force: true })
})

/** An external issuer with its own RS256 key (kid `ext`), as a JWKS file configures it. */
async function externalIssuer() {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'ext', alg: 'RS256' }
  const jwks = { keys: [publicJwk] }
  const trusted: TrustedIssuer = {
    issuer: EXTERNAL,
    keys: createLocalJWKSet(jwks),
    keySet: () => jwks,
    mapping: { kind: 'email' },
  }
  return { privateKey, publicJwk, trusted }
}

const claims = { email: SA, email_verified: true }
const signed = (
  header: Record<string, unknown>,
  key: CryptoKey | Uint8Array,
  iss = ISS,
  body: Record<string, unknown> = claims,
) =>
  new SignJWT(body)
    .setProtectedHeader({ alg: 'RS256', ...header })
    .setIssuer(iss)
    .setAudience(AUD)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(key)

/** `token` with an unknown critical header parameter, signed again with `key` (jose refuses to). */
async function withCrit(token: string, key: CryptoKey): Promise<string> {
  const header = {
    ...JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()),
    crit: ['x-runiam-test'],
    'x-runiam-test': 1,
  }
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${token.split('.')[1] ?? ''}`
  const signature = await crypto.subtle.sign(
    'RSASSA-PKCS1-v1_5',
    key,
    new TextEncoder().encode(input),
  )
  return `${input}.${Buffer.from(signature).toString('base64url')}`
}

async function runiamKey() {
  const key = await ring.signingKey()
  const record = (await store.listSigningKeys()).find((k) => k.kid === key.kid)
  return {
    kid: key.kid,
    privateKey: key.privateKey,
    privateJwk: record?.privateJwk as JWK,
    publicJwk: key.publicJwk as JWK,
  }
}

describe('forged ID tokens claiming runiam as issuer', () => {
  it('are refused whatever the header names, and no URL in them is fetched', async () => {
    const verifier = createTokenVerifier({ issuers: [runiamIssuer(ISS, ring)], now: () => NOW })
    const issuer = createIssuer({ issuer: ISS, keys: ring, lifetimeSeconds: 600, now: () => NOW })
    const genuine = await issuer.signIdToken(SA, AUD)
    await expect(verifier.verify(genuine, [AUD])).resolves.toMatchObject({
      member: `serviceAccount:${SA}`,
    })

    const own = await runiamKey()
    const attacker = await generateKeyPair('RS256')
    const attackerJwk = { ...(await exportJWK(attacker.publicKey)), kid: 'evil', alg: 'RS256' }
    const publicAsSecret = new TextEncoder().encode(JSON.stringify(own.publicJwk))
    const [, genuinePayload = ''] = genuine.split('.')
    const forgeries: Record<string, string> = {
      'alg none': new UnsecuredJWT(claims)
        .setIssuer(ISS)
        .setAudience(AUD)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 600)
        .encode(),
      'alg none with runiam kid': `${Buffer.from(JSON.stringify({ alg: 'none', kid: own.kid })).toString('base64url')}.${genuinePayload}.`,
      'HS256 keyed with the public JWK': await signed(
        { alg: 'HS256', kid: own.kid },
        publicAsSecret,
      ),
      'its own key embedded (jwk), runiam kid': await signed(
        { kid: own.kid, jwk: attackerJwk },
        attacker.privateKey,
      ),
      'its own key embedded (jwk), no kid': await signed({ jwk: attackerJwk }, attacker.privateKey),
      'a key URL (jku)': await signed({ kid: 'evil', jku: keyUrl }, attacker.privateKey),
      'a certificate URL (x5u)': await signed({ kid: 'evil', x5u: keyUrl }, attacker.privateKey),
      'a kid with path characters': await signed(
        { kid: '../../../../etc/passwd' },
        attacker.privateKey,
      ),
      'a kid that is not a string': await signed(
        { kid: { $ne: null } as unknown as string },
        attacker.privateKey,
      ),
      'runiam kid, another key': await signed({ kid: own.kid }, attacker.privateKey),
      'runiam kid, another RSA algorithm': await signed(
        { alg: 'RS512', kid: own.kid },
        (await importJWK(own.privateJwk, 'RS512')) as CryptoKey,
      ),
      'an unknown critical extension, signed by runiam': await withCrit(genuine, own.privateKey),
      'a nested token (cty JWT) signed by another key': await signed(
        { kid: 'evil', cty: 'JWT' },
        attacker.privateKey,
      ),
      'a genuine token as the payload of a forged one': `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: own.kid, cty: 'JWT' })).toString('base64url')}.${Buffer.from(genuine).toString('base64url')}.${genuine.split('.')[2] ?? ''}`,
      '1 MB of claims': await signed({ kid: own.kid }, attacker.privateKey, ISS, {
        ...claims,
        pad: 'x'.repeat(1 << 20),
      }),
    }
    for (const [name, token] of Object.entries(forgeries)) {
      await expect(verifier.verify(token, [AUD]), name).rejects.toMatchObject({
        status: 'UNAUTHENTICATED',
        reason: 'ID_TOKEN_INVALID',
      })
      expect(verifier.remembered(token, [AUD]), name).toBeUndefined()
    }
    expect(fetched).toBe(0)
    // Every made-up kid above arrived within one second: one store read for all of them.
    expect(ring.reloads).toBeLessThanOrEqual(1)
  })
})

describe('a token minted for one use, presented for another', () => {
  it("tells runiam's access tokens and ID tokens apart, even when the issuer URL is the audience", async () => {
    const verifier = createTokenVerifier({ issuers: [runiamIssuer(ISS, ring)], now: () => NOW })
    const issuer = createIssuer({ issuer: ISS, keys: ring, lifetimeSeconds: 600, now: () => NOW })
    // A service whose customAudiences name runiam's issuer URL (its access tokens' audience): the
    // admin credential must not become an invocation credential there, nor be forwarded to it.
    const audiences = [AUD, ISS]
    const { token } = await issuer.signAccessToken(SA)
    // (Refused today because an access token carries no email_verified: keep it that way.)
    await expect(verifier.verify(token, audiences)).rejects.toMatchObject({
      reason: 'ID_TOKEN_INVALID',
    })
    expect(verifier.remembered(token, audiences)).toBeUndefined()
    // The reverse: an ID token whose audience is the issuer URL (generateIdToken lets a caller
    // choose it) is no access token for the admin API: its typ alone tells them apart.
    const idForIssuer = await issuer.signIdToken(SA, ISS)
    await expect(issuer.verifyAccessToken(idForIssuer)).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
      reason: 'ACCESS_TOKEN_INVALID',
    })
    expect(issuer.rememberedAccessToken(idForIssuer)).toBeUndefined()
    // An ID token for that audience is what such a service accepts.
    await expect(
      verifier.verify(await issuer.signIdToken(SA, ISS), audiences),
    ).resolves.toMatchObject({ member: `serviceAccount:${SA}` })
  })
})

describe('expiry', () => {
  it('a remembered token expires at the very millisecond a first check would refuse it', async () => {
    let clock = NOW
    const issuer = createIssuer({ issuer: ISS, keys: ring, lifetimeSeconds: 600, now: () => clock })
    const token = await issuer.signIdToken(SA, AUD)
    const remembering = createTokenVerifier({
      issuers: [runiamIssuer(ISS, ring)],
      now: () => clock,
    })
    await remembering.verify(token, [AUD])
    // exp + the 30 s of skew, to the millisecond: jose (a first check) says expired.
    clock = NOW + (600 + 30) * 1000
    const first = createTokenVerifier({ issuers: [runiamIssuer(ISS, ring)], now: () => clock })
    await expect(first.verify(token, [AUD])).rejects.toMatchObject({
      metadata: { check: 'expired' },
    })
    expect(() => remembering.remembered(token, [AUD])).toThrow(/expired/)
    await expect(remembering.verify(token, [AUD])).rejects.toMatchObject({
      metadata: { check: 'expired' },
    })
    // A millisecond earlier both accept it.
    clock -= 1
    await expect(first.verify(token, [AUD])).resolves.toMatchObject({ email: SA })
  })
})

describe("an issuer's key vouches only for its own iss", () => {
  it("refuses an external iss signed by runiam's key, and runiam's iss signed by the external key", async () => {
    const ext = await externalIssuer()
    const verifier = createTokenVerifier({
      issuers: [runiamIssuer(ISS, ring), ext.trusted],
      now: () => NOW,
    })
    const own = await runiamKey()
    const person = { email: 'ann@example.com', email_verified: true }
    // The genuine ones pass, so the refusals below are about the keys only.
    await expect(
      verifier.verify(await signed({ kid: 'ext' }, ext.privateKey, EXTERNAL, person), [AUD]),
    ).resolves.toMatchObject({ member: 'user:ann@example.com' })
    await expect(
      verifier.verify(await signed({ kid: own.kid }, own.privateKey), [AUD]),
    ).resolves.toMatchObject({ member: `serviceAccount:${SA}` })

    for (const [name, token] of Object.entries({
      "external iss, runiam's key and kid": await signed(
        { kid: own.kid },
        own.privateKey,
        EXTERNAL,
        person,
      ),
      "runiam's iss, the external key and kid": await signed({ kid: 'ext' }, ext.privateKey),
      "runiam's iss, the external key, runiam's kid": await signed(
        { kid: own.kid },
        ext.privateKey,
      ),
      // The same issuer spelled differently is another issuer, not trusted.
      "runiam's iss with a trailing slash, runiam's key": await signed(
        { kid: own.kid },
        own.privateKey,
        `${ISS}/`,
      ),
      "runiam's iss upper-case, runiam's key": await signed(
        { kid: own.kid },
        own.privateKey,
        ISS.toUpperCase(),
      ),
    })) {
      await expect(verifier.verify(token, [AUD]), name).rejects.toMatchObject({
        reason: 'ID_TOKEN_INVALID',
      })
    }
  })

  it("refuses to be built with an issuer listed twice (a trusted issuer naming runiam's own)", async () => {
    const ext = await externalIssuer()
    const build = (trusted: TrustedIssuer) => () =>
      createTokenVerifier({ issuers: [runiamIssuer(ISS, ring), trusted], now: () => NOW })
    // Otherwise the later entry's keys would judge runiam's iss: the external key would speak for
    // runiam's service accounts at the gateway, and runiam's own tokens would stop verifying.
    expect(build({ ...ext.trusted, issuer: ISS })).toThrow(
      /issuer "http:\/\/127\.0\.0\.1:8080" is listed twice/,
    )
    expect(build(ext.trusted)).not.toThrow()
  })
})
