// The ID-token verifier: a verified token is remembered, but every use re-checks its audience and
// expiry and that its issuer still holds the key that signed it, and nothing about a forged token
// is remembered.
import { describe, expect, it } from 'vitest'
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose'
import { createTokenVerifier, type TokenVerifier, type TrustedIssuer } from './token-verifier.js'

const ISS = 'https://issuer.test'

describe('token verifier', () => {
  it('re-checks audience and expiry on every use of a remembered token', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }
    let now = Date.UTC(2026, 10, 28)
    let lookups = 0
    const jwks = { keys: [jwk] }
    const local = createLocalJWKSet(jwks)
    const verifier = createTokenVerifier({
      issuers: [
        {
          issuer: ISS,
          keys: (header, token) => {
            lookups++
            return local(header, token)
          },
          keySet: () => jwks,
          mapping: { kind: 'email' },
        },
      ],
      now: () => now,
    })
    const token = await new SignJWT({ email: 'Ann@Example.com', email_verified: true })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setIssuer(ISS)
      .setAudience('http://a')
      .setIssuedAt(now / 1000)
      .setExpirationTime(now / 1000 + 60)
      .sign(privateKey)
    expect((await verifier.verify(token, ['http://a'])).member).toBe('user:ann@example.com')
    expect((await verifier.verify(token, ['http://a', 'http://b'])).email).toBe('Ann@Example.com')
    expect(verifier.remembered(token, ['http://a'])?.member).toBe('user:ann@example.com')
    expect(lookups).toBe(1)
    await expect(verifier.verify(token, ['http://b'])).rejects.toMatchObject({
      reason: 'ID_TOKEN_INVALID',
      message: expect.stringContaining('aud'),
    })
    expect(() => verifier.remembered(token, ['http://b'])).toThrow(/aud/)
    now += 60_000 + 31_000
    await expect(verifier.verify(token, ['http://a'])).rejects.toMatchObject({
      message: expect.stringContaining('expired'),
    })
    expect(() => verifier.remembered(token, ['http://a'])).toThrow(/expired/)
  })

  it("names the issuer URL to share when a token of another issuer carries runiam's own key id", async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'ours', alg: 'ES256' }] }
    const now = Date.UTC(2026, 10, 28)
    const verifier = createTokenVerifier({
      issuers: [
        {
          issuer: ISS,
          keys: createLocalJWKSet(jwks),
          verifies: (kid) => kid === 'ours',
          mapping: { kind: 'email' },
        },
      ],
      now: () => now,
    })
    // What a replica started with another --issuer-url (or none) mints with the shared keys.
    const minted = (kid: string) =>
      new SignJWT({ email: 'ann@example.com', email_verified: true })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer('http://10.0.0.7:8080')
        .setAudience('http://a')
        .setIssuedAt(now / 1000)
        .setExpirationTime(now / 1000 + 60)
        .sign(privateKey)
    await expect(verifier.verify(await minted('ours'), ['http://a'])).rejects.toMatchObject({
      message: expect.stringContaining(
        `issuer "http://10.0.0.7:8080" is not trusted (its key id is one of ${ISS}'s: give every replica the same --issuer-url)`,
      ),
    })
    // Another key id: no hint, the same refusal.
    const other = await verifier.verify(await minted('theirs'), ['http://a']).catch((e: Error) => e)
    expect((other as Error).message).toContain('issuer "http://10.0.0.7:8080" is not trusted')
    expect((other as Error).message).not.toContain('--issuer-url')
  })

  it('answers each token from its own entry when requests alternate between tokens', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256')
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'ES256' }
    const now = Date.UTC(2026, 10, 28)
    const jwks = { keys: [jwk] }
    const local = createLocalJWKSet(jwks)
    const verifier = createTokenVerifier({
      issuers: [{ issuer: ISS, keys: local, keySet: () => jwks, mapping: { kind: 'email' } }],
      now: () => now,
    })
    const sign = (email: string, aud: string, lifetime: number) =>
      new SignJWT({ email, email_verified: true })
        .setProtectedHeader({ alg: 'ES256', kid: 'k' })
        .setIssuer(ISS)
        .setAudience(aud)
        .setIssuedAt(now / 1000)
        .setExpirationTime(now / 1000 + lifetime)
        .sign(privateKey)
    const ann = await sign('ann@example.com', 'http://a', 600)
    const bob = await sign('bob@example.com', 'http://b', 600)
    await verifier.verify(ann, ['http://a'])
    await verifier.verify(bob, ['http://b'])
    // Each request brings its own copy of the text: equal strings, distinct objects.
    const copy = (t: string) => `${t} `.slice(0, -1)
    for (let i = 0; i < 3; i++) {
      expect(verifier.remembered(copy(ann), ['http://a'])?.member).toBe('user:ann@example.com')
      expect(verifier.remembered(copy(ann), ['http://a'])?.member).toBe('user:ann@example.com')
      expect(verifier.remembered(copy(bob), ['http://b'])?.member).toBe('user:bob@example.com')
      expect(() => verifier.remembered(copy(ann), ['http://b'])).toThrow(/aud/)
      expect(() => verifier.remembered(copy(bob), ['http://a'])).toThrow(/aud/)
    }
    expect(verifier.remembered(copy(ann).slice(0, -1), ['http://a'])).toBeUndefined()
  })

  describe('a remembered token whose key the issuer dropped', () => {
    type Mode = 'verifies' | 'keySet' | 'ask'
    async function setUp(mode: Mode) {
      const old = await generateKeyPair('ES256')
      const next = await generateKeyPair('ES256')
      const oldJwk = { ...(await exportJWK(old.publicKey)), kid: 'old', alg: 'ES256' }
      const nextJwk = { ...(await exportJWK(next.publicKey)), kid: 'next', alg: 'ES256' }
      // The issuer's current set, replaced (never mutated) on each change, as a rotation does.
      let jwks = { keys: [oldJwk] }
      let local = createLocalJWKSet(jwks)
      let signatureLookups = 0
      const verifier = createTokenVerifier({
        issuers: [
          {
            issuer: ISS,
            keys: (header, token) => {
              signatureLookups++
              return local(header, token)
            },
            ...(mode === 'keySet' ? { keySet: () => jwks } : {}),
            ...(mode === 'verifies'
              ? { verifies: (kid: string | undefined) => jwks.keys.some((k) => k.kid === kid) }
              : {}),
            mapping: { kind: 'email' },
          },
        ],
        now: () => Date.now(),
      })
      const token = await new SignJWT({ email: 'ann@example.com', email_verified: true })
        .setProtectedHeader({ alg: 'ES256', kid: 'old' })
        .setIssuer(ISS)
        .setAudience('http://a')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(old.privateKey)
      const setKeys = (keys: (typeof oldJwk)[]) => {
        jwks = { keys }
        local = createLocalJWKSet(jwks)
      }
      return { verifier, token, setKeys, oldJwk, nextJwk, lookups: () => signatureLookups }
    }

    /** What remembered() answers: a member, undefined (ask verify()), or 'refused' (it threw). */
    const recall = (verifier: TokenVerifier, token: string): string | undefined => {
      try {
        return verifier.remembered(token, ['http://a'])?.member
      } catch {
        return 'refused'
      }
    }

    const how: Record<Mode, string> = {
      verifies: "with the issuer saying which keys it accepts (runiam's own)",
      keySet: 'with a key-set identity (a JWKS file)',
      ask: 'asking the issuer for the key again (a JWKS URL)',
    }
    for (const mode of ['verifies', 'keySet', 'ask'] as const) {
      it(`is refused at once, ${how[mode]}`, async () => {
        const { verifier, token, setKeys, oldJwk, nextJwk } = await setUp(mode)
        await expect(verifier.verify(token, ['http://a'])).resolves.toMatchObject({
          member: 'user:ann@example.com',
        })
        // A rotation that keeps the old key: still valid.
        setKeys([oldJwk, nextJwk])
        await expect(verifier.verify(token, ['http://a'])).resolves.toMatchObject({
          member: 'user:ann@example.com',
        })
        // The old key dropped: no longer served from memory, and refused as a fresh token is.
        setKeys([nextJwk])
        expect([undefined, 'refused']).toContain(recall(verifier, token))
        await expect(verifier.verify(token, ['http://a'])).rejects.toMatchObject({
          reason: 'ID_TOKEN_INVALID',
        })
        // And it stays refused (the failure was not remembered as a success either).
        await expect(verifier.verify(token, ['http://a'])).rejects.toMatchObject({
          reason: 'ID_TOKEN_INVALID',
        })
        expect([undefined, 'refused']).toContain(recall(verifier, token))
      })
    }

    it('is served from memory without a lookup while the key set is unchanged', async () => {
      const { verifier, token, lookups } = await setUp('keySet')
      await verifier.verify(token, ['http://a'])
      const after = lookups()
      for (let i = 0; i < 3; i++) {
        expect(verifier.remembered(token, ['http://a'])?.member).toBe('user:ann@example.com')
        await verifier.verify(token, ['http://a'])
      }
      expect(lookups()).toBe(after)
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

  describe('what an external issuer may claim', () => {
    const NOW = Date.UTC(2026, 10, 28)
    async function external(
      claims: Record<string, unknown>,
      opts: { iat?: number; exp?: number; trust?: Partial<TrustedIssuer> } = {},
    ) {
      const { privateKey, publicKey } = await generateKeyPair('RS256')
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k', alg: 'RS256' }
      const verifier = createTokenVerifier({
        issuers: [
          {
            issuer: ISS,
            keys: createLocalJWKSet({ keys: [jwk] }),
            mapping: { kind: 'email' },
            ...opts.trust,
          },
        ],
        now: () => NOW,
      })
      const iat = opts.iat ?? NOW / 1000
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k' })
        .setIssuer(ISS)
        .setAudience('http://a')
        .setIssuedAt(iat)
        .setExpirationTime(opts.exp ?? iat + 3600)
        .sign(privateKey)
      return verifier.verify(token, ['http://a'])
    }
    const verified = (email: string) => ({ email, email_verified: true })

    it('accepts a verified ASCII email as a user', async () => {
      await expect(external(verified('ann@example.com'))).resolves.toMatchObject({
        member: 'user:ann@example.com',
        credential: 'id-token',
        issuer: ISS,
      })
    })

    it('refuses a service account email (and the bootstrap account) unless trusted for them', async () => {
      for (const email of [
        'deployer@prod.iam.gserviceaccount.com',
        'runiam-bootstrap@runiam-system.iam.gserviceaccount.com',
        'Robot@Project.IAM.GServiceAccount.com',
      ]) {
        await expect(external(verified(email))).rejects.toMatchObject({
          reason: 'ID_TOKEN_INVALID',
          message: expect.stringContaining('may not speak for service accounts'),
        })
      }
      await expect(
        external(verified('deployer@prod.iam.gserviceaccount.com'), {
          trust: { allowServiceAccounts: true },
        }),
      ).resolves.toMatchObject({ member: 'serviceAccount:deployer@prod.iam.gserviceaccount.com' })
    })

    it('requires email_verified to be the boolean true', async () => {
      for (const v of [undefined, 'true', 1, false]) {
        await expect(
          external({ email: 'ann@example.com', ...(v === undefined ? {} : { email_verified: v }) }),
        ).rejects.toMatchObject({ message: expect.stringContaining('not verified') })
      }
    })

    it('folds case in ASCII only: a Kelvin sign is not a K', async () => {
      // U+212A KELVIN SIGN lower-cases to "k" under Unicode folding.
      await expect(external(verified('\u212Aevin@example.com'))).rejects.toMatchObject({
        message: expect.stringContaining('no valid email'),
      })
      await expect(external(verified('KEVIN@Example.COM'))).resolves.toMatchObject({
        member: 'user:kevin@example.com',
      })
    })

    it('refuses tokens issued in the future or living longer than the maximum', async () => {
      await expect(
        external(verified('ann@example.com'), { iat: NOW / 1000 + 600 }),
      ).rejects.toMatchObject({
        message: expect.stringMatching(/future|iat/),
      })
      await expect(
        external(verified('ann@example.com'), { exp: NOW / 1000 + 2 * 86400 }),
      ).rejects.toMatchObject({ message: expect.stringContaining('lives longer than 86400') })
      await expect(
        external(verified('ann@example.com'), {
          exp: NOW / 1000 + 7200,
          trust: { maxLifetimeSeconds: 3600 },
        }),
      ).rejects.toMatchObject({ message: expect.stringContaining('lives longer than 3600') })
    })
  })
})
