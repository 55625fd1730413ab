// Joining (pg-follower.ts #join): a replica decides nothing until every other live replica has said
// it knows it (read its lock), or a write answered by one that had not would not have waited for
// it. Each side on its own, against a raw connection that plays the other replica: the joiner waits
// for the answer from the backend holding the other's lock, and a forged answer from any other
// backend does not count; a live replica answers a question with its own lock's backend. On a
// database of its own, dropped after. Skipped without PostgreSQL (a failure under
// RUNIAM_REQUIRE_PG=1).
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { describeWithPg, eventually, freshDatabase, sql } from './pg.fixtures.js'
import { feedNames, PgFollower } from './pg-follower.js'

const withPg = await describeWithPg('pg-follower-join.test.ts')
const { name: database, url } = freshDatabase('runiam_join')

/** The stand-in replica's id (its advisory lock's second key). */
const OTHER = 424242

const cleanup: (() => Promise<unknown>)[] = []

function follower(schema: string): PgFollower {
  // Nothing to refresh: only joining is under test. The wait is long enough never to end it.
  const f = new PgFollower({
    connection: { connectionString: url },
    schema,
    refresh: () => Promise.resolve(0),
    appliedRevision: () => 0,
    joinWaitMs: 120_000,
  })
  cleanup.push(() => f.close())
  return f
}

/** A raw connection holding replica `id`'s lock and listening on the applied channel. */
async function standIn(
  schema: string,
  id: number,
): Promise<{ client: pg.Client; heard: string[] }> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  cleanup.push(() => client.end())
  const heard: string[] = []
  client.on('notification', (m) => heard.push(`${m.processId}|${m.payload ?? ''}`))
  await client.query(`SELECT pg_advisory_lock(hashtext($1), $2)`, [feedNames(schema).lockSpace, id])
  await client.query(`LISTEN "${feedNames(schema).applied}"`)
  return { client, heard }
}

async function pidOf(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
  return (rows[0] as { pid: number }).pid
}

withPg('joining replicas', () => {
  beforeAll(async () => {
    await sql(`CREATE DATABASE ${database}`)
  })
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined)
  })
  afterAll(async () => {
    await sql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
  })

  it('a joiner waits for the live replica’s own answer; a forged one from another backend does not count', async () => {
    const s = 'join_a'
    const other = await standIn(s, OTHER)
    const joiner = follower(s)
    let ready = false
    const started = joiner.start().then(() => (ready = true))
    // The question: "?id", from the joiner.
    await eventually('the joiner asks', () =>
      other.heard.some((h) => h.endsWith(`|?${joiner.replicaId}`)),
    )
    expect(joiner.following).toBe(false)
    // Anyone may NOTIFY: a forger answers for the stand-in from its own backend.
    const forger = new pg.Client({ connectionString: url })
    await forger.connect()
    cleanup.push(() => forger.end())
    const answer = `${OTHER}:0:${joiner.replicaId}`
    await forger.query('SELECT pg_notify($1, $2)', [feedNames(s).applied, answer])
    // Delivered to the joiner as to the stand-in (notices of one channel come in commit order):
    // once the stand-in has it, and a notice sent after it, the joiner has read both.
    await other.client.query('SELECT pg_notify($1, $2)', [feedNames(s).applied, 'marker'])
    await eventually('the forgery is delivered', () =>
      other.heard.some((h) => h.endsWith('|marker')),
    )
    await sleep(200)
    expect(ready).toBe(false)
    expect(joiner.following).toBe(false)
    // The stand-in's own answer, from the backend that holds its lock.
    await other.client.query('SELECT pg_notify($1, $2)', [feedNames(s).applied, answer])
    await started
    expect(joiner.following).toBe(true)
    expect(joiner.peers()).toEqual([OTHER])
  })

  it('a live replica answers a question from the backend that holds its lock, after reading the asker’s lock', async () => {
    const s = 'join_b'
    const live = follower(s)
    await live.start()
    const asker = await standIn(s, OTHER)
    const askerPid = await pidOf(asker.client)
    await asker.client.query('SELECT pg_notify($1, $2)', [feedNames(s).applied, `?${OTHER}`])
    await eventually('the live replica answers', () =>
      asker.heard.some((h) => h.endsWith(`|${live.replicaId}:0:${OTHER}`)),
    )
    const answer = asker.heard.find((h) => h.endsWith(`:${OTHER}`)) as string
    const { rows } = await sql(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 2 AND granted
         AND objid::text::bigint = $1 AND database = (SELECT oid FROM pg_database WHERE datname = $2)`,
      [live.replicaId, database],
    )
    expect(answer.split('|')[0]).toBe(String((rows[0] as { pid: number }).pid))
    expect(answer.split('|')[0]).not.toBe(String(askerPid))
    // And it now waits for the asker's writes' announcements: it counts it among the live.
    expect(live.peers()).toContain(OTHER)
    // A question naming a replica that holds no lock is not answered.
    await asker.client.query('SELECT pg_notify($1, $2)', [feedNames(s).applied, '?777'])
    await asker.client.query('SELECT pg_notify($1, $2)', [feedNames(s).applied, `?${OTHER}`])
    await eventually(
      'the second answer',
      () => asker.heard.filter((h) => h.endsWith(`:0:${OTHER}`)).length >= 2,
    )
    expect(asker.heard.some((h) => h.endsWith(':0:777'))).toBe(false)
  })
})
