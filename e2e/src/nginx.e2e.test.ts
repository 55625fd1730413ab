// runiam's invoker check enforced by a real nginx (Debian package) through `auth_request`: the
// configuration is the block docs/nginx.md documents, taken from the doc with only its addresses,
// port, server_name and log folder substituted, so the doc cannot drift from what is tested.
// nginx missing: the suite fails under CI (.ci/run installs it) and is skipped loudly elsewhere.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  ROOT,
  idToken as mintIdToken,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'
import { unusedPort } from './ports.js'

const PROJECT = 'nginx-proj'
const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'].find(
  (p) => spawnSync(p, ['-v']).status === 0,
)
const ci = process.env['CI'] === 'true'
if (NGINX === undefined && !ci) {
  console.warn(
    '\n*** nginx.e2e: SKIPPED — nginx is not installed (apt-get install nginx-light); CI installs it ***\n',
  )
}

/** The documented nginx block (between the doc's begin/end markers), verbatim. */
function documentedBlock(doc: string): string {
  const m =
    /<!-- nginx-config:begin -->\s*```nginx\n([\s\S]*?)```\s*<!-- nginx-config:end -->/.exec(doc)
  if (m?.[1] === undefined) throw new Error('docs/nginx.md has no nginx-config block')
  return m[1]
}

/** Replaces each placeholder line of the documented block, insisting it occurs exactly once. */
function substitute(block: string, pairs: readonly (readonly [string, string])[]): string {
  let out = block
  for (const [from, to] of pairs) {
    const count = out.split(from).length - 1
    if (count !== 1) throw new Error(`docs/nginx.md: expected "${from}" once, found ${count}`)
    out = out.replace(from, to)
  }
  return out
}

interface Reply {
  status: number
  body: string
  headers: IncomingHttpHeaders
}

function get(port: number, host: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<Reply>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'GET', headers: { host, ...headers } },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

let server: ServerProcess
let owner: User
let upstream: Server
let nginx: ChildProcess | undefined
let nginxErr = ''
let prefix = ''
let nginxPort = 0
let serviceUri = ''
let serviceHost = ''
/** What the upstream saw, one entry per request it answered. */
const seen: {
  path: string
  caller: string | undefined
  email: string | undefined
  serverless?: string
}[] = []

const idToken = (email: string, audience: string): Promise<string> =>
  mintIdToken(server, email, audience)

/** runiam's gateway decision counters, by "outcome/reason". */
async function decisions(): Promise<Record<string, number>> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const out: Record<string, number> = {}
  for (const m of text.matchAll(
    /^runiam_gateway_decisions_total\{outcome="(\w+)",reason="([\w-]+)"\} (\d+)/gm,
  )) {
    out[`${m[1]}/${m[2]}`] = Number(m[3])
  }
  return out
}

/** Sends a request through nginx and returns it with how runiam's decision counters moved. */
async function viaNginx(path: string, headers: Record<string, string> = {}) {
  const before = await decisions()
  const reply = await get(nginxPort, `${serviceHost}:${nginxPort}`, path, headers)
  const after = await decisions()
  const moved = Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, d]) => d !== 0),
  )
  return { ...reply, moved }
}

const describeNginx = NGINX === undefined && !ci ? describe.skip : describe

beforeAll(async () => {
  if (NGINX === undefined) {
    if (ci) throw new Error('nginx is not installed; .ci/run installs nginx-light')
    return
  }
  upstream = createServer((req, res) => {
    const h = (name: string) => {
      const v = req.headers[name]
      return Array.isArray(v) ? v[0] : v
    }
    const serverless = h('x-serverless-authorization')
    seen.push({
      path: req.url ?? '',
      caller: h('x-runiam-caller'),
      email: h('x-runiam-caller-email'),
      ...(serverless === undefined ? {} : { serverless }),
    })
    const body = JSON.stringify({ caller: h('x-runiam-caller') ?? null })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length })
    res.end(body)
  })
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r))
  const upstreamPort = (upstream.address() as AddressInfo).port

  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const d = await owner.run([
    'run',
    'deploy',
    'hello',
    '--no-allow-unauthenticated',
    '--upstream',
    `http://127.0.0.1:${upstreamPort}`,
  ])
  expect(d.code, d.stderr).toBe(0)
  const desc = await owner.run(['run', 'services', 'describe', 'hello', '--format=json'])
  serviceUri = (JSON.parse(desc.stdout) as { uri: string }).uri
  serviceHost = new URL(serviceUri).hostname
  const b = await owner.run([
    'run',
    'services',
    'add-iam-policy-binding',
    'hello',
    '--member=user:alice@example.com',
    '--role=roles/run.invoker',
  ])
  expect(b.code, b.stderr).toBe(0)

  prefix = mkdtempSync(join(tmpdir(), 'runiam-nginx-'))
  chmodSync(prefix, 0o755) // nginx's workers drop root; they write temp files here
  nginxPort = await unusedPort()
  const block = substitute(documentedBlock(readFileSync(join(ROOT, 'docs/nginx.md'), 'utf8')), [
    ['server 127.0.0.1:8080;', `server 127.0.0.1:${new URL(server.url).port};`],
    ['server 127.0.0.1:3000;', `server 127.0.0.1:${upstreamPort};`],
    ['listen 80;', `listen 127.0.0.1:${nginxPort};`],
    ['server_name hello-123456789012.us-central1.run.localhost;', `server_name ${serviceHost};`],
    ['/var/log/nginx/', `${prefix}/`],
  ])
  const conf = join(prefix, 'nginx.conf')
  writeFileSync(
    conf,
    [
      'worker_processes 1;',
      `error_log ${prefix}/error.log notice;`,
      `pid ${prefix}/nginx.pid;`,
      'events { worker_connections 256; }',
      'http {',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
        (t) => `  ${t}_temp_path ${prefix}/${t}_temp;`,
      ),
      block,
      '}',
      '',
    ].join('\n'),
  )
  const test = spawnSync(NGINX, ['-t', '-c', conf, '-p', prefix, '-g', 'daemon off;'])
  expect(test.status, test.stderr.toString()).toBe(0)
  nginx = spawn(NGINX, ['-c', conf, '-p', prefix, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  nginx.stderr?.on('data', (d: Buffer) => (nginxErr += d.toString()))
  // Ready when it answers (any status) on its port.
  for (let i = 0; ; i++) {
    try {
      await get(nginxPort, 'probe.invalid', '/')
      break
    } catch (err) {
      if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${nginxErr}`)
      void err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}, 60_000)

afterAll(async () => {
  if (nginx !== undefined && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx?.once('exit', r))
    nginx.kill('SIGQUIT')
    await exited
  }
  await server?.stop()
  await new Promise((r) => (upstream === undefined ? r(undefined) : upstream.close(r)))
  if (prefix !== '') rmSync(prefix, { recursive: true, force: true })
})

describeNginx('nginx auth_request in front of an upstream, decided by runiam', () => {
  it('the config nginx runs is the documented block', () => {
    const conf = readFileSync(join(prefix, 'nginx.conf'), 'utf8')
    expect(conf).toContain('auth_request /_runiam/authz;')
    expect(conf).toContain('auth_request_set $runiam_caller $upstream_http_x_runiam_caller;')
    expect(conf).toContain('proxy_set_header X-Original-URI $request_uri;')
    expect(conf).toContain('proxy_set_header X-Original-Host $host;')
  })

  it('allowed: a valid ID token with roles/run.invoker reaches the upstream, which learns the caller', async () => {
    const token = await idToken('alice@example.com', serviceUri)
    const n = seen.length
    const r = await viaNginx('/hello?x=1', {
      authorization: `Bearer ${token}`,
      'x-runiam-caller': 'user:forged@example.com', // a client cannot speak for runiam
    })
    expect(r.status, nginxErr).toBe(200)
    expect(JSON.parse(r.body)).toEqual({ caller: 'user:alice@example.com' })
    expect(seen.slice(n)).toEqual([
      { path: '/hello?x=1', caller: 'user:alice@example.com', email: 'alice@example.com' },
    ])
    expect(r.moved).toEqual({ 'forward/allowed': 1 })
  })

  it('unauthenticated: a garbage token is 401 with runiam’s WWW-Authenticate, never forwarded', async () => {
    const n = seen.length
    const r = await viaNginx('/hello', { authorization: 'Bearer garbage' })
    expect(r.status).toBe(401)
    expect(r.headers['www-authenticate']).toContain('error="invalid_token"')
    expect(r.moved).toEqual({ 'reject/invalid-token': 1 })
    expect(seen.length).toBe(n)
  })

  it('no token: 403, never forwarded', async () => {
    const n = seen.length
    const r = await viaNginx('/hello')
    expect(r.status).toBe(403)
    expect(r.moved).toEqual({ 'reject/no-credentials': 1 })
    expect(seen.length).toBe(n)
  })

  it('forbidden: a valid token without the role is 403, never forwarded', async () => {
    const n = seen.length
    const r = await viaNginx('/hello', {
      authorization: `Bearer ${await idToken('mallory@example.com', serviceUri)}`,
    })
    expect(r.status).toBe(403)
    expect(r.moved).toEqual({ 'reject/denied': 1 })
    expect(seen.length).toBe(n)
  })

  it('a policy change is enforced on the next request through nginx; X-Serverless-Authorization counts', async () => {
    const bob = await idToken('bob@example.com', serviceUri)
    expect((await viaNginx('/', { 'x-serverless-authorization': `Bearer ${bob}` })).status).toBe(
      403,
    )
    const b = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      'hello',
      '--member=user:bob@example.com',
      '--role=roles/run.invoker',
      '--condition=expression=request.path.startsWith("/admin"),title=admin-only',
    ])
    expect(b.code, b.stderr).toBe(0)
    const admin = await viaNginx('/admin/x', { 'x-serverless-authorization': `Bearer ${bob}` })
    expect(admin.status).toBe(200)
    expect(JSON.parse(admin.body)).toEqual({ caller: 'user:bob@example.com' })
    const other = await viaNginx('/other', { 'x-serverless-authorization': `Bearer ${bob}` })
    expect(other.status).toBe(403)
    expect(other.moved).toEqual({ 'reject/denied': 1 })
  })

  it('dot segments cannot climb out of a request.path condition through nginx', async () => {
    // bob holds run.invoker only under /admin (the test above); nginx forwards the path as sent.
    const bob = `Bearer ${await idToken('bob@example.com', serviceUri)}`
    for (const path of ['/admin/../other', '/admin/%2e%2e/other', '/admin/.%2E/other']) {
      const n = seen.length
      const r = await viaNginx(path, { 'x-serverless-authorization': bob })
      expect({ path, status: r.status, reached: seen.slice(n).map((x) => x.path) }).toEqual({
        path,
        status: 403,
        reached: [],
      })
    }
    const n = seen.length
    const encoded = await viaNginx('/admin/..%2Fother', { 'x-serverless-authorization': bob })
    expect(encoded.status).not.toBe(200)
    expect(seen.length).toBe(n)
  })

  it('the service receives only the X-Serverless-Authorization runiam verified, unsigned', async () => {
    const bob = await idToken('bob@example.com', serviceUri)
    const n = seen.length
    const r = await viaNginx('/admin/x', { 'x-serverless-authorization': `Bearer ${bob}` })
    expect(r.status).toBe(200)
    const [h, p] = bob.split('.')
    expect(seen.slice(n).map((x) => x.serverless)).toEqual([`Bearer ${h}.${p}.`])
    // Verified through Authorization: the client's X-Serverless-Authorization (not a bearer
    // token, so the check read Authorization) is not passed on.
    const alice = await idToken('alice@example.com', serviceUri)
    const m = seen.length
    const a = await viaNginx('/x', {
      authorization: `Bearer ${alice}`,
      'x-serverless-authorization': 'forged.claims.signature',
    })
    expect(a.status).toBe(200)
    expect(seen.slice(m).map((x) => x.serverless)).toEqual([undefined])
  })

  it('the authz location is internal: clients cannot call it through nginx', async () => {
    const r = await viaNginx('/_runiam/authz', {
      authorization: `Bearer ${await idToken('alice@example.com', serviceUri)}`,
    })
    expect(r.status).toBe(404)
    expect(r.moved).toEqual({})
  })

  it('nginx’s access log names the caller and runiam’s reason', async () => {
    // nginx writes the log line when the request ends; the requests above are done.
    const log = readFileSync(join(prefix, 'hello.access.log'), 'utf8')
    expect(log).toMatch(
      /"GET \/hello\?x=1 HTTP\/1\.1" 200 caller=user:alice@example\.com reason=allowed/,
    )
    expect(log).toMatch(/"GET \/hello HTTP\/1\.1" 401 caller= reason=invalid-token/)
    expect(log).toMatch(/"GET \/hello HTTP\/1\.1" 403 caller= reason=denied/)
  })
})
