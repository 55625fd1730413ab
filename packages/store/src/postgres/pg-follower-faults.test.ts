// Replica freshness under a hostile network and hostile database users (pg-follower.ts). One
// replica reaches PostgreSQL through a TCP relay that can be frozen: no byte passes either way and
// nothing is closed (no RST, no FIN), as when a NAT or firewall drops a connection's state. A write
// answered by the other replica (after its bounded wait for peers, as main.ts does) must never be
// followed by the frozen replica deciding under the old policy: it either applied the write or
// stopped `following` (the server fences). And NOTIFY, which any database user may send on the
// channels, is only ever a hint. On a database of its own, dropped after. Skipped without
// PostgreSQL (a failure under RUNIAM_REQUIRE_PG=1).
import { createServer, Socket, type Server } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it, vi } from 'vitest'
import { openPostgresStore } from '@runiam/store/postgres'
import type { FeedFollower, Store } from '../store.js'
import {
  describeWithPg,
  eventually,
  freshDatabase,
  PG_BASE_URL,
  service,
  sql,
} from './pg.fixtures.js'
import { feedNames } from './pg-follower.js'

const withPg = await describeWithPg('pg-follower-faults.test.ts')
const { name: database, url } = freshDatabase('runiam_follower_faults')

/**
 * A TCP relay to PostgreSQL. freeze(): every connection stops forwarding both ways (the relay stops
 * reading, so TCP flow control stalls the senders) and new connections are accepted but never
 * forwarded; nothing is closed. thaw(): forwarding resumes where it stopped, bytes intact. cut():
 * every connection is destroyed and new ones pass again.
 */
class Relay {
  readonly #server: Server
  readonly #pairs = new Set<[Socket, Socket]>()
  readonly #listening = new WeakSet<[Socket, Socket]>()
  #frozen = false
  port = 0
  readonly host: string
  readonly targetPort: number

  constructor(host: string, targetPort: number) {
    this.host = host
    this.targetPort = targetPort
    this.#server = createServer((client) => this.#accept(client))
  }

  async listen(): Promise<this> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r))
    const address = this.#server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    this.port = address.port
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
    // The follower's connection is the one that LISTENs (pool connections never do).
    const listens = (chunk: Buffer): void => {
      if (chunk.includes('LISTEN "')) this.#listening.add(pair)
    }
    client.on('data', listens)
    if (this.#frozen) client.pause()
    server.connect(this.targetPort, this.host)
  }

  freeze(): void {
    this.#frozen = true
    for (const pair of this.#pairs) for (const s of pair) s.pause()
  }

  /** Freezes every connection but the follower's (the pool's, mid-query or idle, and new ones). */
  freezePool(): void {
    this.#frozen = true
    for (const pair of this.#pairs) if (!this.#listening.has(pair)) for (const s of pair) s.pause()
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

type Replica = Store & { follower: FeedFollower }

const open: Store[] = []
const relays: Relay[] = []
async function replica(schema: string, relay?: Relay): Promise<Replica> {
  const u = new URL(url)
  if (relay !== undefined) {
    u.hostname = '127.0.0.1'
    u.port = String(relay.port)
  }
  const store = await openPostgresStore({ url: u.toString(), schema, follow: true })
  open.push(store)
  if (store.follower === undefined) throw new Error('no follower')
  return store as Replica
}

async function newRelay(): Promise<Relay> {
  const target = new URL(PG_BASE_URL)
  const relay = await new Relay(target.hostname, Number(target.port || 5432)).listen()
  relays.push(relay)
  return relay
}

/** What the server's Propagation does after a write: wait for the peers, at most 2 s, then answer. */
async function answerWrite(writer: Replica): Promise<number> {
  const revision = writer.committedRevision()
  await writer.follower.settle(revision, AbortSignal.timeout(2_000)).catch(() => undefined)
  return revision
}

/** Would `r` decide under a policy older than `revision`? (Following, yet not applied.) */
const decidesStale = (r: Replica, revision: number): boolean =>
  r.follower.following && r.appliedRevision() < revision

withPg('replica freshness under network faults', () => {
  let schemaCount = 0
  const schema = (): string => `f${++schemaCount}`

  beforeAll(async () => {
    await sql(`CREATE DATABASE ${database}`)
  })
  afterEach(async () => {
    const used = relays.splice(0)
    for (const r of used) r.cut()
    for (const s of open.splice(0)) await s.close().catch(() => undefined)
    for (const r of used) await r.close()
  })
  afterAll(async () => {
    await sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  })

  it('a black-holed replica never decides under the old policy once a write is answered; it recovers on thaw and on cut', async () => {
    const s = schema()
    const relay = await newRelay()
    const a = await replica(s)
    const b = await replica(s, relay)
    await eventually('a knows b', () => a.follower.peers().includes(b.follower.replicaId))

    for (const end of ['thaw', 'cut'] as const) {
      await a.transact((tx) => tx.createResource(service(`before-${end}`)))
      await a.follower.settle(a.committedRevision(), AbortSignal.timeout(10_000))
      relay.freeze()
      // The revocation, written through a: b's lock is still held (the database sees no loss), so
      // a waits for b's announcement until its bound, then answers.
      await a.transact((tx) => tx.createResource(service(`revoked-${end}`)))
      const revision = await answerWrite(a)
      expect(decidesStale(b, revision)).toBe(false)
      // And for as long as it stays frozen.
      for (let i = 0; i < 10; i++) {
        await sleep(100)
        expect(decidesStale(b, revision)).toBe(false)
      }
      expect(b.follower.following).toBe(false)
      if (end === 'thaw') relay.thaw()
      else relay.cut()
      await eventually(`b follows again after ${end}`, () => b.follower.following)
      await eventually('b applied the write', () => b.appliedRevision() >= revision)
    }
    // And it takes part in settle again.
    await a.transact((tx) => tx.createResource(service('after')))
    await a.follower.settle(a.committedRevision(), AbortSignal.timeout(10_000))
    expect(b.appliedRevision()).toBeGreaterThanOrEqual(a.committedRevision())
  }, 60_000)

  it('a wall clock stepped back an hour while its link is black-holed does not keep a replica fresh', async () => {
    const s = schema()
    const relay = await newRelay()
    const a = await replica(s)
    const b = await replica(s, relay)
    await eventually('a knows b', () => a.follower.peers().includes(b.follower.replicaId))
    await a.transact((tx) => tx.createResource(service('before-step')))
    await a.follower.settle(a.committedRevision(), AbortSignal.timeout(10_000))
    relay.freeze()
    // NTP stepping the clock back, or a VM restored from a snapshot: Date.now() goes back an hour.
    const wall = Date.now.bind(Date)
    const stepped = vi.spyOn(Date, 'now').mockImplementation(() => wall() - 3_600_000)
    try {
      await a.transact((tx) => tx.createResource(service('after-step')))
      const revision = await answerWrite(a)
      expect(decidesStale(b, revision)).toBe(false)
      expect(b.follower.following).toBe(false)
    } finally {
      stepped.mockRestore()
    }
    relay.thaw()
    await eventually('b follows again', () => b.follower.following)
  }, 60_000)

  it('a replica whose pool is frozen (its LISTEN connection alive) fences instead of deciding under the old policy, and recovers on thaw', async () => {
    const s = schema()
    const relay = await newRelay()
    const a = await replica(s)
    const b = await replica(s, relay)
    await eventually('a knows b', () => a.follower.peers().includes(b.follower.replicaId))
    relay.freezePool()
    // A read on b's pool now hangs on the wire: it must end (UNAVAILABLE), not hang forever.
    const read = b.getPolicy(service('x').name).then(
      () => 'ok',
      (e: unknown) => String((e as { reason?: string }).reason),
    )
    await a.transact((tx) => tx.createResource(service('revoked')))
    const revision = await answerWrite(a)
    expect(decidesStale(b, revision)).toBe(false)
    expect(b.follower.state).toBe('lagging')
    expect(await read).toBe('STORE_UNAVAILABLE')
    relay.thaw()
    await eventually('b follows again', () => b.follower.following)
    expect(b.appliedRevision()).toBeGreaterThanOrEqual(revision)
  }, 60_000)

  it('NOTIFY payloads are hints only: malformed, huge or spoofed revisions neither fence a replica nor stop it reconnecting', async () => {
    const s = schema()
    const relay = await newRelay()
    const a = await replica(s)
    const b = await replica(s, relay)
    await a.transact((tx) => tx.createResource(service('s1')))
    await a.follower.settle(a.committedRevision(), AbortSignal.timeout(10_000))
    const names = feedNames(s)
    // Any database user may do this.
    for (const payload of ['999999999999', 'garbage', '', '-5', '1e300', `${2 ** 60}`, '3:4'])
      await sql('SELECT pg_notify($1, $2)', [names.changes, payload], url)
    // Longer than the lag limit: a replica that believed the payload would fence by now.
    await sleep(2_500)
    expect([a.follower.state, b.follower.state]).toEqual(['ok', 'ok'])
    // A reconnect after the spoof catches up and follows (it must not wait for revision 999999999999).
    relay.cut()
    await eventually('b notices the cut', () => !b.follower.following)
    await eventually('b follows again', () => b.follower.following)
    await a.transact((tx) => tx.createResource(service('s2')))
    await a.follower.settle(a.committedRevision(), AbortSignal.timeout(10_000))
    expect(b.appliedRevision()).toBe(a.committedRevision())
    expect(b.follower.following).toBe(true)
  }, 60_000)

  it('a replica frozen while the feed is pruned past its place hears a reset (drops its caches) and follows again', async () => {
    const s = schema()
    const relay = await newRelay()
    const a = await replica(s)
    const b = await replica(s, relay)
    // A writer waits only for the replicas it knows: b must be one before its link is frozen.
    await eventually('a knows b', () => a.follower.peers().includes(b.follower.replicaId))
    const kinds: string[] = []
    b.onChange((changes) => kinds.push(...changes.map((c) => c.kind)))
    await a.transact((tx) => tx.createResource(service('seen')))
    await a.follower.settle(a.committedRevision(), AbortSignal.timeout(10_000))
    kinds.length = 0
    relay.freeze()
    for (const id of ['m1', 'm2', 'm3']) await a.transact((tx) => tx.createResource(service(id)))
    expect(await a.pruneChanges({ olderThanSeconds: 0, keepNewest: 1 })).toBeGreaterThan(0)
    await answerWrite(a)
    expect(decidesStale(b, a.committedRevision())).toBe(false)
    relay.thaw()
    await eventually('b follows again', () => b.follower.following)
    await eventually('b caught up', () => b.appliedRevision() >= a.committedRevision())
    // What it missed cannot be named any more: it is told to drop everything, never left stale.
    expect(kinds[0]).toBe('reset')
  }, 60_000)

  it('a flood of forged NOTIFYs on both channels neither fences the replicas nor stalls their writes', async () => {
    const s = schema()
    const a = await replica(s)
    const b = await replica(s)
    await eventually('a knows b', () => a.follower.peers().includes(b.follower.replicaId))
    const names = feedNames(s)
    const spoofer = new pg.Client({ connectionString: url })
    await spoofer.connect()
    try {
      let fenced = false
      const watch = setInterval(() => {
        if (!a.follower.following || !b.follower.following) fenced = true
      }, 10)
      // In one statement: thousands of notices, unknown announcers, '?' and junk revisions.
      await spoofer.query(
        `SELECT pg_notify($1, i::text || ':' || i::text), pg_notify($2, (i * 1000)::text),
                pg_notify($1, '?')
           FROM generate_series(1, 20000) AS i`,
        [names.applied, names.changes],
      )
      await a.transact((tx) => tx.createResource(service('s1')))
      await a.follower.settle(a.committedRevision(), AbortSignal.timeout(10_000))
      await sleep(2_000)
      clearInterval(watch)
      expect(fenced).toBe(false)
      expect(b.appliedRevision()).toBe(a.committedRevision())
    } finally {
      await spoofer.end()
    }
  }, 60_000)

  it('a forged announcement (another backend speaking for a replica) does not answer a write before that replica applied it', async () => {
    const s = schema()
    const relay = await newRelay()
    const a = await replica(s)
    const b = await replica(s, relay)
    await eventually('a knows b', () => a.follower.peers().includes(b.follower.replicaId))
    const names = feedNames(s)
    const id = b.follower.replicaId
    for (const forged of [`${id}:999999999`, `${id}:-1`]) {
      relay.freeze() // b can apply nothing, and says nothing
      // Any database user may NOTIFY: here one claims, for b, to have applied everything, or to leave.
      await sql('SELECT pg_notify($1, $2)', [names.applied, forged], url)
      await a.transact((tx) => tx.createResource(service(`s-${forged}`)))
      const revision = await answerWrite(a)
      expect(decidesStale(b, revision)).toBe(false)
      relay.cut()
      await eventually('b follows again', () => b.follower.following)
      await eventually('a knows b again', () => a.follower.peers().includes(b.follower.replicaId))
    }
    // b's own announcements still count.
    await a.transact((tx) => tx.createResource(service('after')))
    await a.follower.settle(a.committedRevision(), AbortSignal.timeout(10_000))
    expect(b.appliedRevision()).toBe(a.committedRevision())
  }, 60_000)
})
