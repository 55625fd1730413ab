// An outsider on the web against the console and the API it calls, through the whole server on a
// real socket (SQLite in a temp folder, --dev): what another origin's page can make a signed-in
// user's browser send (CSRF: forms, cookies, a token in the URL, CORS), the security headers of
// every console answer, the OIDC callback's code kept out of the logs, and hostile Range headers.
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { startServer, type RunningServer } from '../main.js'

const EVIL = 'https://evil.example'
const PROJECT = 'csrf-target'
const MALLORY = 'user:mallory@example.com'

let dir = ''
let server: RunningServer
let port = 0
let token = ''
const logs: Record<string, unknown>[] = []

interface Answer {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
}

/** One request as a browser could send it (any header, raw path), answered in full. */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString('latin1')))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

async function policyMembers(): Promise<string[]> {
  const r = await send(
    'POST',
    `/v1/projects/${PROJECT}:getIamPolicy`,
    { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    '{}',
  )
  expect(r.status, r.text).toBe(200)
  const policy = JSON.parse(r.text) as { bindings?: { members: string[] }[] }
  return (policy.bindings ?? []).flatMap((b) => b.members)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-console-web-'))
  server = await startServer(loadConfig(['--dev', '--port', '0', '--data', dir]), {
    log: (e: Record<string, unknown>) => logs.push(e),
  })
  port = Number(new URL(server.url).port)
  const login = await send(
    'POST',
    '/token',
    { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: 'admin@example.com',
    }).toString(),
  )
  token = (JSON.parse(login.text) as { access_token: string }).access_token
  const created = await send(
    'POST',
    '/v1/projects',
    { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    JSON.stringify({ projectId: PROJECT }),
  )
  expect(created.status, created.text).toBe(200)
})

afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('CSRF: what another origin can make a signed-in browser send', () => {
  const grant = JSON.stringify({
    policy: { bindings: [{ role: 'roles/owner', members: [MALLORY] }] },
  })

  it('changes nothing with forms, cookies or a token in the URL: the API takes a bearer header only', async () => {
    const target = `/v1/projects/${PROJECT}:setIamPolicy`
    const attempts: [string, Record<string, string>, string | undefined][] = [
      // <form enctype="text/plain"> and the default form encoding: no preflight, no Authorization.
      [target, { origin: EVIL, 'content-type': 'text/plain' }, grant],
      [
        target,
        { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
        `policy=${encodeURIComponent(grant)}`,
      ],
      [target, { origin: EVIL, 'content-type': 'multipart/form-data; boundary=x' }, grant],
      // Whatever cookie the browser holds for this host is not a credential here.
      [
        target,
        { origin: EVIL, 'content-type': 'text/plain', cookie: `token=${token}; session=${token}` },
        grant,
      ],
      // Google accepts ?access_token=; runiam does not, so a token never needs to sit in a URL.
      [`${target}?access_token=${token}`, { origin: EVIL, 'content-type': 'text/plain' }, grant],
      [`${target}?oauth_token=${token}`, { origin: EVIL, 'content-type': 'text/plain' }, grant],
    ]
    for (const [path, headers, body] of attempts) {
      const r = await send('POST', path, headers, body)
      expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401)
      expect(r.headers['access-control-allow-origin']).toBeUndefined()
      expect(r.headers['set-cookie']).toBeUndefined()
    }
    // A GET never changes state: the same call as a link or an <img> is not a route at all.
    const get = await send('GET', `${target}?access_token=${token}`, { origin: EVIL })
    expect(get.status).toBe(405)
    expect(await policyMembers()).not.toContain(MALLORY)
  })

  it('grants no other origin CORS: no preflight passes, no answer is readable', async () => {
    const preflight = await send('OPTIONS', `/v1/projects/${PROJECT}:setIamPolicy`, {
      origin: EVIL,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    })
    expect(preflight.status).toBe(405)
    for (const h of Object.keys(preflight.headers)) expect(h).not.toMatch(/^access-control-/)
    // Even a request that does carry the user's token (as only the console's own origin can
    // send it) names no origin that may read the answer.
    for (const path of ['/v1/organizations:search', '/console/login-options.json']) {
      const r = await send(
        path.startsWith('/console') ? 'GET' : 'POST',
        path,
        {
          origin: EVIL,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        path.startsWith('/console') ? undefined : '{}',
      )
      expect(r.status, path).toBe(200)
      for (const h of Object.keys(r.headers)) expect(h, path).not.toMatch(/^access-control-/)
    }
  })

  it('refuses a cross-site form posted to the code exchange (JSON only), before any issuer', async () => {
    const r = await send(
      'POST',
      '/console/oidc-token',
      { origin: EVIL, 'content-type': 'application/x-www-form-urlencoded' },
      'issuer=x&code=y',
    )
    expect(r.status).toBe(400)
    expect(JSON.parse(r.text)).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } })
  })
})

describe('the console’s answers, as a page elsewhere would meet them', () => {
  it('carries a strict CSP, no framing, no sniffing and no Referer on every answer', async () => {
    const answers: [string, string][] = [
      ['GET', '/console/'],
      ['GET', '/console'],
      ['GET', '/console/projects/p/iam'],
      ['GET', '/console/oidc-callback?code=c&state=s'],
      ['GET', '/console/favicon.svg'],
      ['GET', '/console/assets/missing-0.js'],
      ['POST', '/console/'],
      ['GET', '/console/login-options.json'],
      ['POST', '/console/oidc-token'],
    ]
    for (const [method, path] of answers) {
      const r = await send(method, path, { 'content-type': 'application/json' }, '')
      const what = `${method} ${path} (${r.status})`
      const csp = String(r.headers['content-security-policy'])
      const directives = new Map(
        csp.split(';').map((d) => {
          const [name = '', ...values] = d.trim().split(/\s+/)
          return [name, values] as const
        }),
      )
      // Scripts fall back to default-src: this origin's files only, no inline, no eval.
      expect(directives.get('default-src'), what).toEqual(["'self'"])
      expect(directives.has('script-src'), what).toBe(false)
      expect(csp, what).not.toMatch(/unsafe-|data:|blob:|\*/)
      expect(directives.get('frame-ancestors'), what).toEqual(["'none'"])
      expect(directives.get('object-src'), what).toEqual(["'none'"])
      expect(directives.get('base-uri'), what).toEqual(["'none'"])
      expect(r.headers['x-frame-options'], what).toBe('DENY')
      expect(r.headers['x-content-type-options'], what).toBe('nosniff')
      expect(r.headers['referrer-policy'], what).toBe('no-referrer')
      expect(r.headers['set-cookie'], what).toBeUndefined()
    }
  })

  it('keeps the OIDC callback’s code and state out of the access log', async () => {
    const code = 'CODE-7f3a9c-never-logged'
    const r = await send('GET', `/console/oidc-callback?code=${code}&state=STATE-never-logged`)
    expect(r.status).toBe(200)
    const lines = JSON.stringify(logs)
    expect(lines).toContain('/console/oidc-callback')
    expect(lines).not.toContain(code)
    expect(lines).not.toContain('STATE-never-logged')
  })

  it('answers hostile Range headers with the whole file, never an error', async () => {
    const whole = await send('GET', '/console/favicon.svg')
    expect(whole.status).toBe(200)
    for (const range of [
      'bytes=0-0',
      'bytes=99999999999999999999-',
      'bytes=-1,-1,-1,-1,-1,-1,-1,-1',
      `bytes=${Array.from({ length: 500 }, (_, i) => `${i}-${i}`).join(',')}`,
      'bytes=5-1',
      'lines=1-2',
      'bytes=\u00ff',
    ]) {
      const r = await send('GET', '/console/favicon.svg', { range })
      expect(r.status, range).toBe(200)
      expect(r.text, range).toBe(whole.text)
      expect(r.headers['content-range'], range).toBeUndefined()
    }
  })
})
