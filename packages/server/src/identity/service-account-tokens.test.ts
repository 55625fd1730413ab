// The bootstrap service account (SPEC §3) and the token endpoint's JWT-bearer grant, over real
// HTTP on a real server (SQLite in a temp folder, no --dev): the key file written at first start
// gets access and ID tokens; bad assertions, deleted keys and disabled accounts are refused.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRemoteJWKSet, generateKeyPair, importPKCS8, jwtVerify, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { startServer, type RunningServer } from '../main.js'

interface KeyFile {
  type: string
  project_id: string
  private_key_id: string
  private_key: string
  client_email: string
  client_id: string
  token_uri: string
  universe_domain: string
}

let dir: string
let server: RunningServer
let keyFile: KeyFile

const GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer'

async function assertion(
  key: KeyFile,
  claims: Record<string, unknown>,
  opts: { kid?: string | null; aud?: string; iat?: number; exp?: number; pem?: string } = {},
): Promise<string> {
  const iat = opts.iat ?? Math.floor(Date.now() / 1000)
  const privateKey = await importPKCS8(opts.pem ?? key.private_key, 'RS256')
  const header: { alg: string; kid?: string } = { alg: 'RS256' }
  if (opts.kid !== null) header.kid = opts.kid ?? key.private_key_id
  return new SignJWT({ iss: key.client_email, aud: opts.aud ?? key.token_uri, ...claims })
    .setProtectedHeader(header)
    .setIssuedAt(iat)
    .setExpirationTime(opts.exp ?? iat + 3600)
    .sign(privateKey)
}

async function exchange(jwt: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: GRANT, assertion: jwt }).toString(),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

async function api(
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return {
    status: res.status,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  }
}

async function accessTokenFor(key: KeyFile): Promise<string> {
  const r = await exchange(
    await assertion(key, { scope: 'https://www.googleapis.com/auth/cloud-platform' }),
  )
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body['access_token'] as string
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-sa-tokens-'))
  server = await startServer(loadConfig(['--port', '0', '--data', dir, '--no-access-log']))
  keyFile = JSON.parse(readFileSync(join(dir, 'bootstrap-key.json'), 'utf8')) as KeyFile
})

afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('bootstrap service account', () => {
  it('writes a Google-shaped key file, mode 0600, naming runiam’s token endpoint', () => {
    expect(server.bootstrap).toEqual({
      email: 'runiam-bootstrap@runiam-system.iam.gserviceaccount.com',
      keyFile: join(dir, 'bootstrap-key.json'),
      created: true,
    })
    expect(statSync(join(dir, 'bootstrap-key.json')).mode & 0o777).toBe(0o600)
    expect(keyFile).toMatchObject({
      type: 'service_account',
      project_id: 'runiam-system',
      client_email: 'runiam-bootstrap@runiam-system.iam.gserviceaccount.com',
      token_uri: `${server.url}/token`,
      universe_domain: 'googleapis.com',
    })
    expect(keyFile.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    expect(keyFile.private_key_id).toMatch(/^[0-9a-f]{40}$/)
    expect(keyFile.client_id).toMatch(/^\d{21}$/)
  })

  it('owns the organization: its access token creates projects', async () => {
    const token = await accessTokenFor(keyFile)
    const created = await api('POST', '/v1/projects', token, { projectId: 'made-by-sa' })
    expect(created.status).toBe(200)
    const policy = await api(
      'POST',
      `/v1/organizations/${server.organizationId}:getIamPolicy`,
      token,
      {},
    )
    expect(JSON.stringify(policy.json)).toContain(
      'serviceAccount:runiam-bootstrap@runiam-system.iam.gserviceaccount.com',
    )
  })

  it('is not created again on restart on the same data folder', async () => {
    const port = server.port
    await server.close()
    server = await startServer(
      loadConfig(['--port', String(port), '--data', dir, '--no-access-log']),
    )
    expect(server.bootstrap?.created).toBe(false)
    const again = JSON.parse(readFileSync(join(dir, 'bootstrap-key.json'), 'utf8')) as KeyFile
    expect(again.private_key_id).toBe(keyFile.private_key_id)
    await accessTokenFor(keyFile)
  })
})

describe('JWT-bearer grant', () => {
  it('answers an access token for a scope, usable on the admin API', async () => {
    const r = await exchange(
      await assertion(keyFile, { scope: 'https://www.googleapis.com/auth/cloud-platform' }),
    )
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 })
    expect(r.body['id_token']).toBeUndefined()
  })

  it("accepts google-auth-library's form: no kid, aud = Google's token URL", async () => {
    const r = await exchange(
      await assertion(
        keyFile,
        { scope: 'https://www.googleapis.com/auth/cloud-platform' },
        { kid: null, aud: 'https://oauth2.googleapis.com/token' },
      ),
    )
    expect(r.status, JSON.stringify(r.body)).toBe(200)
  })

  it('answers only {id_token} for target_audience, verifiable with runiam’s JWKS', async () => {
    const r = await exchange(
      await assertion(keyFile, { target_audience: 'http://hello-1.us-central1.run.localhost' }),
    )
    expect(r.status).toBe(200)
    expect(Object.keys(r.body)).toEqual(['id_token'])
    const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth2/v3/certs`))
    const { payload } = await jwtVerify(r.body['id_token'] as string, jwks, {
      issuer: server.url,
      audience: 'http://hello-1.us-central1.run.localhost',
    })
    expect(payload).toMatchObject({
      email: keyFile.client_email,
      email_verified: true,
      sub: keyFile.client_id,
    })
  })

  it.each<[string, () => Promise<string>, string]>([
    [
      'an expired assertion',
      () =>
        assertion(
          keyFile,
          { scope: 's' },
          { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 },
        ),
      'Invalid JWT: Token must be a short-lived token',
    ],
    [
      'an assertion longer than an hour',
      () => assertion(keyFile, { scope: 's' }, { exp: Math.floor(Date.now() / 1000) + 7200 }),
      'Invalid JWT: Token must be a short-lived token',
    ],
    [
      'an iat in the future',
      () =>
        assertion(
          keyFile,
          { scope: 's' },
          { iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 1200 },
        ),
      'Invalid JWT',
    ],
    [
      'the wrong audience',
      () => assertion(keyFile, { scope: 's' }, { aud: 'https://example.com/token' }),
      'Invalid JWT: the aud claim is not acceptable.',
    ],
    [
      'an unknown key id',
      () => assertion(keyFile, { scope: 's' }, { kid: 'f'.repeat(40) }),
      'Invalid JWT Signature.',
    ],
    [
      'a signature by another key',
      async () => {
        const { privateKey } = await generateKeyPair('RS256', { extractable: true })
        const { exportPKCS8 } = await import('jose')
        return assertion(keyFile, { scope: 's' }, { pem: await exportPKCS8(privateKey) })
      },
      'Invalid JWT Signature.',
    ],
    [
      'an unknown account',
      () =>
        assertion(
          { ...keyFile, client_email: 'ghost-account@runiam-system.iam.gserviceaccount.com' },
          { scope: 's' },
        ),
      'Invalid grant: account not found',
    ],
  ])('refuses %s with invalid_grant', async (_what, make, description) => {
    const r = await exchange(await make())
    expect(r.status).toBe(400)
    expect(r.body['error']).toBe('invalid_grant')
    expect(String(r.body['error_description'])).toContain(description)
  })

  it('refuses an assertion with neither scope nor target_audience (invalid_scope)', async () => {
    const r = await exchange(await assertion(keyFile, {}))
    expect(r).toEqual({
      status: 400,
      body: { error: 'invalid_scope', error_description: 'Empty or missing scope not allowed.' },
    })
  })

  it('stops honouring a key once deleted, and an account once disabled', async () => {
    const owner = await accessTokenFor(keyFile)
    const created = await api('POST', '/v1/projects/runiam-system/serviceAccounts', owner, {
      accountId: 'worker-one',
    })
    expect(created.status).toBe(200)
    const sa = `projects/runiam-system/serviceAccounts/${String(created.json['email'])}`
    const newKey = await api('POST', `/v1/${sa}/keys`, owner, {})
    expect(newKey.status).toBe(200)
    const file = JSON.parse(
      Buffer.from(String(newKey.json['privateKeyData']), 'base64').toString('utf8'),
    ) as KeyFile
    await accessTokenFor(file)

    await api('POST', `/v1/${sa}:disable`, owner, {})
    const whileDisabled = await exchange(await assertion(file, { scope: 's' }))
    expect(whileDisabled.body).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid grant: account not found',
    })
    await api('POST', `/v1/${sa}:enable`, owner, {})
    await accessTokenFor(file)

    const deleted = await api('DELETE', `/v1/${String(newKey.json['name'])}`, owner)
    expect(deleted).toEqual({ status: 200, json: {} })
    const afterDelete = await exchange(await assertion(file, { scope: 's' }))
    expect(afterDelete.body).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid JWT Signature.',
    })
  })
})

describe('an account’s existing access tokens on the admin API (as Google)', () => {
  it('are refused while it is disabled, accepted again once enabled, refused once deleted or made again', async () => {
    const owner = await accessTokenFor(keyFile)
    const make = async () => {
      const created = await api('POST', '/v1/projects/runiam-system/serviceAccounts', owner, {
        accountId: 'worker-two',
      })
      expect(created.status, JSON.stringify(created.json)).toBe(200)
      const name = `projects/runiam-system/serviceAccounts/${String(created.json['email'])}`
      const key = await api('POST', `/v1/${name}/keys`, owner, {})
      expect(key.status).toBe(200)
      const file = JSON.parse(
        Buffer.from(String(key.json['privateKeyData']), 'base64').toString('utf8'),
      ) as KeyFile
      return { name, token: await accessTokenFor(file) }
    }
    // Authenticated but granted nothing: 403; its token refused: 401, saying why.
    const status = async (token: string) => {
      const r = await api('GET', '/v1/projects/runiam-system/serviceAccounts', token)
      return {
        status: r.status,
        message: String((r.json['error'] as { message?: string })?.message),
      }
    }
    const { name, token } = await make()
    // Twice each: the second use is answered from the verified-token memory.
    for (let i = 0; i < 2; i++) expect((await status(token)).status).toBe(403)
    expect((await api('POST', `/v1/${name}:disable`, owner, {})).status).toBe(200)
    for (let i = 0; i < 2; i++) {
      const refused = await status(token)
      expect(refused.status).toBe(401)
      expect(refused.message).toMatch(/service account \[worker-two@.*\] is disabled/)
    }
    expect((await api('POST', `/v1/${name}:enable`, owner, {})).status).toBe(200)
    expect((await status(token)).status).toBe(403)
    expect((await api('DELETE', `/v1/${name}`, owner)).status).toBe(200)
    const gone = await status(token)
    expect(gone.status).toBe(401)
    expect(gone.message).toMatch(/no longer exists/)
    // Made again under the same email: another account; the old token is not its.
    const again = await make()
    const other = await status(token)
    expect(other.status).toBe(401)
    expect(other.message).toMatch(/the account of that email now is another/)
    expect((await status(again.token)).status).toBe(403)
  })
})
