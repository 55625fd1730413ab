// Replicas on one PostgreSQL database, as the store sees them (pg-follower.ts): a commit by one
// reaches the others' listeners without anyone calling refresh(); settle() resolves only once every
// other live replica has applied the revision; a replica that dies or leaves stops being waited
// for; a replica whose follower connection is killed stops `following`, then reconnects and
// catches up on what it missed. On a database of its own, dropped after. Skipped without
// PostgreSQL (a failure under RUNIAM_REQUIRE_PG=1).
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { openPostgresStore } from '@runiam/store/postgres'
import type { Change } from '../records.js'
import type { FeedFollower, Store } from '../store.js'
import { describeWithPg, eventually, freshDatabase, service, sql } from './pg.fixtures.js'
import { feedNames } from './pg-follower.js'

const withPg = await describeWithPg('pg-follower.test.ts')
const { name: database, url } = freshDatabase('runiam_follower')

const open: Store[] = []
async function replica(schema: string): Promise<Store & { follower: FeedFollower }> {
  const store = await openPostgresStore({ url, schema, follow: true })
  open.push(store)
  if (store.follower === undefined) throw new Error('no follower')
  return store as Store & { follower: FeedFollower }
}

/** The backend holding a replica's lock: its follower connection. */
async function followerPid(replicaId: number): Promise<number | undefined> {
  const { rows } = await sql(
    `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted
       AND objid::text::bigint = $1 AND database = (SELECT oid FROM pg_database WHERE datname = $2)`,
    [replicaId, database],
  )
  return (rows[0] as { pid: number } | undefined)?.pid
}

const bounded = (ms: number): AbortSignal => AbortSignal.timeout(ms)

/** Warnings this file's replicas made Node print (pg warns once per process). */
const warnings: string[] = []
process.on('warning', (w) => warnings.push(w.message))

withPg('PostgreSQL replicas following one feed', () => {
  let schemaCount = 0
  const schema = (): string => `r${++schemaCount}`

  beforeAll(async () => {
    await sql(`CREATE DATABASE ${database}`)
  })
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close().catch(() => undefined)
  })
  afterAll(async () => {
    await sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  })

  it("a commit reaches the other replica's listeners without a refresh call", async () => {
    const s = schema()
    const a = await replica(s)
    const b = await replica(s)
    expect(a.follower.following).toBe(true)
    expect(b.follower.following).toBe(true)
    const seen: Change[] = []
    b.onChange((changes) => seen.push(...changes))
    await a.transact((tx) => tx.createResource(service('s1')))
    await eventually('b hears of s1', () => seen.some((c) => c.name === service('s1').name))
    expect(b.appliedRevision()).toBe(await a.revision())
  })

  it('settle() resolves only once every other live replica has applied the revision', async () => {
    const s = schema()
    const a = await replica(s)
    const b = await replica(s)
    const c = await replica(s)
    await eventually('a knows b and c', () =>
      [b.follower.replicaId, c.follower.replicaId].every((id) => a.follower.peers().includes(id)),
    )
    for (let i = 0; i < 20; i++) {
      const writer = [a, b, c][i % 3] as typeof a
      await writer.transact((tx) => tx.createResource(service(`s${i}`)))
      const revision = writer.committedRevision()
      await writer.follower.settle(revision, bounded(10_000))
      // The moment settle resolves, the others have delivered it to their listeners.
      for (const other of [a, b, c])
        expect(other.appliedRevision()).toBeGreaterThanOrEqual(revision)
    }
    // Another schema is another set of replicas: they do not wait for each other.
    const elsewhere = await replica(schema())
    expect(a.follower.peers()).not.toContain(elsewhere.follower.replicaId)
  })

  it('a replica that has just joined is waited for by a write made the moment it is ready', async () => {
    const s = schema()
    const a = await replica(s)
    for (let i = 0; i < 5; i++) {
      // Ready (start resolved, following): from here its decisions count, so every writer must
      // already wait for it. A writer that has not yet read b's lock would answer without it.
      const b = await replica(s)
      expect(b.follower.following).toBe(true)
      expect(a.follower.peers()).toContain(b.follower.replicaId)
      await a.transact((tx) => tx.createResource(service(`join${i}`)))
      const revision = a.committedRevision()
      await a.follower.settle(revision, bounded(10_000))
      expect(b.appliedRevision()).toBeGreaterThanOrEqual(revision)
    }
  })

  it('a live replica that never applies holds settle() until its bound; one that dies is dropped', async () => {
    const s = schema()
    const a = await replica(s)
    // A replica in name only: it holds a replica lock and never announces anything.
    const mute = new pg.Client({ connectionString: url })
    await mute.connect()
    try {
      await mute.query(`SET search_path = ${s}`)
      await mute.query(`SELECT pg_advisory_lock(hashtext($1), 424242)`, [feedNames(s).lockSpace])
      // It says hello as a replica does when it joins, and then nothing more.
      await mute.query('SELECT pg_notify($1, $2)', [feedNames(s).applied, '424242:0'])
      await eventually('a knows the mute replica', () => a.follower.peers().includes(424242))
      await a.transact((tx) => tx.createResource(service('s1')))
      const refused = await a.follower.settle(a.committedRevision(), bounded(700)).then(
        () => 'resolved',
        (e: unknown) => String(e),
      )
      expect(refused).toMatch(/424242/)
      expect(a.follower.peers()).toContain(424242)
    } finally {
      await mute.end()
    }
    // Its connection is gone, and with it its lock: the next write does not wait for it.
    await a.transact((tx) => tx.createResource(service('s2')))
    await a.follower.settle(a.committedRevision(), bounded(10_000))
    expect(a.follower.peers()).not.toContain(424242)
  })

  it('a replica that closes is no longer waited for', async () => {
    const s = schema()
    const a = await replica(s)
    const b = await replica(s)
    await eventually('a knows b', () => a.follower.peers().includes(b.follower.replicaId))
    await b.close()
    await eventually('a forgets b', () => !a.follower.peers().includes(b.follower.replicaId))
    await a.transact((tx) => tx.createResource(service('s1')))
    await a.follower.settle(a.committedRevision(), bounded(10_000))
  })

  it('a terminated follower connection fences, reconnects and catches up on what it missed', async () => {
    const s = schema()
    const a = await replica(s)
    const b = await replica(s)
    const seen: string[] = []
    b.onChange((changes) => seen.push(...changes.map((c) => c.name)))
    const pid = await followerPid(b.follower.replicaId)
    expect(pid).toBeDefined()
    // Its pool is untouched: only the connection that listens and holds the lock goes.
    await sql('SELECT pg_terminate_backend($1)', [pid])
    await eventually('b stops following', () => !b.follower.following)
    expect(['disconnected', 'connecting']).toContain(b.follower.state)
    // Written while b could hear nothing (it may already be back; then it hears it at once).
    await a.transact((tx) => tx.createResource(service('missed')))
    await eventually('b follows again', () => b.follower.following)
    await eventually('b caught up', () => seen.includes(service('missed').name))
    expect(b.appliedRevision()).toBe(await a.revision())
    // And it is a peer again, with a lock of its own.
    expect(await followerPid(b.follower.replicaId)).toBeDefined()
    await a.transact((tx) => tx.createResource(service('after')))
    await a.follower.settle(a.committedRevision(), bounded(10_000))
    expect(seen).toContain(service('after').name)
  })
  it('sends no query on its connection while another is running (pg deprecated its own queue)', () => {
    // Every test above started followers whose heartbeat, announcements and live-set reads begin
    // independently; pg 8 queues such a query and warns, pg 9 will not queue it at all.
    expect(warnings.filter((m) => m.includes('client.query()'))).toEqual([])
  })
})
