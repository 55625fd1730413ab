// Tokens runiam signs verify; forged, expired, foreign and mis-addressed ones do not, also when the
// genuine token was verified (and remembered) just before.
import { describe, expect, it } from 'vitest'
import {
  SignJWT,
  type JWTVerifyGetKey,
  UnsecuredJWT,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
} from 'jose'
import { memberForEmail } from '@runiam/core'
import { createIssuer, subjectFor } from './issuer.js'
import type { SigningKey } from './signing-keys.js'

async function makeKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256' } }
}

const ISS = 'http://127.0.0.1:8080'
let clock = Date.UTC(2026, 10, 28, 12)

async function setup() {
  const key = await makeKey('k1')
  const local = createLocalJWKSet({ keys: [key.publicJwk] })
  /** Kids dropped from the issuer's keys: getKey refuses them, and verifies() says so. */
  const dropped = new Set<string>()
  let lookups = 0
  const getKey: JWTVerifyGetKey = async (header, input) => {
    lookups++
    if (header.kid !== undefined && dropped.has(header.kid)) throw new Error('dropped')
    return local(header, input)
  }
  const issuer = createIssuer({
    issuer: ISS,
    keys: {
      signingKey: async () => key,
      getKey,
      verifies: (kid) => kid === key.kid && !dropped.has(kid),
    },
    lifetimeSeconds: 3600,
    now: () => clock,
  })
  return { key, issuer, dropped, lookups: () => lookups }
}

/** `token` with the character at `index` replaced by another base64url character. */
function flip(token: string, index: number): string {
  const c = token[index] === 'A' ? 'B' : 'A'
  return token.slice(0, index) + c + token.slice(index + 1)
}

describe('issuer', () => {
  it('verifies its own access tokens and maps the email to a member', async () => {
    const { issuer } = await setup()
    const { token, expiresIn } = await issuer.signAccessToken('alice@example.com')
    expect(expiresIn).toBe(3600)
    await expect(issuer.verifyAccessToken(token)).resolves.toMatchObject({
      email: 'alice@example.com',
      member: 'user:alice@example.com',
    })
    const sa = await issuer.signAccessToken('ci@p.iam.gserviceaccount.com')
    expect((await issuer.verifyAccessToken(sa.token)).member).toBe(
      'serviceAccount:ci@p.iam.gserviceaccount.com',
    )
  })

  it('refuses expired tokens, past the clock skew', async () => {
    const { issuer } = await setup()
    const { token } = await issuer.signAccessToken('alice@example.com')
    const saved = clock
    clock += 3600_000 + 20_000 // within 30 s skew
    await expect(issuer.verifyAccessToken(token)).resolves.toBeTruthy()
    clock += 20_000
    await expect(issuer.verifyAccessToken(token)).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
      message: expect.stringContaining('expired'),
    })
    clock = saved
  })

  it('refuses an ID token used as an access token (wrong typ and audience)', async () => {
    const { issuer } = await setup()
    const id = await issuer.signIdToken('alice@example.com', 'http://svc.run.localhost')
    await expect(issuer.verifyAccessToken(id)).rejects.toMatchObject({ status: 'UNAUTHENTICATED' })
  })

  it('refuses alg none, a foreign key, a wrong issuer and garbage', async () => {
    const { issuer, key } = await setup()
    const claims = { email: 'mallory@example.com', scope: 'x' }
    const iat = Math.floor(clock / 1000)
    const none = new UnsecuredJWT(claims)
      .setIssuer(ISS)
      .setAudience(ISS)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .encode()
    const foreign = await makeKey('k1') // same kid, different key
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISS)
      .setAudience(ISS)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(foreign.privateKey)
    const wrongIssuer = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer('http://evil.example')
      .setAudience(ISS)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(key.privateKey as CryptoKey)
    for (const token of [none, forged, wrongIssuer, 'garbage', '']) {
      await expect(issuer.verifyAccessToken(token)).rejects.toMatchObject({
        status: 'UNAUTHENTICATED',
        reason: 'ACCESS_TOKEN_INVALID',
      })
    }
  })

  it('checks a signature once, then serves the same token from memory', async () => {
    const { issuer, lookups } = await setup()
    const { token } = await issuer.signAccessToken('alice@example.com')
    expect(issuer.rememberedAccessToken(token)).toBeUndefined()
    const first = await issuer.verifyAccessToken(token)
    expect(issuer.rememberedAccessToken(token)).toEqual(first)
    const seen = lookups()
    expect(seen).toBe(1)
    await expect(issuer.verifyAccessToken(token)).resolves.toEqual(first)
    await expect(issuer.verifyAccessToken(token)).resolves.toEqual(first)
    expect(lookups()).toBe(seen)
  })

  it('refuses a token with one character changed, anywhere, while the original is remembered', async () => {
    const { issuer } = await setup()
    const { token } = await issuer.signAccessToken('alice@example.com')
    await issuer.verifyAccessToken(token)
    const [header = '', payload = ''] = token.split('.')
    // In the header, in the payload, in the signature (its last character has spare bits, so not
    // that one), and one character appended.
    for (const index of [5, header.length + 1 + 7, header.length + payload.length + 2 + 10]) {
      await expect(issuer.verifyAccessToken(flip(token, index))).rejects.toMatchObject({
        status: 'UNAUTHENTICATED',
        reason: 'ACCESS_TOKEN_INVALID',
      })
    }
    await expect(issuer.verifyAccessToken(`${token}A`)).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
    })
    // The genuine token is still accepted.
    await expect(issuer.verifyAccessToken(token)).resolves.toMatchObject({
      member: 'user:alice@example.com',
    })
  })

  it('refuses a remembered token once it expires, with the same message as a first check', async () => {
    const { issuer } = await setup()
    const { token } = await issuer.signAccessToken('alice@example.com')
    const saved = clock
    await issuer.verifyAccessToken(token)
    clock += 3600_000 + 29_000 // still inside the 30 s skew: served from memory
    await expect(issuer.verifyAccessToken(token)).resolves.toBeTruthy()
    clock += 1_000 // exp <= now - 30 s: expired (jose's rule)
    expect(issuer.rememberedAccessToken(token)).toBeUndefined()
    const refused = { status: 'UNAUTHENTICATED', message: expect.stringContaining('expired') }
    await expect(issuer.verifyAccessToken(token)).rejects.toMatchObject(refused)
    // Turning the clock back does not revive a remembered entry that was refused: checked afresh.
    clock = saved
    await expect(issuer.verifyAccessToken(token)).resolves.toBeTruthy()
  })

  it('refuses a remembered token at once when its signing key is dropped', async () => {
    const { issuer, key, dropped } = await setup()
    const { token } = await issuer.signAccessToken('alice@example.com')
    await issuer.verifyAccessToken(token)
    dropped.add(key.kid)
    expect(issuer.rememberedAccessToken(token)).toBeUndefined()
    await expect(issuer.verifyAccessToken(token)).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
      reason: 'ACCESS_TOKEN_INVALID',
    })
  })

  it('remembers no failure: a token refused once is checked in full again', async () => {
    const { issuer, key, dropped, lookups } = await setup()
    const { token } = await issuer.signAccessToken('alice@example.com')
    dropped.add(key.kid)
    await expect(issuer.verifyAccessToken(token)).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
    })
    const before = lookups()
    dropped.delete(key.kid)
    await expect(issuer.verifyAccessToken(token)).resolves.toBeTruthy()
    expect(lookups()).toBe(before + 1)
  })

  it('derives stable 21-digit subjects and members', () => {
    expect(subjectFor('a@example.com')).toMatch(/^\d{21}$/)
    expect(subjectFor('A@example.com')).toBe(subjectFor('a@example.com'))
    expect(memberForEmail('X@Y.com')).toBe('user:x@y.com')
  })
})
