// The service account commands, key-file credentials and the metadata server against the CLI's
// fake server: the requests they send, gcloud's messages, the key file on disk, the JWT-bearer
// assertions they sign, and the GCE metadata protocol google-auth-library relies on.
import { createPublicKey, createVerify, generateKeyPairSync } from 'node:crypto'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { request } from 'node:http'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createClient } from '@runiam/api'
import { fixture, type Fixture } from '../testing/cli-fixture.js'
import type { RecordedRequest } from '../testing/fake-google.js'
import { isLocalHost, startMetadataServer } from './metadata-server.js'

const P = 'my-project'
const EMAIL = `my-sa@${P}.iam.gserviceaccount.com`
const SA = {
  name: `projects/${P}/serviceAccounts/${EMAIL}`,
  projectId: P,
  uniqueId: '112233445566778899001',
  email: EMAIL,
  displayName: 'My SA',
  etag: 'BwX=',
  oauth2ClientId: '112233445566778899001',
}

let f: Fixture

beforeEach(async () => {
  f = await fixture()
  f.env['RUNIAM_PROJECT'] = P
})
afterEach(async () => {
  await f.close()
})

const is =
  (method: string, path: string) =>
  (r: RecordedRequest): boolean =>
    r.method === method && r.path === path

function keyFile(tokenUri: string): { json: Record<string, string>; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return {
    json: {
      type: 'service_account',
      project_id: P,
      private_key_id: 'ab'.repeat(20),
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: EMAIL,
      client_id: SA.uniqueId,
      token_uri: tokenUri,
      universe_domain: 'googleapis.com',
    },
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}

function verifyAssertion(jwt: string, publicPem: string): Record<string, unknown> {
  const [h, p, s] = jwt.split('.') as [string, string, string]
  const v = createVerify('RSA-SHA256')
  v.update(`${h}.${p}`)
  expect(v.verify(createPublicKey(publicPem), Buffer.from(s, 'base64url'))).toBe(true)
  expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toMatchObject({
    alg: 'RS256',
    kid: 'ab'.repeat(20),
  })
  return JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>
}

describe('iam service-accounts', () => {
  it('create sends accountId and the display name, and says so like gcloud', async () => {
    f.fake.inject(is('POST', `/v1/projects/${P}/serviceAccounts`), { status: 200, body: SA })
    const r = await f.cli([
      'iam',
      'service-accounts',
      'create',
      'my-sa',
      '--display-name',
      'My SA',
      '--description=robot',
    ])
    expect(r).toMatchObject({ code: 0, stderr: 'Created service account [my-sa].\n' })
    expect(f.fake.requests.at(-1)?.body).toEqual({
      accountId: 'my-sa',
      serviceAccount: { displayName: 'My SA', description: 'robot' },
    })
  })

  it('list prints gcloud’s table, following pages', async () => {
    f.fake.inject(is('GET', `/v1/projects/${P}/serviceAccounts`), {
      status: 200,
      body: { accounts: [SA], nextPageToken: 'next' },
    })
    f.fake.inject(is('GET', `/v1/projects/${P}/serviceAccounts`), {
      status: 200,
      body: {
        accounts: [
          {
            ...SA,
            email: `b-sa@${P}.iam.gserviceaccount.com`,
            disabled: true,
            displayName: undefined,
          },
        ],
      },
    })
    const r = await f.cli(['iam', 'service-accounts', 'list'])
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n')[0]).toMatch(/^DISPLAY NAME\s+EMAIL\s+DISABLED$/)
    expect(r.stdout).toMatch(new RegExp(`My SA\\s+${EMAIL}\\s+False`))
    expect(r.stdout).toMatch(/b-sa@my-project\.iam\.gserviceaccount\.com\s+True/)
    expect(f.fake.requests.at(-1)?.query['pageToken']).toBe('next')
  })

  it('describe prints YAML of projects/-/serviceAccounts/EMAIL', async () => {
    f.fake.inject(is('GET', `/v1/projects/-/serviceAccounts/${EMAIL}`), { status: 200, body: SA })
    const r = await f.cli(['iam', 'service-accounts', 'describe', EMAIL])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain(`email: ${EMAIL}`)
    expect(r.stdout).toContain('uniqueId: ')
  })

  it('delete prompts, and --quiet skips the prompt', async () => {
    const path = `/v1/projects/-/serviceAccounts/${EMAIL}`
    const no = await f.cli(['iam', 'service-accounts', 'delete', EMAIL], { answers: ['n'] })
    expect(no.code).toBe(1)
    expect(no.stderr).toContain(`You are about to delete service account [${EMAIL}].`)
    expect(f.fake.requests.some(is('DELETE', path))).toBe(false)
    f.fake.inject(is('DELETE', path), { status: 200, body: {} })
    const yes = await f.cli(['iam', 'service-accounts', 'delete', EMAIL, '--quiet'])
    expect(yes).toMatchObject({ code: 0, stderr: `deleted service account [${EMAIL}]\n` })
  })

  it('keys create writes the key file with mode 0600', async () => {
    const file = join(f.dir, 'key.json')
    const contents = JSON.stringify({ type: 'service_account', client_email: EMAIL })
    f.fake.inject(is('POST', `/v1/projects/-/serviceAccounts/${EMAIL}/keys`), {
      status: 200,
      body: {
        name: `${SA.name}/keys/${'cd'.repeat(20)}`,
        privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE',
        privateKeyData: Buffer.from(contents).toString('base64'),
      },
    })
    const r = await f.cli([
      'iam',
      'service-accounts',
      'keys',
      'create',
      file,
      '--iam-account',
      EMAIL,
    ])
    expect(r).toMatchObject({
      code: 0,
      stderr: `created key [${'cd'.repeat(20)}] of type [json] as [${file}] for [${EMAIL}]\n`,
    })
    expect(await readFile(file, 'utf8')).toBe(contents)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(f.fake.requests.at(-1)?.body).toEqual({
      privateKeyType: 'TYPE_GOOGLE_CREDENTIALS_FILE',
      keyAlgorithm: 'KEY_ALG_RSA_2048',
    })
  })

  it('keys list and keys delete', async () => {
    f.fake.inject(is('GET', `/v1/projects/-/serviceAccounts/${EMAIL}/keys`), {
      status: 200,
      body: {
        keys: [
          {
            name: `${SA.name}/keys/${'cd'.repeat(20)}`,
            validAfterTime: '2026-01-01T00:00:00.000Z',
            validBeforeTime: '9999-12-31T23:59:59Z',
          },
        ],
      },
    })
    const list = await f.cli(['iam', 'service-accounts', 'keys', 'list', `--iam-account=${EMAIL}`])
    expect(list.stdout.split('\n')[0]).toMatch(/^KEY_ID\s+CREATED_AT\s+EXPIRES_AT\s+DISABLED$/)
    expect(list.stdout).toMatch(
      new RegExp(`${'cd'.repeat(20)}\\s+2026-01-01T00:00:00Z\\s+9999-12-31T23:59:59Z`),
    )
    f.fake.inject(is('DELETE', `/v1/projects/-/serviceAccounts/${EMAIL}/keys/${'cd'.repeat(20)}`), {
      status: 200,
      body: {},
    })
    const del = await f.cli(
      ['iam', 'service-accounts', 'keys', 'delete', 'cd'.repeat(20), '--iam-account', EMAIL],
      { answers: ['y'] },
    )
    expect(del.code).toBe(0)
    expect(del.stderr).toContain(
      `deleted key [${'cd'.repeat(20)}] for service account [${EMAIL}]\n`,
    )
  })

  it('keys create needs --iam-account', async () => {
    const r = await f.cli(['iam', 'service-accounts', 'keys', 'create', 'k.json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--iam-account')
  })
})

describe('auth activate-service-account and key-file credentials', () => {
  it('activates a key file; API calls then carry a token from a signed JWT-bearer exchange', async () => {
    const { json, publicPem } = keyFile(`${f.fake.endpoint}/token`)
    const file = join(f.dir, 'sa.json')
    await writeFile(file, JSON.stringify(json))
    const act = await f.cli(['auth', 'activate-service-account', '--key-file', file])
    expect(act).toMatchObject({
      code: 0,
      stderr: `Activated service account credentials for: [${EMAIL}]\n`,
    })
    expect(f.fake.requests).toHaveLength(0)
    f.fake.projects.set(P, { projectId: P, projectNumber: '123' })
    f.fake.inject((r) => r.path === '/token', {
      status: 200,
      body: { access_token: 'sa-access', expires_in: 3600, token_type: 'Bearer' },
    })
    const d = await f.cli(['projects', 'describe', P])
    expect(d.code, d.stderr).toBe(0)
    const [token, call] = f.fake.requests
    const form = token?.body as Record<string, string>
    expect(form['grant_type']).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer')
    const claims = verifyAssertion(form['assertion'] ?? '', publicPem)
    expect(claims).toMatchObject({
      iss: EMAIL,
      aud: `${f.fake.endpoint}/token`,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
    })
    expect(Number(claims['exp']) - Number(claims['iat'])).toBe(3600)
    expect(call?.headers.authorization).toBe('Bearer sa-access')
  })

  it('reports a refused key the way gcloud does', async () => {
    const { json } = keyFile(`${f.fake.endpoint}/token`)
    const file = join(f.dir, 'sa.json')
    await writeFile(file, JSON.stringify(json))
    await f.cli(['auth', 'activate-service-account', EMAIL, `--key-file=${file}`])
    f.fake.inject((r) => r.path === '/token', {
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    })
    const d = await f.cli(['projects', 'describe', P])
    expect(d.code).toBe(1)
    expect(d.stderr).toContain(
      'ERROR: (runiam.projects.describe) There was a problem refreshing your current auth tokens: invalid_grant: Invalid JWT Signature.',
    )
  })

  it('refuses a key file that is not a service account key, or of another account', async () => {
    const file = join(f.dir, 'bad.json')
    await writeFile(file, JSON.stringify({ type: 'authorized_user' }))
    const bad = await f.cli(['auth', 'activate-service-account', '--key-file', file])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('is not a service account key file')
    const { json } = keyFile(`${f.fake.endpoint}/token`)
    await writeFile(file, JSON.stringify(json))
    const other = await f.cli(['auth', 'activate-service-account', 'x@y.com', '--key-file', file])
    expect(other.stderr).toContain('does not match the account name in the key file')
  })

  it('print-identity-token: target_audience with a key file, generateIdToken when impersonating', async () => {
    const { json, publicPem } = keyFile(`${f.fake.endpoint}/token`)
    const file = join(f.dir, 'sa.json')
    await writeFile(file, JSON.stringify(json))
    await f.cli(['auth', 'activate-service-account', '--key-file', file])
    f.fake.inject((r) => r.path === '/token', { status: 200, body: { id_token: 'sa-id-token' } })
    const r = await f.cli([
      'auth',
      'print-identity-token',
      '--audiences',
      'http://svc.run.localhost',
    ])
    expect(r).toMatchObject({ code: 0, stdout: 'sa-id-token\n' })
    const form = f.fake.requests.at(-1)?.body as Record<string, string>
    expect(verifyAssertion(form['assertion'] ?? '', publicPem)).toMatchObject({
      target_audience: 'http://svc.run.localhost',
    })

    await f.cli(['config', 'set', 'account', 'alice@example.com'])
    f.fake.inject(is('POST', `/v1/projects/-/serviceAccounts/${EMAIL}:generateIdToken`), {
      status: 200,
      body: { token: 'impersonated' },
    })
    const imp = await f.cli([
      'auth',
      'print-identity-token',
      '--impersonate-service-account',
      EMAIL,
      '--audiences=http://svc.run.localhost',
      '--include-email',
    ])
    expect(imp).toMatchObject({ code: 0, stdout: 'impersonated\n' })
    expect(f.fake.requests.at(-1)?.body).toEqual({
      audience: 'http://svc.run.localhost',
      includeEmail: true,
    })
    expect(f.fake.requests.at(-1)?.headers.authorization).toBe('Bearer access-alice@example.com')
  })

  it('print-identity-token for a dev login asks the token endpoint for that audience', async () => {
    f.fake.inject((r) => r.path === '/token', {
      status: 200,
      body: { access_token: 'a', id_token: 'dev-id' },
    })
    const r = await f.cli(['auth', 'print-identity-token', '--audiences', 'http://svc'])
    expect(r).toMatchObject({ code: 0, stdout: 'dev-id\n' })
    expect(f.fake.requests.at(-1)?.body).toMatchObject({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: 'alice@example.com',
      audience: 'http://svc',
    })
  })
})

describe('metadata server', () => {
  function jwt(exp: number): string {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
    return `${part({ alg: 'RS256' })}.${part({ exp, aud: 'x' })}.sig`
  }

  it('gives no token to a page whose DNS name was rebound to 127.0.0.1 (its Host is its own)', async () => {
    const client = createClient({ endpoint: f.fake.endpoint, getToken: async () => 'caller' })
    const md = await startMetadataServer({ serviceAccount: EMAIL, client, port: 0 })
    f.fake.inject(is('POST', `/v1/projects/-/serviceAccounts/${EMAIL}:generateAccessToken`), {
      status: 200,
      body: { accessToken: 'sa-at', expireTime: new Date(Date.now() + 3600_000).toISOString() },
    })
    // As a browser sends it from http://attacker.example:PORT, same-origin after the rebinding.
    const get = (host: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: md.port,
            path: '/computeMetadata/v1/instance/service-accounts/default/token',
            headers: { host, 'metadata-flavor': 'Google', origin: `http://${host}` },
          },
          (res) => {
            let text = ''
            res.on('data', (d: Buffer) => (text += d.toString()))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
          },
        )
        req.on('error', reject)
        req.end()
      })
    try {
      for (const host of [`attacker.example:${md.port}`, `127.0.0.1.nip.io:${md.port}`]) {
        const r = await get(host)
        expect(r.status, host).toBe(403)
        expect(r.text, host).not.toContain('sa-at')
      }
      for (const host of [
        `127.0.0.1:${md.port}`,
        `localhost:${md.port}`,
        'metadata.google.internal',
      ]) {
        expect((await get(host)).text, host).toContain('sa-at')
      }
      expect(isLocalHost('127.0.0.1@attacker.example')).toBe(false)
      expect(isLocalHost(undefined)).toBe(false)
      expect(isLocalHost('[::1]:8090')).toBe(true)
    } finally {
      await md.close()
    }
  })

  it('serves the GCE endpoints with Metadata-Flavor, minting and caching tokens', async () => {
    f.fake.projects.set(P, { projectId: P, projectNumber: '424242424242' })
    const client = createClient({ endpoint: f.fake.endpoint, getToken: async () => 'caller' })
    const md = await startMetadataServer({ serviceAccount: EMAIL, client, port: 0 })
    try {
      const get = async (path: string, flavor = true) => {
        const res = await fetch(md.url + path, {
          headers: flavor ? { 'Metadata-Flavor': 'Google' } : {},
        })
        return {
          status: res.status,
          flavor: res.headers.get('metadata-flavor'),
          text: await res.text(),
        }
      }
      expect(await get('/', false)).toMatchObject({ status: 200, flavor: 'Google' })
      expect(await get('/computeMetadata/v1/instance', true)).toMatchObject({
        status: 200,
        flavor: 'Google',
      })
      expect((await get('/computeMetadata/v1/project/project-id', false)).status).toBe(403)
      expect(await get('/computeMetadata/v1/project/project-id')).toMatchObject({ text: P })
      expect(await get('/computeMetadata/v1/project/numeric-project-id')).toMatchObject({
        text: '424242424242',
      })
      expect((await get('/computeMetadata/v1/instance/id')).text).toMatch(/^\d{19}$/)
      expect(
        await get('/computeMetadata/v1/instance/service-accounts/default/email'),
      ).toMatchObject({ text: EMAIL })
      const listing = await get(
        '/computeMetadata/v1/instance/service-accounts/default/?recursive=true',
      )
      expect(JSON.parse(listing.text)).toMatchObject({ email: EMAIL, aliases: ['default'] })

      const exp = Math.floor(Date.now() / 1000) + 3600
      const idPath = `/v1/projects/-/serviceAccounts/${EMAIL}:generateIdToken`
      f.fake.inject(is('POST', idPath), { status: 200, body: { token: jwt(exp) } })
      const url =
        '/computeMetadata/v1/instance/service-accounts/default/identity?format=full&audience=http://svc.run.localhost'
      expect(await get(url)).toMatchObject({ status: 200, text: jwt(exp) })
      expect(await get(url)).toMatchObject({ status: 200, text: jwt(exp) })
      expect(f.fake.requests.filter(is('POST', idPath))).toHaveLength(1)
      expect(f.fake.requests.find(is('POST', idPath))?.body).toEqual({
        audience: 'http://svc.run.localhost',
        includeEmail: true,
      })
      expect(
        (await get('/computeMetadata/v1/instance/service-accounts/default/identity')).status,
      ).toBe(400)

      f.fake.inject(is('POST', `/v1/projects/-/serviceAccounts/${EMAIL}:generateAccessToken`), {
        status: 200,
        body: { accessToken: 'sa-at', expireTime: new Date(Date.now() + 3600_000).toISOString() },
      })
      const t = JSON.parse(
        (await get('/computeMetadata/v1/instance/service-accounts/default/token?scopes=a,b')).text,
      ) as Record<string, unknown>
      expect(t).toMatchObject({ access_token: 'sa-at', token_type: 'Bearer' })
      expect(Number(t['expires_in'])).toBeGreaterThan(3500)

      f.fake.inject(is('POST', idPath), {
        status: 403,
        body: { error: { code: 403, status: 'PERMISSION_DENIED', message: 'denied' } },
      })
      const denied = await get(
        '/computeMetadata/v1/instance/service-accounts/default/identity?audience=other',
      )
      expect(denied.status).toBe(500)
      expect(denied.text).toContain('denied')
    } finally {
      await md.close()
    }
  })
})
