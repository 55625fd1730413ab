// Attacks on the invoker gateway, end to end over real sockets: a real `runiam serve`, requests
// written byte for byte to its socket, and "recording upstreams" (node:http servers in this test)
// that keep exactly what reached them — method, raw request target, raw header lines — so each
// test proves what got through, not what the gateway meant to send. Three families:
//   1. upstream authority: who may point a service's route where (write time and request time);
//   2. caller headers: nothing a client sends may pose as the gateway's identity headers;
//   3. paths: the path a `request.path` condition admits is the path the upstream receives.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { idToken, login, startServer, type ServerProcess, type User } from './harness.js'
import { unusedPort } from './ports.js'

const PROJECT = 'atk-proj'
const EVIL_PROJECT = 'mallory-proj'
const REGION = 'us-central1'

/** What one request looked like on arrival at an upstream. */
interface Arrival {
  readonly method: string
  /** The request target exactly as received. */
  readonly url: string
  /** Header lines as received: [name, value, name, value, …], names in the sender's case. */
  readonly rawHeaders: readonly string[]
  readonly upgrade: boolean
}

/** A node:http server that answers 200 (and 101 to upgrades) and records every arrival. */
interface Recorder {
  readonly origin: string
  readonly port: number
  readonly seen: Arrival[]
  close(): Promise<void>
}

async function recorder(): Promise<Recorder> {
  const seen: Arrival[] = []
  const server: Server = createServer((req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: [...req.rawHeaders],
      upgrade: false,
    })
    req.resume()
    res.end('recorded')
  })
  server.on('upgrade', (req, socket) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: [...req.rawHeaders],
      upgrade: true,
    })
    socket.end(
      'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n',
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}

/** Header values an arrival carries under `name` (compared case- and `_`/`-`-insensitively). */
function headerValues(a: Arrival, name: string): string[] {
  const want = name.toLowerCase().replace(/_/g, '-')
  const out: string[] = []
  for (let i = 0; i < a.rawHeaders.length; i += 2) {
    if ((a.rawHeaders[i] ?? '').toLowerCase().replace(/_/g, '-') === want) {
      out.push(a.rawHeaders[i + 1] ?? '')
    }
  }
  return out
}

/** Header names of an arrival that start with x-runiam in any spelling. */
const runiamHeaderNames = (a: Arrival): string[] =>
  a.rawHeaders.filter((_, i) => i % 2 === 0 && /^x[-_]runiam/i.test(a.rawHeaders[i] ?? ''))

interface RawReply {
  readonly status: number
  readonly text: string
}

/**
 * Writes one HTTP/1.1 request to the server's socket exactly as given (any target, any header
 * lines, duplicates and odd spellings included) and reads the reply until the server closes.
 */
function raw(
  server: ServerProcess,
  target: string,
  headers: readonly (readonly [string, string])[],
  method = 'GET',
): Promise<RawReply> {
  const at = new URL(server.url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: at.hostname, port: Number(at.port) })
    let text = ''
    const done = () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)
      resolve({ status, text })
    }
    socket.setTimeout(15_000, () => {
      socket.destroy()
      done()
    })
    socket.on('data', (d: Buffer) => {
      text += d.toString('latin1')
      // An upgrade answered 101 stays open: a status line and blank line are enough.
      if (/^HTTP\/1\.1 101 /.test(text) && text.includes('\r\n\r\n')) socket.destroy()
    })
    socket.on('close', done)
    socket.on('error', reject)
    const lines = [
      `${method} ${target} HTTP/1.1`,
      ...headers.map(([n, v]) => `${n}: ${v}`),
      'connection: close',
      '',
      '',
    ]
    // Not end(): a half-closed client may see its response dropped by the server.
    socket.write(lines.join('\r\n'), 'latin1')
  })
}

/** Raw request to a service host: the Host header first, then the given lines. */
const toService = (
  server: ServerProcess,
  uri: string,
  target: string,
  headers: readonly (readonly [string, string])[] = [],
): Promise<RawReply> => raw(server, target, [['host', new URL(uri).host], ...headers])

/** Waits (up to 10 s) for the server's stderr to match: log lines are written in batches. */
async function logged(server: ServerProcess, pattern: RegExp): Promise<void> {
  const until = Date.now() + 10_000
  while (!pattern.test(server.logs())) {
    if (Date.now() > until) expect(server.logs()).toMatch(pattern)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The v2 REST API as a given user: create, patch, and the service's uri. */
class RunApi {
  readonly server: ServerProcess
  readonly token: string
  readonly project: string

  constructor(server: ServerProcess, token: string, project: string) {
    this.server = server
    this.token = token
    this.project = project
  }

  static async as(server: ServerProcess, user: User, project: string): Promise<RunApi> {
    const t = await user.run(['auth', 'print-access-token'])
    expect(t.code, t.stderr).toBe(0)
    return new RunApi(server, t.stdout.trim(), project)
  }

  #base(): string {
    return `${this.server.url}/v2/projects/${this.project}/locations/${REGION}/services`
  }

  #headers() {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' }
  }

  async create(
    id: string,
    body: Record<string, unknown>,
  ): Promise<{ status: number; reason?: string; message: string }> {
    const res = await fetch(`${this.#base()}?serviceId=${id}`, {
      method: 'POST',
      headers: this.#headers(),
      body: JSON.stringify(body),
    })
    return RunApi.#outcome(res)
  }

  async patch(
    id: string,
    body: Record<string, unknown>,
    mask?: string,
  ): Promise<{ status: number; reason?: string; message: string }> {
    const q = mask === undefined ? '' : `?updateMask=${mask}`
    const res = await fetch(`${this.#base()}/${id}${q}`, {
      method: 'PATCH',
      headers: this.#headers(),
      body: JSON.stringify(body),
    })
    return RunApi.#outcome(res)
  }

  async uri(id: string): Promise<string> {
    const res = await fetch(`${this.#base()}/${id}`, { headers: this.#headers() })
    expect(res.status).toBe(200)
    return ((await res.json()) as { uri: string }).uri
  }

  static async #outcome(res: Response) {
    const text = await res.text()
    if (res.status === 200) return { status: 200, message: text }
    const body = JSON.parse(text) as {
      error: { message: string; details?: { reason?: string }[] }
    }
    const reason = body.error.details?.[0]?.reason
    return {
      status: res.status,
      message: body.error.message,
      ...(reason === undefined ? {} : { reason }),
    }
  }
}

const upstreamBody = (url: string) => ({ annotations: { 'runiam.dev/upstream': url } })

async function bindCli(
  user: User,
  service: string,
  member: string,
  extra: string[] = [],
): Promise<void> {
  const r = await user.run([
    'run',
    'services',
    'add-iam-policy-binding',
    service,
    `--member=${member}`,
    '--role=roles/run.invoker',
    ...extra,
  ])
  expect(r.code, r.stderr).toBe(0)
}

let server: ServerProcess
let owner: User
let mallory: User
let api: RunApi
let evilApi: RunApi
const recorders: Recorder[] = []
const newRecorder = async (): Promise<Recorder> => {
  const r = await recorder()
  recorders.push(r)
  return r
}

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  expect((await owner.run(['projects', 'create', EVIL_PROJECT])).code).toBe(0)
  // Mallory owns a project of her own: she may deploy there and make her services public.
  const grant = await owner.run([
    'projects',
    'add-iam-policy-binding',
    EVIL_PROJECT,
    '--member=user:mallory@example.com',
    '--role=roles/owner',
  ])
  expect(grant.code, grant.stderr).toBe(0)
  mallory = await login(server, 'mallory@example.com', EVIL_PROJECT)
  api = await RunApi.as(server, owner, PROJECT)
  evilApi = await RunApi.as(server, mallory, EVIL_PROJECT)
}, 60_000)

afterAll(async () => {
  await server?.stop()
  await Promise.all(recorders.map((r) => r.close()))
})

describe('1. upstream authority', () => {
  it('refuses, at write time, upstreams that are not http(s), carry userinfo, or name link-local or metadata addresses', async () => {
    const rec = await newRecorder()
    const cases: [string, string][] = [
      ['file:///etc/passwd', 'INVALID_UPSTREAM'],
      ['gopher://127.0.0.1:70/', 'INVALID_UPSTREAM'],
      ['ftp://127.0.0.1/', 'INVALID_UPSTREAM'],
      [`http://user:secret@127.0.0.1:${rec.port}/`, 'INVALID_UPSTREAM'],
      ['not a url', 'INVALID_UPSTREAM'],
      ['http://169.254.169.254/computeMetadata/v1/', 'UPSTREAM_FORBIDDEN'],
      ['http://169.254.170.2/v2/credentials', 'UPSTREAM_FORBIDDEN'],
      ['http://metadata.google.internal/', 'UPSTREAM_FORBIDDEN'],
      ['http://metadata/', 'UPSTREAM_FORBIDDEN'],
      ['http://[fd00:ec2::254]/', 'UPSTREAM_FORBIDDEN'],
      ['http://[fe80::1]:8080/', 'UPSTREAM_FORBIDDEN'],
      ['http://[::ffff:169.254.169.254]/', 'UPSTREAM_FORBIDDEN'],
      ['http://0xa9fea9fe/', 'UPSTREAM_FORBIDDEN'], // 169.254.169.254 spelled as one number
      [`http://0.0.0.0:${rec.port}/`, 'UPSTREAM_FORBIDDEN'], // "this host" on Linux
      [`http://[::]:${rec.port}/`, 'UPSTREAM_FORBIDDEN'],
      // Not on the allow-list (--dev allows loopback only).
      ['http://10.255.0.1:8080/', 'UPSTREAM_NOT_ALLOWED'],
      ['https://example.com/', 'UPSTREAM_NOT_ALLOWED'],
    ]
    const accepted: string[] = []
    for (const [i, [url, reason]] of cases.entries()) {
      const r = await api.create(`bad-${i}`, upstreamBody(url))
      if (r.status === 200) accepted.push(url)
      else {
        expect(r.status, url).toBe(400)
        expect(r.reason, `${url}: ${r.message}`).toBe(reason)
        // The message names the value (a password masked).
        if (url !== 'not a url') expect(r.message).toContain(url.replace(':secret@', ':***@'))
      }
    }
    expect(accepted, 'upstreams the server accepted').toEqual([])
  })

  it('refuses the same on patch, and the CLI prints the reason', async () => {
    const rec = await newRecorder()
    expect((await api.create('patched', upstreamBody(rec.origin))).status).toBe(200)
    const r = await api.patch('patched', upstreamBody('http://169.254.169.254/'), 'annotations')
    expect(r.status, r.message).toBe(400)
    expect(r.reason).toBe('UPSTREAM_FORBIDDEN')
    const cli = await owner.run([
      'run',
      'services',
      'update',
      'patched',
      '--upstream',
      'http://metadata.google.internal/',
    ])
    expect(cli.code, cli.stdout).toBe(1)
    expect(cli.stderr).toContain('INVALID_ARGUMENT')
    expect(cli.stderr).toContain('metadata.google.internal')
  })

  it("refuses runiam's own address as an upstream, in every loopback spelling", async () => {
    const port = new URL(server.url).port
    const accepted: string[] = []
    for (const [i, url] of [
      `http://127.0.0.1:${port}`,
      `http://localhost:${port}/v2/`,
      `http://[::1]:${port}`,
      `http://127.0.0.2:${port}`,
      `http://2130706433:${port}`,
      `https://127.0.0.1:${port}`,
    ].entries()) {
      const r = await api.create(`self-${i}`, upstreamBody(url))
      if (r.status === 200) accepted.push(url)
      else expect(r.reason, r.message).toBe('UPSTREAM_FORBIDDEN')
    }
    expect(accepted, "upstreams pointing at runiam's own port").toEqual([])
  })

  it("a route cannot reach another service's backend: write time (its upstream origin is taken)", async () => {
    // The victim: only alice may call it.
    const vault = await newRecorder()
    expect((await api.create('vault', upstreamBody(vault.origin))).status).toBe(200)
    await bindCli(owner, 'vault', 'user:alice@example.com')
    const vaultUri = await api.uri('vault')
    expect((await toService(server, vaultUri, '/secret')).status).toBe(403)
    // Mallory, in her own project, points a public service at the vault's backend.
    const spellings = [
      vault.origin,
      `${vault.origin}/`,
      `http://localhost:${vault.port}`,
      `http://127.1:${vault.port}`,
      `https://127.0.0.1:${vault.port}`,
    ]
    const accepted: string[] = []
    for (const [i, url] of spellings.entries()) {
      const r = await evilApi.create(`evil-${i}`, upstreamBody(url))
      if (r.status === 200) {
        accepted.push(url)
        continue
      }
      expect(r.status, r.message).toBe(400)
      expect(r.reason, r.message).toBe('UPSTREAM_IN_USE')
      // The refusal must not reveal which service (in a project she cannot see) holds it.
      expect(r.message).not.toContain(PROJECT)
    }
    if (accepted.length > 0) {
      // Show what the accepted one would have done: anonymous through mallory's public route.
      await bindCli(mallory, 'evil-0', 'allUsers')
      const evilUri = await evilApi.uri('evil-0')
      const before = vault.seen.length
      const r = await toService(server, evilUri, '/secret')
      expect(
        { accepted, status: r.status, reachedVault: vault.seen.slice(before).map((a) => a.url) },
        'mallory reached the vault backend through her own route',
      ).toEqual({ accepted: [], status: 0, reachedVault: [] })
    }
  })

  it("a route cannot reach another service's local process (request time: its port is dynamic)", async () => {
    const script = `require('http').createServer((q,s)=>{console.log('hit',q.url);s.end('secret-of-proc:'+process.env.PORT)}).listen(process.env.PORT)`
    expect(
      (
        await api.create('proc', {
          template: {
            containers: [{ image: 'local', command: [process.execPath], args: ['-e', script] }],
          },
        })
      ).status,
    ).toBe(200)
    const procUri = await api.uri('proc')
    const adminId = await idToken(server, 'admin@example.com', procUri)
    const own = await toService(server, procUri, '/', [['authorization', `Bearer ${adminId}`]])
    expect(own.text).toContain('secret-of-proc:')
    const port = Number(/secret-of-proc:(\d+)/.exec(own.text)?.[1])
    // Anonymous callers are refused by proc's own route...
    expect((await toService(server, procUri, '/')).status).toBe(403)
    // ...so mallory points her public service at proc's process port.
    const created = await evilApi.create('evil-proc', upstreamBody(`http://127.0.0.1:${port}`))
    if (created.status === 200) {
      await bindCli(mallory, 'evil-proc', 'allUsers')
      const r = await toService(server, await evilApi.uri('evil-proc'), '/')
      expect(r.text, 'the process answered through mallory’s route').not.toContain('secret-of-proc')
      expect(r.status).toBe(502)
      await logged(server, /"event":"upstream_refused".*evil-proc/)
    } else {
      expect(created.reason).toBe('UPSTREAM_IN_USE')
    }
  })
})

describe('2. caller headers', () => {
  let rec: Recorder
  let uri = ''
  let pubRec: Recorder
  let pubUri = ''

  beforeAll(async () => {
    rec = await newRecorder()
    expect((await api.create('hdr', upstreamBody(rec.origin))).status).toBe(200)
    await bindCli(owner, 'hdr', 'user:alice@example.com')
    uri = await api.uri('hdr')
    pubRec = await newRecorder()
    expect((await api.create('hdr-pub', upstreamBody(pubRec.origin))).status).toBe(200)
    await bindCli(owner, 'hdr-pub', 'allUsers')
    pubUri = await api.uri('hdr-pub')
  })

  const forged: [string, string][] = [
    ['X_Runiam_Caller', 'user:admin@example.com'],
    ['x-runiam_caller-email', 'admin@example.com'],
    ['X-Runiam_Caller', 'user:admin@example.com'],
    ['X-RUNIAM-CALLER', 'user:admin@example.com'],
    ['x_runiam_caller_email', 'admin@example.com'],
    ['X-Runiam-Service', 'projects/x/locations/y/services/z'],
    ['x-runiamfoo', '1'],
  ]

  it('drops every incoming x-runiam header in any spelling; sets its own once (authenticated)', async () => {
    const before = rec.seen.length
    const token = await idToken(server, 'alice@example.com', uri)
    const r = await toService(server, uri, '/who', [
      ['authorization', `Bearer ${token}`],
      ...forged,
    ])
    expect(r.status, r.text).toBe(200)
    const [a] = rec.seen.slice(before)
    expect(a).toBeDefined()
    if (a === undefined) return
    expect(runiamHeaderNames(a).sort()).toEqual(['x-runiam-caller', 'x-runiam-caller-email'])
    expect(headerValues(a, 'x-runiam-caller')).toEqual(['user:alice@example.com'])
    expect(headerValues(a, 'x-runiam-caller-email')).toEqual(['alice@example.com'])
  })

  it('drops them for a public service too (no caller: no caller header at all)', async () => {
    const before = pubRec.seen.length
    const r = await toService(server, pubUri, '/who', forged)
    expect(r.status, r.text).toBe(200)
    const [a] = pubRec.seen.slice(before)
    expect(a && runiamHeaderNames(a)).toEqual([])
  })

  it('passes on only the X-Serverless-Authorization it verified, signature removed', async () => {
    const alice = await idToken(server, 'alice@example.com', uri)
    const other = await idToken(server, 'bob@example.com', uri)
    const before = rec.seen.length
    const r = await toService(server, uri, '/xsa', [
      ['x-serverless-authorization', `Bearer ${alice}`],
      ['X_Serverless_Authorization', `Bearer ${other}`],
      ['x-serverless_authorization', `Bearer ${other}`],
    ])
    expect(r.status, r.text).toBe(200)
    const [a] = rec.seen.slice(before)
    expect(a).toBeDefined()
    if (a === undefined) return
    const [h, p] = alice.split('.')
    expect(headerValues(a, 'x-serverless-authorization')).toEqual([`Bearer ${h}.${p}.`])
    // No header anywhere carries a signed token.
    for (let i = 1; i < a.rawHeaders.length; i += 2) {
      expect(a.rawHeaders[i], a.rawHeaders[i - 1]).not.toMatch(/eyJ[^.\s]+\.[^.\s]+\.[^.\s,]+/)
    }
  })

  it('a public service receives no X-Serverless-Authorization: none was verified (duplicates included)', async () => {
    const t1 = await idToken(server, 'alice@example.com', pubUri)
    const t2 = await idToken(server, 'bob@example.com', pubUri)
    const before = pubRec.seen.length
    const r = await toService(server, pubUri, '/dup', [
      ['x-serverless-authorization', `Bearer ${t1}`],
      ['x-serverless-authorization', `Bearer ${t2}`],
      ['authorization', 'Bearer one'],
      ['authorization', 'Bearer two'],
    ])
    expect(r.status, r.text).toBe(200)
    const [a] = pubRec.seen.slice(before)
    expect(a).toBeDefined()
    if (a === undefined) return
    expect(headerValues(a, 'x-serverless-authorization')).toEqual([])
    expect(headerValues(a, 'authorization').length).toBeLessThanOrEqual(1)
    for (let i = 1; i < a.rawHeaders.length; i += 2) {
      expect(a.rawHeaders[i], a.rawHeaders[i - 1]).not.toMatch(/eyJ[^.\s]+\.[^.\s]+\.[^.\s,]+/)
    }
  })

  it('duplicate credentials on a checked service are 401 and reach nothing', async () => {
    const alice = await idToken(server, 'alice@example.com', uri)
    const before = rec.seen.length
    const r = await toService(server, uri, '/dup', [
      ['x-serverless-authorization', `Bearer ${alice}`],
      ['x-serverless-authorization', `Bearer ${alice}`],
    ])
    expect(r.status).toBe(401)
    expect(rec.seen.length).toBe(before)
  })

  it('the WebSocket upgrade path strips the same headers', async () => {
    const token = await idToken(server, 'alice@example.com', uri)
    const before = rec.seen.length
    const r = await toService(server, uri, '/ws', [
      ['authorization', `Bearer ${token}`],
      ['x-serverless-authorization', `Bearer ${token}`],
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
      ['sec-websocket-version', '13'],
      ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
      ...forged,
    ])
    expect(r.status, r.text).toBe(101)
    const [a] = rec.seen.slice(before)
    expect(a?.upgrade).toBe(true)
    if (a === undefined) return
    expect(runiamHeaderNames(a).sort()).toEqual(['x-runiam-caller', 'x-runiam-caller-email'])
    expect(headerValues(a, 'x-runiam-caller')).toEqual(['user:alice@example.com'])
    const [h, p] = token.split('.')
    expect(headerValues(a, 'x-serverless-authorization')).toEqual([`Bearer ${h}.${p}.`])
  })
})

describe('3. paths: what the condition admits is what the upstream receives', () => {
  let rec: Recorder
  let uri = ''
  let pat = ''

  beforeAll(async () => {
    rec = await newRecorder()
    expect((await api.create('paths', upstreamBody(rec.origin))).status).toBe(200)
    await bindCli(owner, 'paths', 'user:pat@example.com', [
      '--condition=expression=request.path.startsWith("/public"),title=public-only',
    ])
    uri = await api.uri('paths')
    pat = `Bearer ${await idToken(server, 'pat@example.com', uri)}`
  })

  /** Sends `target` as pat; returns the status and the targets that reached the upstream. */
  async function asPat(target: string, extra: [string, string][] = []) {
    const before = rec.seen.length
    const r = await toService(server, uri, target, [['authorization', pat], ...extra])
    return { status: r.status, arrived: rec.seen.slice(before).map((a) => a.url) }
  }

  it('dot segments cannot climb out of the admitted prefix', async () => {
    for (const target of [
      '/public/../admin',
      '/public/%2e%2e/admin',
      '/public/%2E%2E/admin',
      '/public/.%2e/admin',
      '/public/./../admin',
      '/public/../../../admin',
    ]) {
      expect(await asPat(target), target).toEqual({ status: 403, arrived: [] })
    }
  })

  it('encoded slashes, backslashes and NUL are refused with 400; nothing is forwarded', async () => {
    for (const target of [
      '/public/..%2Fadmin',
      '/public%2F..%2Fadmin',
      '/public/%2fadmin',
      '/public/..%5Cadmin',
      '/public/..\\admin',
      '/public/%00',
      '/public/%zz',
    ]) {
      expect(await asPat(target), target).toEqual({ status: 400, arrived: [] })
    }
  })

  it('forwards exactly the normalised path the condition saw, with the original query', async () => {
    expect(await asPat('/public/./a/../b?x=1&y=%2F&z=..')).toEqual({
      status: 200,
      arrived: ['/public/b?x=1&y=%2F&z=..'],
    })
    expect(await asPat('/public/%61dmin%7e')).toEqual({
      status: 200,
      arrived: ['/public/admin~'],
    })
    expect(await asPat('/public/caf%c3%a9')).toEqual({
      status: 200,
      arrived: ['/public/caf%C3%A9'],
    })
  })

  it('caps the path at 8 KiB (414) and refuses absolute-form targets (400)', async () => {
    expect(await asPat(`/public/${'a'.repeat(8200)}`)).toEqual({ status: 414, arrived: [] })
    expect(await asPat(`${uri}/public/x`)).toEqual({ status: 400, arrived: [] })
  })

  it('the WebSocket upgrade path is normalised and checked the same way', async () => {
    const ws: [string, string][] = [
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
      ['sec-websocket-version', '13'],
      ['sec-websocket-key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ]
    expect(await asPat('/public/../admin', ws)).toEqual({ status: 403, arrived: [] })
    expect(await asPat('/public/a/../ws', ws)).toEqual({ status: 101, arrived: ['/public/ws'] })
  })

  it('the auth_request endpoint normalises X-Original-URI (and the Envoy-appended path) the same way', async () => {
    const host = new URL(uri).host
    const authz = (target: string, uriHeader?: string) =>
      raw(server, target, [
        ['host', '127.0.0.1'],
        ['x-original-host', host],
        ['authorization', pat],
        ...(uriHeader === undefined ? [] : ([['x-original-uri', uriHeader]] as [string, string][])),
      ])
    expect((await authz('/_runiam/authz', '/public/x')).status).toBe(200)
    expect((await authz('/_runiam/authz', '/public/../admin')).status).toBe(403)
    expect((await authz('/_runiam/authz', '/public/%2e%2e/admin')).status).toBe(403)
    expect((await authz('/_runiam/authz', '/public/..%2Fadmin')).status).toBe(400)
    expect((await authz('/_runiam/authz', 'http://evil.example/public/x')).status).toBe(400)
    expect((await authz('/_runiam/authz/public/%2e%2e/admin')).status).toBe(403)
    expect((await authz('/_runiam/authz/public/ok')).status).toBe(200)
  })
})

describe('1b. request-time re-checks after a restart', () => {
  /** A --dev server on a fresh data folder with one public service whose upstream is `url`. */
  async function seed(
    service: string,
    url: string,
  ): Promise<{ dataDir: string; uri: string; first: ServerProcess }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'runiam-atk-'))
    const first = await startServer([], { dataDir, keepData: true })
    const admin = await login(first, 'admin@example.com', 'restart-proj')
    expect((await admin.run(['projects', 'create', 'restart-proj'])).code).toBe(0)
    const a = await RunApi.as(first, admin, 'restart-proj')
    const created = await a.create(service, upstreamBody(url))
    expect(created.status, created.message).toBe(200)
    await bindCli(admin, service, 'allUsers')
    return { dataDir, uri: await a.uri(service), first }
  }

  it('an upstream that has become runiam’s own address is not called', async () => {
    // Allowed when written (loopback, not runiam's port); the restarted server listens there.
    const laterPort = await unusedPort()
    const { dataDir, uri, first } = await seed('loop', `http://127.0.0.1:${laterPort}`)
    await first.stop()
    const second = await startServer(['--port', String(laterPort)], { dataDir })
    try {
      const r = await toService(second, uri, '/v2/projects')
      expect(r.status, r.text).toBe(502)
      await logged(second, /"event":"upstream_refused"[^\n]*loop/)
    } finally {
      await second.stop()
    }
  }, 60_000)

  it('an upstream the allow-list no longer names is not called', async () => {
    const rec = await newRecorder()
    const { dataDir, uri, first } = await seed('legacy', rec.origin)
    expect((await toService(first, uri, '/')).status).toBe(200)
    await first.stop()
    const dir = mkdtempSync(join(tmpdir(), 'runiam-atk-cfg-'))
    writeFileSync(join(dir, 'c.yaml'), `upstreams:\n  allow:\n    - http://127.0.0.1:9\n`)
    const second = await startServer(['--config', join(dir, 'c.yaml')], { dataDir })
    try {
      const before = rec.seen.length
      const r = await toService(second, uri, '/')
      expect(r.status, r.text).toBe(502)
      expect(rec.seen.length).toBe(before)
      await logged(second, /"event":"upstream_refused"[^\n]*legacy/)
    } finally {
      await second.stop()
    }
  }, 60_000)
})
