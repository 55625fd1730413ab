// Hostile input against a real `runiam serve`: a request body nested 100,000 levels deep (which
// once overflowed the stack and answered 500) and a 2 MB body get Google's 400s, and the server
// still answers afterwards; a data folder left readable by others (0755 folder, 0644 files, umask
// 022) is made owner-only at start, with a log line saying so.
import { chmodSync, mkdtempSync, readdirSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServer, type ServerProcess } from './harness.js'

const PROJECT = 'hostile-proj'
let server: ServerProcess
let accessToken: string

async function post(path: string, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body,
  })
  const text = await res.text()
  return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) }
}

const mode = (path: string): string => (statSync(path).mode & 0o777).toString(8)

beforeAll(async () => {
  server = await startServer()
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: 'admin@example.com',
    }),
  })
  accessToken = ((await res.json()) as { access_token: string }).access_token
  expect((await post('/v1/projects', JSON.stringify({ projectId: PROJECT }))).status).toBe(200)
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe('hostile request bodies', () => {
  it('answers a body nested 100,000 levels deep with 400 INVALID_JSON, not 500', async () => {
    const depth = 100_000
    const deep = `{"policy":{"bindings":${'['.repeat(depth)}${']'.repeat(depth)}}}`
    const r = await post(`/v1/projects/${PROJECT}:setIamPolicy`, deep)
    expect(r.status).toBe(400)
    expect(r.json).toMatchObject({
      error: {
        code: 400,
        status: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^Invalid JSON payload received\./) as unknown,
        details: [expect.objectContaining({ reason: 'INVALID_JSON' })],
      },
    })
    // The same brackets inside a string are only text (refused for what they say, not as JSON).
    const quoted = JSON.stringify({ policy: { bindings: [], etag: '['.repeat(depth) } })
    const text = await post(`/v1/projects/${PROJECT}:setIamPolicy`, quoted)
    expect(JSON.stringify(text.json)).not.toContain('INVALID_JSON')
    const get = await post(`/v1/projects/${PROJECT}:getIamPolicy`, '{}')
    expect(get.status).toBe(200)
  })

  it('answers a 2 MB body with 400 PAYLOAD_TOO_LARGE', async () => {
    const big = JSON.stringify({ policy: { bindings: [], etag: 'x'.repeat(2 * 1024 * 1024) } })
    const r = await post(`/v1/projects/${PROJECT}:setIamPolicy`, big)
    expect(r.status).toBe(400)
    expect(r.json).toMatchObject({
      error: {
        status: 'INVALID_ARGUMENT',
        message: expect.stringMatching(/^Request payload size exceeds the limit/) as unknown,
        details: [expect.objectContaining({ reason: 'PAYLOAD_TOO_LARGE' })],
      },
    })
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
  })
})

describe('the data folder', () => {
  it('is made owner-only at start (umask 022, an existing 0755 folder and 0644 files)', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'runiam-modes-'))
    const previous = process.umask(0o022)
    try {
      // A first start (without --dev: the bootstrap key file is written too) fills the folder.
      const first = await startServer([], { dataDir, keepData: true, dev: false })
      await first.stop()
      const secrets = ['runiam.db', 'bootstrap-key.json']
      const present = readdirSync(dataDir).filter((n) => statSync(join(dataDir, n)).isFile())
      expect(present).toEqual(expect.arrayContaining(secrets))
      chmodSync(dataDir, 0o755)
      for (const name of present) chmodSync(join(dataDir, name), 0o644)

      const second = await startServer([], { dataDir, dev: false })
      try {
        expect(mode(dataDir)).toBe('700')
        for (const name of readdirSync(dataDir)) {
          const path = join(dataDir, name)
          if (statSync(path).isFile()) expect(`${name} ${mode(path)}`).toBe(`${name} 600`)
        }
        const tightened = second
          .logs()
          .split('\n')
          .filter((l) => l.includes('"data_dir_tightened"'))
          .map((l) => JSON.parse(l) as { path: string; from: string; to: string })
        expect(tightened).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ path: dataDir, from: '755', to: '700' }),
            ...secrets.map((n) =>
              expect.objectContaining({ path: join(dataDir, n), from: '644', to: '600' }),
            ),
          ]),
        )
      } finally {
        await second.stop()
      }
    } finally {
      process.umask(previous)
    }
  }, 60_000)
})
