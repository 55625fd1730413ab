// The admin API's one authentication, with runiam's access tokens remembered once verified: the
// remembered answer is given only for the exact token text, never for a neighbour of it.
import { describe, expect, it } from 'vitest'
import { createLocalJWKSet, exportJWK, generateKeyPair } from 'jose'
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
})
