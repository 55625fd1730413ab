// Self-signed service account JWTs (AIP-4111) as admin API credentials, over real HTTP and SQLite:
// the two forms google-auth-library's JWTAccess signs (scope claim; aud = the API endpoint) are
// the account, with its permissions; every forged, foreign or badly timed one is 401.
import { KeyObject, sign } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair, importPKCS8, SignJWT, type CryptoKey } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'

import { openSqliteStore } from '@runiam/store/sqlite'
import type { ServiceAccountTokenSigner } from '../services/iam/service-account-model.js'
import {
  errorOf,
  fakeAuthenticate,
  OWNER,
  startHarness,
  type Harness,
} from '../admin/test-harness.js'
import { bearerToken } from './authenticate.js'
import { createSelfSignedJwtAuthenticator } from './self-signed-jwt.js'

const P = 'ssjwt-project'
const EMAIL = `key-robot@${P}.iam.gserviceaccount.com`
const NOW = Date.parse('2026-01-01T00:00:00Z')
const IAT = Math.floor(NOW / 1000)
const LIST = `/v2/projects/${P}/locations/us-central1/services`
const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'

let dir: string
let store: Store
let h: Harness
let privateKey: CryptoKey
let keyId: string

// keys.create needs a signer; the tokens it would mint play no part here.
const signer: ServiceAccountTokenSigner = {
  issuer: 'http://runiam.test',
  tokenUri: 'http://runiam.test/token',
  signIdToken: () => Promise.reject(new Error('unused')),
  signAccessToken: () => Promise.reject(new Error('unused')),
}

interface Shape {
  claims?: Record<string, unknown>
  kid?: string | null
  alg?: string
  iat?: number
  exp?: number
  key?: CryptoKey
}

/** A self-signed JWT as JWTAccess builds it, with the given changes. */
function selfSigned(shape: Shape = {}): Promise<string> {
  const iat = shape.iat ?? IAT
  const header: { alg: string; kid?: string } = { alg: shape.alg ?? 'RS256' }
  if (shape.kid !== null) header.kid = shape.kid ?? keyId
  return new SignJWT({ iss: EMAIL, sub: EMAIL, scope: CLOUD_PLATFORM, ...shape.claims })
    .setProtectedHeader(header)
    .setIssuedAt(iat)
    .setExpirationTime(shape.exp ?? iat + 3600)
    .sign(shape.key ?? privateKey)
}

const list = (token: string) =>
  h.call('GET', LIST, { headers: { authorization: `Bearer ${token}` } })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-ssjwt-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  const selfSigned = createSelfSignedJwtAuthenticator({ store, now: () => NOW })
  h = await startHarness(store, NOW, {
    serviceAccountTokens: signer,
    // Self-signed JWTs first, as identity/authenticate.ts routes them; the fake for the rest.
    authenticate: async (authorization) => {
      const token = bearerToken(authorization)
      const caller = token === undefined ? undefined : await selfSigned(token)
      return caller ?? fakeAuthenticate(authorization)
    },
  })
  expect((await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })).status).toBe(
    200,
  )
  const sa = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
    as: OWNER,
    body: { accountId: 'key-robot' },
  })
  expect(sa.status).toBe(200)
  const key = await h.call('POST', `/v1/projects/${P}/serviceAccounts/${EMAIL}/keys`, {
    as: OWNER,
    body: {},
  })
  expect(key.status).toBe(200)
  const file = JSON.parse(
    Buffer.from(String(key.json['privateKeyData']), 'base64').toString('utf8'),
  ) as { private_key: string; private_key_id: string }
  privateKey = await importPKCS8(file.private_key, 'RS256')
  keyId = file.private_key_id
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('self-signed service account JWTs', () => {
  it('authenticate as the account, which then needs its permissions like any caller', async () => {
    const denied = await list(await selfSigned())
    expect(denied.status).toBe(403)
    expect(errorOf(denied).message).toContain("Permission 'run.services.list' denied")
    const policy = await h.call('POST', `/v1/projects/${P}:getIamPolicy`, { as: OWNER, body: {} })
    const set = await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          etag: policy.json['etag'],
          bindings: [
            ...(policy.json['bindings'] as unknown[]),
            { role: 'roles/run.viewer', members: [`serviceAccount:${EMAIL}`] },
          ],
        },
      },
    })
    expect(set.status).toBe(200)
    // The scope form (gapic clients: useJWTAccessWithScope) with the key file's kid.
    expect((await list(await selfSigned())).status).toBe(200)
    // The aud form, and no kid (credentials holding only client_email and private_key).
    const audForm = await selfSigned({
      claims: { scope: undefined, aud: 'https://run.googleapis.com/' },
      kid: null,
    })
    expect((await list(audForm)).status).toBe(200)
    // AuthClient.request() without scopes signs for the whole request URL.
    const urlForm = await selfSigned({
      claims: { scope: undefined, aud: `https://run.googleapis.com${LIST}` },
    })
    expect((await list(urlForm)).status).toBe(200)
  })

  const NOT_SIGNED = 'is not signed by an enabled key of the account, or has expired'
  const TIMES = 'must be issued now and live at most one hour'
  it.each<[string, () => Promise<Shape>, string]>([
    ['another key', async () => ({ key: (await generateKeyPair('RS256')).privateKey }), NOT_SIGNED],
    [
      'another key, no kid',
      async () => ({ key: (await generateKeyPair('RS256')).privateKey, kid: null }),
      NOT_SIGNED,
    ],
    ['an unknown kid', () => Promise.resolve({ kid: 'f'.repeat(40) }), NOT_SIGNED],
    [
      'a foreign audience',
      () => Promise.resolve({ claims: { aud: 'https://evil.example/' } }),
      'has aud [https://evil.example/], which is not an API runiam serves',
    ],
    [
      'a look-alike API host',
      () => Promise.resolve({ claims: { aud: 'https://run.googleapis.com.evil.example/' } }),
      'has aud [https://run.googleapis.com.evil.example/], which is not an API runiam serves',
    ],
    [
      'a plain-http API audience',
      () => Promise.resolve({ claims: { scope: undefined, aud: 'http://run.googleapis.com/' } }),
      'has aud [http://run.googleapis.com/], which is not an API runiam serves',
    ],
    [
      'neither aud nor scope',
      () => Promise.resolve({ claims: { scope: undefined } }),
      'has neither aud nor scope',
    ],
    [
      'sub other than iss',
      () => Promise.resolve({ claims: { sub: 'someone@example.com' } }),
      'has sub [someone@example.com]; it must equal iss',
    ],
    ['a lifetime over an hour', () => Promise.resolve({ exp: IAT + 3601 }), TIMES],
    ['an expired token', () => Promise.resolve({ iat: IAT - 7200, exp: IAT - 3600 }), NOT_SIGNED],
    ['an iat in the future', () => Promise.resolve({ iat: IAT + 600, exp: IAT + 1200 }), TIMES],
    [
      'an unknown account',
      () => {
        const nobody = `nobody@${P}.iam.gserviceaccount.com`
        return Promise.resolve({ claims: { iss: nobody, sub: nobody } })
      },
      `names the account [nobody@${P}.iam.gserviceaccount.com], which does not exist or is disabled`,
    ],
  ])('refuses one with %s: 401 ACCESS_TOKEN_INVALID', async (_what, shape, why) => {
    const r = await list(await selfSigned(await shape()))
    expect(r.status).toBe(401)
    expect(errorOf(r).status).toBe('UNAUTHENTICATED')
    expect(errorOf(r).message).toContain(`the service account's self-signed JWT ${why}`)
  })

  it('refuses an HMAC-signed one before looking at keys', async () => {
    const hs = await new SignJWT({ iss: EMAIL, sub: EMAIL, scope: CLOUD_PLATFORM })
      .setProtectedHeader({ alg: 'HS256', kid: keyId })
      .setIssuedAt(IAT)
      .setExpirationTime(IAT + 600)
      .sign(new TextEncoder().encode('a shared secret of at least 32 bytes!'))
    const r = await list(hs)
    expect(r.status).toBe(401)
    expect(errorOf(r).message).toContain('HS256')
  })

  it('without a kid, is tried against every key of the account: the last of several verifies', async () => {
    for (let n = 0; n < 3; n++) {
      const r = await h.call('POST', `/v1/projects/${P}/serviceAccounts/${EMAIL}/keys`, {
        as: OWNER,
        body: {},
      })
      expect(r.status).toBe(200)
      const file = JSON.parse(
        Buffer.from(String(r.json['privateKeyData']), 'base64').toString('utf8'),
      ) as { private_key: string; private_key_id: string }
      const key = await importPKCS8(file.private_key, 'RS256')
      expect((await list(await selfSigned({ key, kid: null }))).status).toBe(200)
      expect((await list(await selfSigned({ key, kid: file.private_key_id }))).status).toBe(200)
      // Its own key id is the only kid it is checked against.
      expect((await list(await selfSigned({ key, kid: keyId }))).status).toBe(401)
    }
  })

  it('refuses one whose header has critical extensions or an unencoded payload, though well signed', async () => {
    // Built by hand: jose would not sign these.
    const enc = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64url')
    const claims = { iss: EMAIL, sub: EMAIL, scope: CLOUD_PLATFORM, iat: IAT, exp: IAT + 600 }
    for (const extra of [{ crit: ['exp'] }, { b64: false, crit: ['b64'] }, { crit: [] }]) {
      const input = `${enc({ alg: 'RS256', kid: keyId, ...extra })}.${enc(claims)}`
      const signature = sign('sha256', Buffer.from(input), KeyObject.from(privateKey))
      const token = `${input}.${signature.toString('base64url')}`
      expect((await list(token)).status, JSON.stringify(extra)).toBe(401)
    }
    // The same by hand without the extensions: accepted, so the refusals above are theirs.
    const plain = `${enc({ alg: 'RS256', kid: keyId })}.${enc(claims)}`
    const ok = `${plain}.${sign('sha256', Buffer.from(plain), KeyObject.from(privateKey)).toString('base64url')}`
    expect((await list(ok)).status).toBe(200)
  })

  it('stops working once the key is deleted', async () => {
    const token = await selfSigned()
    expect((await list(token)).status).toBe(200)
    const del = await h.call('DELETE', `/v1/projects/${P}/serviceAccounts/${EMAIL}/keys/${keyId}`, {
      as: OWNER,
    })
    expect(del.status).toBe(200)
    expect((await list(token)).status).toBe(401)
  })
})
