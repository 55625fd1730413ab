// runiam's issuer as the real server wires it (SQLite in a temp folder, real sockets): a trusted
// issuer naming runiam's own issuer URL is refused at start, naming it (its keys would otherwise
// judge runiam's tokens at the gateway); the discovery document names the configured issuer and
// the JWKS publishes public key members only; a 1 MB Authorization header is refused before any
// token check, and the server keeps answering.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { startServer } from '../main.js'

const ISS = 'https://iam.example.com'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-issuer-wiring-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const serve = (...extra: string[]) =>
  startServer(
    loadConfig(['--port', '0', '--data', dir, '--no-access-log', '--issuer-url', ISS, ...extra]),
  )

/** The status of a GET to `url` with `authorization`, over a plain socket. */
function statusOf(url: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization } }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

describe("runiam's issuer, wired", () => {
  it("refuses to start with a trusted issuer that names runiam's own issuer URL", async () => {
    writeFileSync(join(dir, 'jwks.json'), '{"keys":[]}')
    const config = join(dir, 'runiam.yaml')
    writeFileSync(
      config,
      `trustedIssuers:\n  - issuer: ${ISS}\n    jwksFile: ${join(dir, 'jwks.json')}\n    allowServiceAccounts: true\n`,
    )
    await expect(serve('--config', config)).rejects.toMatchObject({
      reason: 'INVALID_CONFIG',
      message: expect.stringContaining(`Token issuer "${ISS}" is listed twice`),
    })
  })

  it('refuses a 1 MB Authorization header before any token check and keeps serving', async () => {
    const server = await serve()
    try {
      const huge = `Bearer ${'a'.repeat(1 << 20)}`
      expect(await statusOf(`${server.url}/v1/projects`, huge)).toBe(431)
      expect(await statusOf(`${server.url}/v1/projects`, 'Bearer not.a.jwt')).toBe(401)
    } finally {
      await server.close()
    }
  })
  it('publishes the configured issuer and only public key members', async () => {
    const server = await serve()
    try {
      const disco = (await (
        await fetch(`${server.url}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>
      expect(disco).toMatchObject({ issuer: ISS, jwks_uri: `${ISS}/oauth2/v3/certs` })
      for (const path of ['/oauth2/v3/certs', '/.well-known/jwks.json']) {
        const { keys } = (await (await fetch(`${server.url}${path}`)).json()) as {
          keys: Record<string, unknown>[]
        }
        expect(keys.length, path).toBeGreaterThan(0)
        for (const key of keys) {
          expect(Object.keys(key).sort(), path).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use'])
        }
      }
    } finally {
      await server.close()
    }
  })
})
