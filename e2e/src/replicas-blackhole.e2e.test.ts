// Two `runiam serve` replicas on one PostgreSQL database; B reaches it through a TCP relay in this
// test that can be frozen (no byte passes either way, nothing is closed: no RST, no FIN, as when a
// NAT or firewall drops a connection's state), thawed, or cut. A revocation written through A while
// B is frozen: once A has answered, B's gateway never lets the revoked caller in (it refuses with
// 503 STORE_FEED_LAGGING, or decides under the new policy); B's admin API answers every request
// (503) instead of hanging on its frozen pool; and B recovers by itself when the relay thaws or
// is cut. PostgreSQL missing: skipped loudly (a failure under RUNIAM_REQUIRE_PG=1).
import { createServer, Socket, type Server } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PG_ADMIN_URL =
  process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const DB = `runiam_blackhole_e2e_${process.pid}_${Date.now()}`
const PROJECT = 'blackhole-e2e'

async function admin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
const dbUrl = (): URL => new URL(PG_ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`))

/**
 * A TCP relay to PostgreSQL. freeze(): every connection stops forwarding both ways (the relay stops
 * reading, so TCP flow control stalls the senders) and new connections are accepted but never
 * forwarded; nothing is closed. thaw(): forwarding resumes, bytes intact. cut(): every connection
 * is destroyed and new ones pass again.
 */
class Relay {
  readonly #server: Server
  readonly #pairs = new Set<[Socket, Socket]>()
  #frozen = false
  port = 0
  readonly #target: URL

  constructor(target: URL) {
    this.#target = target
    this.#server = createServer((client) => this.#accept(client))
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r))
    this.port = (this.#server.address() as { port: number }).port
    return this
  }

  #accept(client: Socket): void {
    const server = new Socket()
    const pair: [Socket, Socket] = [client, server]
    this.#pairs.add(pair)
    for (const s of pair) {
      s.on('error', () => undefined)
      s.on('close', () => {
        this.#pairs.delete(pair)
        client.destroy()
        server.destroy()
      })
    }
    client.pipe(server)
    server.pipe(client)
    if (this.#frozen) client.pause()
    server.connect(Number(this.#target.port || 5432), this.#target.hostname)
  }

  freeze(): void {
    this.#frozen = true
    for (const pair of this.#pairs) for (const s of pair) s.pause()
  }

  thaw(): void {
    this.#frozen = false
    for (const pair of this.#pairs) for (const s of pair) s.resume()
  }

  cut(): void {
    this.#frozen = false
    for (const pair of this.#pairs) for (const s of pair) s.destroy()
    this.#pairs.clear()
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise((r) => this.#server.close(r))
  }
}

let available = false
let a: ServerProcess | undefined
let b: ServerProcess | undefined
let relay: Relay | undefined
let owner: User
let svcUrl = ''

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await sleep(50)
  }
}

beforeAll(async () => {
  try {
    await admin(PG_ADMIN_URL, (c) => c.query(`CREATE DATABASE ${DB}`))
    available = true
  } catch (err) {
    if (process.env['RUNIAM_REQUIRE_PG'] === '1') throw err
    console.warn('\n!!! PostgreSQL unreachable: skipping replicas-blackhole.e2e.test.ts\n')
    return
  }
  relay = await new Relay(new URL(PG_ADMIN_URL)).listen()
  const issuer = ['--issuer-url', 'http://iam.runiam.test']
  a = await startServer(['--database', dbUrl().toString(), ...issuer])
  const viaRelay = dbUrl()
  viaRelay.hostname = '127.0.0.1'
  viaRelay.port = String(relay.port)
  b = await startServer(['--database', viaRelay.toString(), ...issuer])
  owner = await login(a, 'admin@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const d = await owner.run(['run', 'deploy', 'svc', '--no-allow-unauthenticated'])
  expect(d.code, d.stderr).toBe(0)
  const desc = await owner.run(['run', 'services', 'describe', 'svc', '--format=json'])
  svcUrl = (JSON.parse(desc.stdout) as { uri: string }).uri
}, 90_000)

afterAll(async () => {
  relay?.cut()
  await a?.stop()
  await b?.stop()
  await relay?.close()
  if (available)
    await admin(PG_ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
})

const binding = (verb: 'add' | 'remove'): string[] => [
  'run',
  'services',
  `${verb}-iam-policy-binding`,
  'svc',
  '--member=user:alice@example.com',
  '--role=roles/run.invoker',
]

describe('a replica whose database connections are black-holed', () => {
  it('never lets a revoked caller in after the revocation was answered, answers its API, and recovers on thaw and on cut', async (ctx) => {
    if (!available || a === undefined || b === undefined || relay === undefined) return ctx.skip()
    const B = b
    const net = relay
    const alice = await idToken(a, 'alice@example.com', svcUrl)
    const gateway = async (): Promise<number> =>
      (await invokeService(B, svcUrl, '/', { authorization: `Bearer ${alice}` })).status
    const ownerToken = (await owner.run(['auth', 'print-access-token'])).stdout.trim()
    const ownerReads = async (): Promise<number> => {
      const res = await fetch(`${B.url}/v1/projects/${PROJECT}`, {
        headers: { authorization: `Bearer ${ownerToken}` },
        signal: AbortSignal.timeout(30_000), // a hang fails the test; no duration is asserted
      })
      await res.text()
      return res.status
    }

    for (const heal of ['thaw', 'cut'] as const) {
      const granted = await owner.run(binding('add'))
      expect(granted.code, granted.stderr).toBe(0)
      await until('B lets alice in', async () => (await gateway()) === 200)

      net.freeze()
      // B's pool is frozen too: a request that reaches it now is answered, never left hanging.
      const inFlight = ownerReads()
      const revoked = await owner.run(binding('remove'))
      expect(revoked.code, revoked.stderr).toBe(0)
      // A has answered: from now on B never decides under the old binding.
      for (let i = 0; i < 10; i++) {
        expect([403, 503]).toContain(await gateway())
        await sleep(100)
      }
      expect([200, 503]).toContain(await inFlight)
      expect(await ownerReads()).toBe(503)
      const ready = await fetch(`${B.url}/readyz`)
      await ready.text()
      expect(ready.status).toBe(503)

      if (heal === 'thaw') net.thaw()
      else net.cut()
      await until(`B decides again after ${heal}`, async () => (await gateway()) !== 503)
      expect(await gateway()).toBe(403)
      expect(await ownerReads()).toBe(200)
    }
  }, 120_000)
})
