// Tokens runiam signs verify; forged, expired, foreign and mis-addressed ones do not.
import { describe, expect, it } from 'vitest'
import {
  SignJWT,
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
  const issuer = createIssuer({
    issuer: ISS,
    keys: { signingKey: async () => key, getKey: createLocalJWKSet({ keys: [key.publicJwk] }) },
    lifetimeSeconds: 3600,
    now: () => clock,
  })
  return { key, issuer }
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

  it('derives stable 21-digit subjects and members', () => {
    expect(subjectFor('a@example.com')).toMatch(/^\d{21}$/)
    expect(subjectFor('A@example.com')).toBe(subjectFor('a@example.com'))
    expect(memberForEmail('X@Y.com')).toBe('user:x@y.com')
  })
})
