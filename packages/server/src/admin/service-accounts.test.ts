// The IAM service account routes and the iamcredentials token methods over real HTTP and SQLite:
// Google's shapes, every permission check (403 naming the permission, before existence), the
// account's own policy with its inheritance, keys, and who may mint an account's tokens.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'

import { openSqliteStore } from '@runiam/store/sqlite'
import type { ServiceAccountTokenSigner } from '../services/iam/service-account-model.js'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const ALICE = 'user:alice@example.com'
const BOB = 'user:bob@example.com'
const CAROL = 'user:carol@example.com'
const P = 'sa-project'
const ISSUER = 'http://runiam.test'
const NOW = Date.parse('2026-01-01T00:00:00Z')

let dir: string
let store: Store
let h: Harness
let jwks: ReturnType<typeof createLocalJWKSet>
let sa: Record<string, unknown>
let saName: string

async function signer(): Promise<ServiceAccountTokenSigner> {
  const { privateKey, publicKey } = await generateKeyPair('RS256')
  jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] })
  const sign = (claims: Record<string, unknown>, aud: string, sub: string, lifetime: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(aud)
      .setSubject(sub)
      .setIssuedAt(Math.floor(NOW / 1000))
      .setExpirationTime(Math.floor(NOW / 1000) + lifetime)
      .sign(privateKey)
  return {
    issuer: ISSUER,
    tokenUri: `${ISSUER}/token`,
    signIdToken: (email, audience, subject) =>
      sign({ email, email_verified: true }, audience, subject, 3600),
    signAccessToken: async (email, lifetime) => ({
      token: await sign({ email }, ISSUER, email, lifetime),
    }),
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-sa-admin-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store, NOW, { serviceAccountTokens: await signer() })
  expect((await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })).status).toBe(
    200,
  )
  const created = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
    as: OWNER,
    body: { accountId: 'my-robot', serviceAccount: { displayName: 'My robot', description: 'd' } },
  })
  expect(created.status).toBe(200)
  sa = created.json
  saName = `projects/${P}/serviceAccounts/my-robot@${P}.iam.gserviceaccount.com`
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

async function grant(resource: string, role: string, member: string, verb = 'POST') {
  const get = await h.call(verb, `/v1/${resource}:getIamPolicy`, { as: OWNER, body: {} })
  expect(get.status).toBe(200)
  const bindings = [...((get.json['bindings'] as unknown[]) ?? []), { role, members: [member] }]
  const set = await h.call('POST', `/v1/${resource}:setIamPolicy`, {
    as: OWNER,
    body: { policy: { bindings, etag: get.json['etag'] } },
  })
  expect(set.status, JSON.stringify(set.json)).toBe(200)
}

describe('service accounts', () => {
  it("creates one in Google's shape", () => {
    expect(sa).toEqual({
      name: saName,
      projectId: P,
      uniqueId: expect.stringMatching(/^1\d{20}$/),
      email: `my-robot@${P}.iam.gserviceaccount.com`,
      displayName: 'My robot',
      description: 'd',
      etag: expect.any(String),
      oauth2ClientId: sa['uniqueId'],
    })
  })

  it.each([
    ['ab', /6 to 30 characters/],
    ['Upper-case', /\[a-z\]\(\[-a-z0-9\]\*\[a-z0-9\]\)/],
    ['ends-with-', /must be 6 to 30/],
    [undefined, /Field accountId is required/],
  ])('refuses accountId %j with 400', async (accountId, message) => {
    const r = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
      as: OWNER,
      body: accountId === undefined ? {} : { accountId },
    })
    expect(r.status).toBe(400)
    expect(errorOf(r).message).toMatch(message)
  })

  it('answers a taken account id with 409 ALREADY_EXISTS', async () => {
    const r = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
      as: OWNER,
      body: { accountId: 'my-robot' },
    })
    expect(errorOf(r)).toEqual({
      code: 409,
      status: 'ALREADY_EXISTS',
      message: `Service account my-robot already exists within project projects/${P}.`,
    })
  })

  it('needs iam.serviceAccounts.create on the project', async () => {
    const r = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
      as: ALICE,
      body: { accountId: 'alices-robot' },
    })
    expect(errorOf(r)).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: `Permission 'iam.serviceAccounts.create' denied on resource 'projects/${P}' (or it may not exist).`,
    })
  })

  it('gets one by email, by unique id and through projects/-', async () => {
    for (const path of [
      saName,
      `projects/${P}/serviceAccounts/${String(sa['uniqueId'])}`,
      `projects/-/serviceAccounts/${String(sa['email'])}`,
      `projects/-/serviceAccounts/${String(sa['email']).toUpperCase()}`,
    ]) {
      const r = await h.call('GET', `/v1/${path}`, { as: OWNER })
      expect(r.status, path).toBe(200)
      expect(r.json['name']).toBe(saName)
    }
  })

  it('authorizes before existence: 403 for a stranger, 404 for the owner', async () => {
    const missing = `projects/${P}/serviceAccounts/nobody-here@${P}.iam.gserviceaccount.com`
    const stranger = await h.call('GET', `/v1/${missing}`, { as: ALICE })
    expect(errorOf(stranger).code).toBe(403)
    const real = await h.call('GET', `/v1/${saName}`, { as: ALICE })
    expect(errorOf(real)).toMatchObject({
      code: 403,
      message: `Permission 'iam.serviceAccounts.get' denied on resource '${saName}' (or it may not exist).`,
    })
    const owner = await h.call('GET', `/v1/${missing}`, { as: OWNER })
    expect(errorOf(owner)).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message: `Unknown service account: ${missing}`,
    })
  })

  it('lists with paging, for holders of iam.serviceAccounts.list', async () => {
    for (const id of ['robot-two', 'robot-three']) {
      const r = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
        as: OWNER,
        body: { accountId: id },
      })
      expect(r.status).toBe(200)
    }
    const first = await h.call('GET', `/v1/projects/${P}/serviceAccounts?pageSize=2`, {
      as: OWNER,
    })
    const emails = (first.json['accounts'] as { email: string }[]).map((a) => a.email)
    expect(emails).toEqual([
      `my-robot@${P}.iam.gserviceaccount.com`,
      `robot-three@${P}.iam.gserviceaccount.com`,
    ])
    const second = await h.call(
      'GET',
      `/v1/projects/${P}/serviceAccounts?pageSize=2&pageToken=${String(first.json['nextPageToken'])}`,
      { as: OWNER },
    )
    expect((second.json['accounts'] as { email: string }[]).map((a) => a.email)).toEqual([
      `robot-two@${P}.iam.gserviceaccount.com`,
    ])
    expect(second.json['nextPageToken']).toBeUndefined()
    expect(
      errorOf(await h.call('GET', `/v1/projects/${P}/serviceAccounts`, { as: ALICE })).message,
    ).toContain("'iam.serviceAccounts.list'")
  })

  it('patches the display name and description', async () => {
    const r = await h.call(
      'PATCH',
      `/v1/projects/${P}/serviceAccounts/robot-two@${P}.iam.gserviceaccount.com`,
      {
        as: OWNER,
        body: { serviceAccount: { displayName: 'Two' }, updateMask: 'displayName' },
      },
    )
    expect(r.status).toBe(200)
    expect(r.json['displayName']).toBe('Two')
  })
})

describe('keys', () => {
  it('creates a JSON key file, lists, gets and deletes keys', async () => {
    const created = await h.call('POST', `/v1/${saName}/keys`, { as: OWNER, body: {} })
    expect(created.status).toBe(200)
    expect(created.json).toMatchObject({
      name: expect.stringMatching(new RegExp(`^${saName}/keys/[0-9a-f]{40}$`)),
      privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE',
      keyAlgorithm: 'KEY_ALG_RSA_2048',
      keyOrigin: 'GOOGLE_PROVIDED',
      keyType: 'USER_MANAGED',
      validAfterTime: '2026-01-01T00:00:00.000Z',
      validBeforeTime: '9999-12-31T23:59:59Z',
    })
    const file = JSON.parse(
      Buffer.from(String(created.json['privateKeyData']), 'base64').toString('utf8'),
    ) as Record<string, string>
    const keyId = String(created.json['name']).split('/').at(-1)
    expect(file).toMatchObject({
      type: 'service_account',
      project_id: P,
      private_key_id: keyId,
      client_email: sa['email'],
      client_id: sa['uniqueId'],
      token_uri: `${ISSUER}/token`,
      universe_domain: 'googleapis.com',
    })
    expect(file['private_key']).toMatch(/^-----BEGIN PRIVATE KEY-----/)

    const listed = await h.call('GET', `/v1/${saName}/keys`, { as: OWNER })
    expect((listed.json['keys'] as { name: string }[]).map((k) => k.name)).toEqual([
      created.json['name'],
    ])
    expect(JSON.stringify(listed.json)).not.toContain('privateKeyData')
    const got = await h.call('GET', `/v1/${String(created.json['name'])}`, { as: OWNER })
    expect(got.json['name']).toBe(created.json['name'])
    expect(
      errorOf(await h.call('GET', `/v1/${String(created.json['name'])}`, { as: ALICE })).message,
    ).toBe(
      `Permission 'iam.serviceAccountKeys.get' denied on resource '${saName}' (or it may not exist).`,
    )
    expect(
      await h.call('DELETE', `/v1/${String(created.json['name'])}`, { as: OWNER }),
    ).toMatchObject({ status: 200, json: {} })
    expect(
      errorOf(await h.call('GET', `/v1/${String(created.json['name'])}`, { as: OWNER })).code,
    ).toBe(404)
  })

  it('lets roles/iam.serviceAccountKeyAdmin on the account manage keys, nothing else', async () => {
    await grant(saName, 'roles/iam.serviceAccountKeyAdmin', CAROL)
    const created = await h.call('POST', `/v1/${saName}/keys`, { as: CAROL, body: {} })
    expect(created.status).toBe(200)
    const other = `projects/${P}/serviceAccounts/robot-two@${P}.iam.gserviceaccount.com`
    expect(errorOf(await h.call('POST', `/v1/${other}/keys`, { as: CAROL, body: {} })).code).toBe(
      403,
    )
    expect(errorOf(await h.call('DELETE', `/v1/${saName}`, { as: CAROL })).message).toContain(
      "'iam.serviceAccounts.delete'",
    )
  })
  it("refuses an 11th key with Google's 400 FAILED_PRECONDITION; deleting one makes room", async () => {
    const other = `projects/${P}/serviceAccounts/key-limit@${P}.iam.gserviceaccount.com`
    expect(
      (
        await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
          as: OWNER,
          body: { accountId: 'key-limit' },
        })
      ).status,
    ).toBe(200)
    // Concurrent creates: the limit holds because the count and the insert share a transaction.
    const first = await Promise.all(
      Array.from({ length: 12 }, () =>
        h.call('POST', `/v1/${other}/keys`, { as: OWNER, body: {} }),
      ),
    )
    expect(first.filter((r) => r.status === 200)).toHaveLength(10)
    for (const refused of first.filter((r) => r.status !== 200)) {
      expect(refused.status).toBe(400)
      expect(refused.json['error']).toMatchObject({
        code: 400,
        status: 'FAILED_PRECONDITION',
        message: 'Precondition check failed.',
        details: [
          expect.objectContaining({
            reason: 'SERVICE_ACCOUNT_KEY_LIMIT',
            metadata: { email: `key-limit@${P}.iam.gserviceaccount.com`, limit: '10' },
          }),
        ],
      })
    }
    const keys = (await h.call('GET', `/v1/${other}/keys`, { as: OWNER })).json['keys'] as {
      name: string
    }[]
    expect(keys).toHaveLength(10)
    // Another account's keys are counted apart.
    expect((await h.call('POST', `/v1/${saName}/keys`, { as: OWNER, body: {} })).status).toBe(200)
    expect((await h.call('DELETE', `/v1/${keys[0]?.name ?? ''}`, { as: OWNER })).status).toBe(200)
    expect((await h.call('POST', `/v1/${other}/keys`, { as: OWNER, body: {} })).status).toBe(200)
    expect(errorOf(await h.call('POST', `/v1/${other}/keys`, { as: OWNER, body: {} })).code).toBe(
      400,
    )
  })
})

describe("a service account's policy", () => {
  it('refuses a Cloud Run role and accepts the service account roles', async () => {
    const bad = await h.call('POST', `/v1/${saName}:setIamPolicy`, {
      as: OWNER,
      body: { policy: { bindings: [{ role: 'roles/run.invoker', members: [ALICE] }] } },
    })
    expect(errorOf(bad)).toMatchObject({
      code: 400,
      message: 'Role roles/run.invoker is not supported for this resource.',
    })
  })

  it('is read back with getIamPolicy (query version, as gcloud sends it)', async () => {
    await grant(saName, 'roles/iam.serviceAccountUser', BOB)
    const r = await h.call('POST', `/v1/${saName}:getIamPolicy?options.requestedPolicyVersion=3`, {
      as: OWNER,
    })
    expect(JSON.stringify(r.json['bindings'])).toContain('roles/iam.serviceAccountUser')
    const t = await h.call('POST', `/v1/${saName}:testIamPermissions`, {
      as: BOB,
      body: { permissions: ['iam.serviceAccounts.actAs', 'iam.serviceAccounts.delete'] },
    })
    expect(t.json).toEqual({ permissions: ['iam.serviceAccounts.actAs'] })
  })

  it('needs iam.serviceAccounts.setIamPolicy, which editor lacks', async () => {
    await grant(`projects/${P}`, 'roles/editor', 'user:ed@example.com')
    const r = await h.call('POST', `/v1/${saName}:setIamPolicy`, {
      as: 'user:ed@example.com',
      body: { policy: { bindings: [] } },
    })
    expect(errorOf(r).message).toContain("'iam.serviceAccounts.setIamPolicy'")
    expect((await h.call('GET', `/v1/${saName}`, { as: 'user:ed@example.com' })).status).toBe(200)
  })
})

describe('generateIdToken and generateAccessToken', () => {
  const idToken = (as: string, name = saName) =>
    h.call('POST', `/v1/${name}:generateIdToken`, {
      as,
      body: { audience: 'http://svc-1.us-central1.run.localhost', includeEmail: true },
    })

  it('refuses a caller without the permission, naming it (even a project owner)', async () => {
    expect(errorOf(await idToken(ALICE))).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: `Permission 'iam.serviceAccounts.getOpenIdToken' denied on resource '${saName}' (or it may not exist).`,
    })
    expect(errorOf(await idToken(OWNER)).code).toBe(403)
  })

  it('allows roles/iam.serviceAccountTokenCreator on the account; the token verifies', async () => {
    await grant(saName, 'roles/iam.serviceAccountTokenCreator', ALICE)
    const r = await idToken(ALICE, `projects/-/serviceAccounts/${String(sa['email'])}`)
    expect(r.status).toBe(200)
    expect(Object.keys(r.json)).toEqual(['token'])
    const { payload } = await jwtVerify(String(r.json['token']), jwks, {
      issuer: ISSUER,
      audience: 'http://svc-1.us-central1.run.localhost',
      currentDate: new Date(NOW),
    })
    expect(payload).toMatchObject({ email: sa['email'], email_verified: true, sub: sa['uniqueId'] })
    const at = await h.call('POST', `/v1/${saName}:generateAccessToken`, {
      as: ALICE,
      body: { scope: ['https://www.googleapis.com/auth/cloud-platform'], lifetime: '600s' },
    })
    expect(at.json).toEqual({ accessToken: expect.any(String), expireTime: '2026-01-01T00:10:00Z' })
  })

  it('allows roles/iam.serviceAccountOpenIdTokenCreator on the project: ID tokens only', async () => {
    const other = `projects/${P}/serviceAccounts/robot-two@${P}.iam.gserviceaccount.com`
    expect(errorOf(await idToken(BOB, other)).code).toBe(403)
    await grant(`projects/${P}`, 'roles/iam.serviceAccountOpenIdTokenCreator', BOB)
    expect((await idToken(BOB, other)).status).toBe(200)
    const at = await h.call('POST', `/v1/${other}:generateAccessToken`, {
      as: BOB,
      body: { scope: ['https://www.googleapis.com/auth/cloud-platform'] },
    })
    expect(errorOf(at).message).toBe(
      `Permission 'iam.serviceAccounts.getAccessToken' denied on resource '${other}' (or it may not exist).`,
    )
  })

  it.each([
    [{}, 'Field audience is required.'],
    [{ audience: 'x', includeEmail: 'yes' }, "Invalid value at 'include_email'"],
  ])('refuses a bad request body %j', async (body, message) => {
    const r = await h.call('POST', `/v1/${saName}:generateIdToken`, { as: ALICE, body })
    expect(errorOf(r).code).toBe(400)
    expect(errorOf(r).message).toContain(message)
  })

  it.each([
    [{ scope: [] }, 'Field scope is required'],
    [{ scope: ['s'], lifetime: '7200s' }, 'out of range'],
    [{ scope: ['s'], lifetime: 'soon' }, "Invalid value at 'lifetime'"],
  ])('refuses a bad generateAccessToken body %j', async (body, message) => {
    const r = await h.call('POST', `/v1/${saName}:generateAccessToken`, { as: ALICE, body })
    expect(errorOf(r).code).toBe(400)
    expect(errorOf(r).message).toContain(message)
  })

  it('walks a delegation chain', async () => {
    const two = `projects/-/serviceAccounts/robot-two@${P}.iam.gserviceaccount.com`
    const three = `projects/${P}/serviceAccounts/robot-three@${P}.iam.gserviceaccount.com`
    const body = { audience: 'aud', delegates: [two] }
    expect(
      errorOf(await h.call('POST', `/v1/${three}:generateIdToken`, { as: CAROL, body })).message,
    ).toContain("'iam.serviceAccounts.implicitDelegation'")
    await grant(
      `projects/${P}/serviceAccounts/robot-two@${P}.iam.gserviceaccount.com`,
      'roles/iam.serviceAccountTokenCreator',
      CAROL,
    )
    expect(
      errorOf(await h.call('POST', `/v1/${three}:generateIdToken`, { as: CAROL, body })).message,
    ).toContain("'iam.serviceAccounts.getOpenIdToken'")
    await grant(
      three,
      'roles/iam.serviceAccountOpenIdTokenCreator',
      `serviceAccount:robot-two@${P}.iam.gserviceaccount.com`,
    )
    expect((await h.call('POST', `/v1/${three}:generateIdToken`, { as: CAROL, body })).status).toBe(
      200,
    )
  })

  it('refuses a disabled account with 400 FAILED_PRECONDITION, and works once enabled', async () => {
    expect((await h.call('POST', `/v1/${saName}:disable`, { as: OWNER, body: {} })).status).toBe(
      200,
    )
    expect((await h.call('GET', `/v1/${saName}`, { as: OWNER })).json['disabled']).toBe(true)
    expect(errorOf(await idToken(ALICE))).toEqual({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: `Service account ${String(sa['email'])} is disabled.`,
    })
    await h.call('POST', `/v1/${saName}:enable`, { as: OWNER, body: {} })
    expect((await idToken(ALICE)).status).toBe(200)
  })
})

describe('deleting a service account', () => {
  it('deletes its keys and its policy; it is then 404', async () => {
    const name = `projects/${P}/serviceAccounts/robot-three@${P}.iam.gserviceaccount.com`
    const key = await h.call('POST', `/v1/${name}/keys`, { as: OWNER, body: {} })
    expect(key.status).toBe(200)
    expect(errorOf(await h.call('DELETE', `/v1/${name}`, { as: ALICE })).code).toBe(403)
    expect(await h.call('DELETE', `/v1/${name}`, { as: OWNER })).toMatchObject({
      status: 200,
      json: {},
    })
    expect(errorOf(await h.call('GET', `/v1/${name}`, { as: OWNER })).code).toBe(404)
    expect(await store.getServiceAccountKey(String(key.json['name']).split('/').at(-1) ?? '')).toBe(
      undefined,
    )
    expect(await store.getPolicy(name)).toBeUndefined()
    const again = await h.call('POST', `/v1/projects/${P}/serviceAccounts`, {
      as: OWNER,
      body: { accountId: 'robot-three' },
    })
    expect(again.status).toBe(200)
    expect(again.json['uniqueId']).not.toBe(undefined)
  })
})
