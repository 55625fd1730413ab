// The admin API's one authentication, with runiam's access tokens remembered once verified: the
// remembered answer is given only for the exact token text, never for a neighbour of it.
import { describe, expect, it } from 'vitest'
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createAuthenticator } from './authenticate.js'
import { createIssuer } from './issuer.js'
import type { SigningKey } from './signing-keys.js'
import { createTokenVerifier } from './token-verifier.js'

const ISS = 'http://127.0.0.1:8080'
let clock = Date.UTC(2026, 10, 28, 12)

async function setup() {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const key: SigningKey = {
    kid: 'k1',
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' },
  }
  const issuer = createIssuer({
    issuer: ISS,
    keys: {
      signingKey: async () => key,
      getKey: createLocalJWKSet({ keys: [key.publicJwk] }),
      verifies: (kid) => kid === 'k1',
    },
    lifetimeSeconds: 3600,
    now: () => clock,
  })
  const authenticate = createAuthenticator({
    issuer,
    verifier: createTokenVerifier({ issuers: [], now: () => clock }),
    apiAudiences: new Map(),
    store: {
      getServiceAccount: async () => undefined,
      getServiceAccountKey: async () => undefined,
      listServiceAccountKeys: async () => [],
    },
    now: () => clock,
  })
  return { issuer, authenticate }
}

describe('authenticate', () => {
  it('answers a remembered access token from memory, and only that exact token', async () => {
    const { issuer, authenticate } = await setup()
    const { token } = await issuer.signAccessToken('alice@example.com')
    const first = await authenticate(`Bearer ${token}`)
    expect(first).toMatchObject({ member: 'user:alice@example.com', credential: 'access-token' })
    await expect(authenticate(`Bearer ${token}`)).resolves.toEqual(first)
    const [header = '', payload = ''] = token.split('.')
    for (const index of [3, header.length + 5, header.length + payload.length + 9]) {
      const other = token[index] === 'A' ? 'B' : 'A'
      const changed = token.slice(0, index) + other + token.slice(index + 1)
      await expect(authenticate(`Bearer ${changed}`)).rejects.toMatchObject({
        status: 'UNAUTHENTICATED',
      })
    }
    await expect(authenticate(`Bearer ${token}x`)).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
    })
  })

  it('refuses a remembered token once it has expired', async () => {
    const { issuer, authenticate } = await setup()
    const { token } = await issuer.signAccessToken('alice@example.com')
    const saved = clock
    await authenticate(`Bearer ${token}`)
    clock += 3600_000 + 30_000
    await expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
      message: expect.stringContaining('expired'),
    })
    clock = saved
  })

  it("refuses a trusted issuer's ID token for a service account runiam keeps disabled", async () => {
    const external = 'https://ci.example'
    const email = 'deployer@p.iam.gserviceaccount.com'
    const { privateKey, publicKey } = await generateKeyPair('RS256')
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'x', alg: 'RS256' }] }
    let disabled = false
    const authenticate = createAuthenticator({
      issuer: (await setup()).issuer,
      verifier: createTokenVerifier({
        issuers: [
          {
            issuer: external,
            keys: createLocalJWKSet(jwks),
            keySet: () => jwks,
            mapping: { kind: 'email' },
            allowServiceAccounts: true,
          },
        ],
        now: () => clock,
      }),
      apiAudiences: new Map([[external, ['runiam-api']]]),
      store: {
        getServiceAccount: async (e) =>
          e === email
            ? {
                email,
                projectId: 'p',
                uniqueId: '100000000000000000007',
                displayName: '',
                description: '',
                disabled,
                etag: 'e',
                createTime: '2026-01-01T00:00:00Z',
              }
            : undefined,
        getServiceAccountKey: async () => undefined,
        listServiceAccountKeys: async () => [],
      },
      now: () => clock,
    })
    const now = Math.floor(clock / 1000)
    const token = await new SignJWT({ email: email.toUpperCase(), email_verified: true })
      .setProtectedHeader({ alg: 'RS256', kid: 'x' })
      .setIssuer(external)
      .setAudience('runiam-api')
      .setSubject('ci-job-1')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey)
    await expect(authenticate(`Bearer ${token}`)).resolves.toMatchObject({
      member: `serviceAccount:${email}`,
    })
    disabled = true
    await expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({
      status: 'UNAUTHENTICATED',
      message: `Request had invalid authentication credentials: service account [${email.toUpperCase()}] is disabled.`,
    })
    disabled = false
    await expect(authenticate(`Bearer ${token}`)).resolves.toBeDefined()
  })
})
