// The console's files through the real front door on a real socket: content types, caching,
// the SPA fallback, HEAD, the envelope for misses, the security headers, the "not built" page, and
// an outsider's attempts to read files outside the built folder (raw request lines, so no client
// normalises the path first).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFrontDoor, type FrontDoor, type Surfaces } from '../http/front-door.js'
import { assetKey, createConsoleAssets, isDeepLink } from './console-assets.js'

const INDEX = '<!doctype html><title>runiam console</title><div id="root"></div>'
const APP_JS = `console.log(${JSON.stringify('x'.repeat(4000))})`
const SECRET = 'TOP-SECRET-OUTSIDE-DIST'

interface Raw {
  readonly status: number
  readonly headers: Record<string, string>
  readonly body: Buffer
}

let root = ''
let dist = ''
const doors: FrontDoor[] = []
const logs: Record<string, unknown>[] = []

async function serveDir(dir: string | undefined): Promise<number> {
  const refuse = () => Promise.reject(new Error('not in this test'))
  const surfaces: Surfaces = {
    authz: refuse,
    gateway: { handle: refuse, handleUpgrade: refuse },
    console: createConsoleAssets({ dir }),
    identity: () => Promise.resolve(false),
    admin: async (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":404}}')
    },
    ready: () => Promise.resolve({ ok: true, store: 'ok' }),
    metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
  }
  const door = createFrontDoor({
    surfaces,
    isServiceHost: (host) => host.endsWith('.run.localhost'),
    observe: () => undefined,
    log: (e) => logs.push(e),
    accessLog: true,
    limits: { headersTimeoutMs: 5000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5000 },
  })
  doors.push(door)
  await new Promise<void>((resolve) => door.server.listen(0, '127.0.0.1', resolve))
  return (door.server.address() as AddressInfo).port
}

/** Sends one request line as written (no client-side normalisation) and reads the answer. */
function raw(
  port: number,
  target: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (d: Buffer) => chunks.push(d))
    socket.on('error', reject)
    socket.on('end', () => {
      const all = Buffer.concat(chunks)
      const split = all.indexOf('\r\n\r\n')
      const head = all.subarray(0, split).toString('latin1').split('\r\n')
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0] ?? '')?.[1] ?? 0)
      const hs: Record<string, string> = {}
      for (const line of head.slice(1)) {
        const i = line.indexOf(':')
        hs[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim()
      }
      resolve({ status, headers: hs, body: all.subarray(split + 4) })
    })
    const extra = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('')
    socket.write(
      `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`,
    )
  })
}

let port = 0

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'runiam-console-'))
  dist = join(root, 'dist')
  mkdirSync(join(dist, 'assets'), { recursive: true })
  writeFileSync(join(dist, 'index.html'), INDEX)
  writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
  writeFileSync(join(dist, 'assets', 'index-AbC123.js'), APP_JS)
  writeFileSync(join(dist, 'assets', 'index-AbC123.css'), 'body{margin:0}')
  writeFileSync(join(dist, '.env'), SECRET)
  writeFileSync(join(root, 'secret.txt'), SECRET)
  symlinkSync(join(root, 'secret.txt'), join(dist, 'assets', 'link.js'))
  symlinkSync(root, join(dist, 'up'))
  port = await serveDir(dist)
})

afterAll(async () => {
  for (const d of doors) await new Promise<void>((resolve) => d.server.close(() => resolve()))
  rmSync(root, { recursive: true, force: true })
})

function expectSecurityHeaders(r: Raw): void {
  expect(r.headers['content-security-policy']).toContain("default-src 'self'")
  expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  expect(r.headers['x-content-type-options']).toBe('nosniff')
}

describe('the console at /console/', () => {
  it('serves index.html, never cached, with the security headers, a request id and a log line', async () => {
    const r = await raw(port, '/console/')
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(r.headers['cache-control']).toBe('no-store')
    expect(r.body.toString()).toBe(INDEX)
    expectSecurityHeaders(r)
    expect(r.headers['x-request-id']).toMatch(/.+/)
    expect(logs).toContainEqual(
      expect.objectContaining({
        event: 'request',
        route: 'console',
        path: '/console/',
        status: 200,
      }),
    )
  })

  it('redirects /console to /console/, keeping the query', async () => {
    const r = await raw(port, '/console?x=1')
    expect(r.status).toBe(301)
    expect(r.headers['location']).toBe('/console/?x=1')
  })

  it('serves hashed assets with their type and a year of caching, gzipped when asked', async () => {
    const js = await raw(port, '/console/assets/index-AbC123.js')
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(js.body.toString()).toBe(APP_JS)
    expectSecurityHeaders(js)
    const css = await raw(port, '/console/assets/index-AbC123.css')
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    const svg = await raw(port, '/console/favicon.svg')
    expect(svg.headers['content-type']).toBe('image/svg+xml')
    expect(svg.headers['cache-control']).toBe('no-cache')
    const gz = await raw(port, '/console/assets/index-AbC123.js', 'GET', {
      'accept-encoding': 'gzip, deflate',
    })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.body).toString()).toBe(APP_JS)
  })

  it('answers HEAD with the headers and no body', async () => {
    const r = await raw(port, '/console/assets/index-AbC123.js', 'HEAD')
    expect(r.status).toBe(200)
    expect(r.headers['content-length']).toBe(String(APP_JS.length))
    expect(r.body.length).toBe(0)
  })

  it('answers deep links into the app with index.html', async () => {
    for (const path of [
      '/console/projects/demo-project',
      '/console/projects/demo-project/services/hello/',
      '/console/access/user:alice@example.com',
    ]) {
      const r = await raw(port, path)
      expect(r.status, path).toBe(200)
      expect(r.body.toString(), path).toBe(INDEX)
    }
  })

  it('answers a missing asset with 404 in Google envelope, and other methods with 405', async () => {
    const r = await raw(port, '/console/assets/missing-123.js')
    expect(r.status).toBe(404)
    expect(r.headers['content-type']).toContain('application/json')
    const body = JSON.parse(r.body.toString()) as {
      error: { code: number; status: string; message: string }
    }
    expect(body.error).toMatchObject({ code: 404, status: 'NOT_FOUND' })
    expect(body.error.message).toContain('/console/assets/missing-123.js')
    expectSecurityHeaders(r)
    const post = await raw(port, '/console/', 'POST', { 'content-length': '0' })
    expect(post.status).toBe(405)
    expect(post.headers['allow']).toBe('GET, HEAD')
    expect(JSON.parse(post.body.toString())).toMatchObject({ error: { code: 405 } })
  })

  it('never serves a file outside the built folder, however the path is spelled', async () => {
    const attacks = [
      '/console/../secret.txt',
      '/console/assets/../../secret.txt',
      '/console/%2e%2e/secret.txt',
      '/console/%2E%2E%2Fsecret.txt',
      '/console/assets%2f..%2f..%2fsecret.txt',
      '/console/..%5csecret.txt',
      '/console/assets\\..\\..\\secret.txt',
      '/console/%00/../secret.txt',
      '/console/index.html%00.js',
      '/console//etc/passwd',
      '/console/%2fetc%2fpasswd',
      `/console/${encodeURIComponent(join(root, 'secret.txt'))}`,
      '/console/assets/link.js',
      '/console/up/secret.txt',
      '/console/.env',
      '/console/%2eenv',
      '/console/%252e%252e/secret.txt',
      '/console/%',
      `/console/${'a/'.repeat(4000)}x.js`,
      `/console/${'%2e%2e/'.repeat(500)}secret.txt`,
    ]
    for (const target of attacks) {
      const r = await raw(port, target)
      expect(r.body.toString(), target).not.toContain(SECRET)
      expect(r.body.toString(), target).not.toContain('root:')
      expect([200, 301, 400, 404, 414, 431], target).toContain(r.status)
      // Anything that is not the app's own index.html is an error, never a file.
      if (r.status === 200) expect(r.body.toString(), target).toBe(INDEX)
    }
  })

  it('reads path parts strictly', () => {
    expect(assetKey('assets/index-AbC123.js')).toBe('assets/index-AbC123.js')
    expect(assetKey('%2e%2e/x')).toBeUndefined()
    expect(assetKey('a%2f..%2fb')).toBeUndefined()
    expect(assetKey('a\\b')).toBeUndefined()
    expect(assetKey('a%00b')).toBeUndefined()
    expect(assetKey('.hidden')).toBeUndefined()
    expect(isDeepLink('projects/p/services/s')).toBe(true)
    expect(isDeepLink('projects/../x')).toBe(false)
    expect(isDeepLink('projects/x.js')).toBe(false)
    expect(isDeepLink('projects/a%2fb')).toBe(false)
  })

  it('says plainly when the console is not built, and how to build it', async () => {
    const none = await serveDir(undefined)
    const empty = await serveDir(join(root, 'no-such-folder'))
    for (const p of [none, empty]) {
      const r = await raw(p, '/console/')
      expect(r.status).toBe(503)
      expect(r.body.toString()).toContain('The runiam console is not built')
      expect(r.body.toString()).toContain('npm run build')
      expectSecurityHeaders(r)
    }
  })
})
