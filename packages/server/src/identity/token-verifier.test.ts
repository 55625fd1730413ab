// The ID-token verifier: a verified token is remembered, but every use re-checks its audience and
// expiry, and nothing about a forged token is remembered.
import { describe, expect, it } from 'vitest'
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose'
import { createTokenVerifier } from './token-verifier.js'

const ISS = 'https://issuer.test'

describe('token verifier', () => {
  it('re-checks audience and expiry on every use of a remembered token', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }
    let now = Date.UTC(2026, 10, 28)
    let lookups = 0
    const local = createLocalJWKSet({ keys: [jwk] })
    const verifier = createTokenVerifier({
      issuers: [
        {
          issuer: ISS,
          keys: (header, token) => {
            lookups++
            return local(header, token)
          },
          mapping: { kind: 'email' },
        },
      ],
      now: () => now,
    })
    const token = await new SignJWT({ email: 'Ann@Example.com' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setIssuer(ISS)
      .setAudience('http://a')
      .setIssuedAt(now / 1000)
      .setExpirationTime(now / 1000 + 60)
      .sign(privateKey)
    expect((await verifier.verify(token, ['http://a'])).member).toBe('user:ann@example.com')
    expect((await verifier.verify(token, ['http://a', 'http://b'])).email).toBe('Ann@Example.com')
    expect(lookups).toBe(1)
    await expect(verifier.verify(token, ['http://b'])).rejects.toMatchObject({
      reason: 'ID_TOKEN_INVALID',
      message: expect.stringContaining('aud'),
    })
    now += 60_000 + 31_000
    await expect(verifier.verify(token, ['http://a'])).rejects.toMatchObject({
      message: expect.stringContaining('expired'),
    })
  })

  it('does not remember a token whose signature failed', async () => {
    const good = await generateKeyPair('RS256')
    const evil = await generateKeyPair('RS256')
    const jwk = { ...(await exportJWK(good.publicKey)), kid: 'k', alg: 'RS256' }
    const verifier = createTokenVerifier({
      issuers: [
        { issuer: ISS, keys: createLocalJWKSet({ keys: [jwk] }), mapping: { kind: 'email' } },
      ],
      now: () => Date.now(),
    })
    const forged = await new SignJWT({ email: 'x@example.com' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer(ISS)
      .setAudience('http://a')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(evil.privateKey)
    for (let i = 0; i < 2; i++) {
      await expect(verifier.verify(forged, ['http://a'])).rejects.toMatchObject({
        message: expect.stringContaining('signature'),
      })
    }
  })
})
