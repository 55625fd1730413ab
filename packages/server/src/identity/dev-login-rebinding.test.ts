// DNS rebinding against `runiam serve --dev`: a web page at http://attacker.example:PORT whose name
// the attacker re-resolves to 127.0.0.1 reaches the developer's loopback server from the
// developer's browser as its own origin, so it can read what it is answered. Without a check it
// minted an owner's token at /token (dev login needs no secret) and, with it, created a worker
// pool whose command ran on the developer's machine. Its requests carry the attacker's name as
// Host (a page cannot change it): the dev login answers loopback Hosts only. Real server, real
// socket, SQLite in a temp folder.
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { startServer, type RunningServer } from '../main.js'
import { isLoopbackHost } from './identity-routes.js'

let dir = ''
let server: RunningServer
let port = 0
const logs: Record<string, unknown>[] = []

/** POST /token as a browser would send it, with the Host (and Origin) of the page's address. */
function devLogin(host: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new URLSearchParams({
    grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
    subject: 'admin@example.com',
  }).toString()
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/token',
        headers: {
          host,
          origin: `http://${host}`,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(form),
        },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(text) as Record<string, unknown>,
          }),
        )
      },
    )
    req.on('error', reject)
    req.end(form)
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-rebinding-'))
  server = await startServer(
    loadConfig(['--dev', '--port', '0', '--data', dir, '--no-access-log']),
    { log: (e: Record<string, unknown>) => logs.push(e) },
  )
  port = Number(new URL(server.url).port)
})

afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('dev login and DNS rebinding', () => {
  it('mints no token for a page whose own name was rebound to 127.0.0.1', async () => {
    for (const host of [
      `attacker.example:${port}`,
      `127.0.0.1.nip.io:${port}`,
      `localhost.attacker.example:${port}`,
      `0.0.0.0:${port}`,
    ]) {
      const r = await devLogin(host)
      expect(r.status, host).toBe(400)
      expect(r.body['access_token'], host).toBeUndefined()
      expect(r.body['id_token'], host).toBeUndefined()
      expect(r.body['error'], host).toBe('invalid_request')
      expect(String(r.body['error_description']), host).toContain(`[${host}]`)
    }
    expect(logs).toContainEqual(
      expect.objectContaining({ event: 'dev_login_refused', host: `attacker.example:${port}` }),
    )
  })

  it('still signs in at every loopback spelling', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST:${port}`,
      `[::1]:${port}`,
      `runiam.localhost:${port}`,
    ]) {
      const r = await devLogin(host)
      expect(r.status, host).toBe(200)
      expect(typeof r.body['access_token'], host).toBe('string')
    }
  })

  it('also signs in at the host of --issuer-url, which the operator chose', async () => {
    const other = mkdtempSync(join(tmpdir(), 'runiam-rebinding-'))
    const named = await startServer(
      loadConfig([
        ...['--dev', '--port', '0', '--data', other, '--no-access-log'],
        ...['--issuer-url', 'https://runiam-dev.example.test'],
      ]),
    )
    const saved = port
    try {
      port = Number(new URL(named.url).port)
      expect((await devLogin('runiam-dev.example.test')).status).toBe(200)
      expect((await devLogin('RUNIAM-DEV.example.test')).status).toBe(200)
      expect((await devLogin('runiam-dev.example.test:444')).status).toBe(400)
      expect((await devLogin('attacker.example')).status).toBe(400)
    } finally {
      port = saved
      await named.close()
      rmSync(other, { recursive: true, force: true })
    }
  })

  it('reads the Host strictly', () => {
    expect(isLoopbackHost(undefined)).toBe(false)
    expect(isLoopbackHost('')).toBe(false)
    expect(isLoopbackHost('127.0.0.1@attacker.example')).toBe(false)
    expect(isLoopbackHost('attacker.example#localhost')).toBe(false)
    expect(isLoopbackHost('localhost:8080')).toBe(true)
  })
})
