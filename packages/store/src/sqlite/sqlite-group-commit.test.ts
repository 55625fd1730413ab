// Group commit on the SQLite engine (sqlite-store.ts): transactions that queue up together share
// one BEGIN … COMMIT (one fsync under synchronous = FULL), each in its own savepoint. What must
// hold: a transaction resolves only once its COMMIT is done (another connection sees its rows),
// a failing one rolls back alone, and the change feed stays dense and in order.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Change, Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'

let dir: string
let store: Store
let outside: Database.Database

const service = (id: string) => ({
  name: `projects/p/locations/l/services/${id}`,
  kind: 'service' as const,
  parent: 'projects/p/locations/l',
  body: {},
  etag: 'e',
  createTime: 't',
  updateTime: 't',
})

/** Whether a connection of its own (another process, say) sees the service: committed. */
const committed = (id: string): boolean =>
  outside
    .prepare('SELECT 1 FROM resources WHERE name = ?')
    .get(`projects/p/locations/l/services/${id}`) !== undefined

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-group-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  outside = new Database(join(dir, 'runiam.db'), { readonly: true })
})
afterEach(async () => {
  outside.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('SQLite group commit', () => {
  it('answers each transaction only after the COMMIT that made it durable', async () => {
    const seenAtAnswer: boolean[] = []
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store
          .transact(async (tx) => tx.createResource(service(`s${i}`)))
          .then(() => seenAtAnswer.push(committed(`s${i}`))),
      ),
    )
    expect(seenAtAnswer).toEqual(Array.from({ length: 20 }, () => true))
  })

  it('groups queued transactions; a failing one rolls back alone, the feed stays dense', async () => {
    const emitted: Change[] = []
    store.onChange((changes) => emitted.push(...changes))
    const start = await store.revision()
    let firstVisibleToSecond: boolean | undefined
    const results = await Promise.allSettled([
      store.transact(async (tx) => tx.createResource(service('a'))),
      store.transact(async (tx) => {
        // Same group: the first transaction's write is not committed yet.
        firstVisibleToSecond = committed('a')
        await tx.createResource(service('b'))
        throw new Error('b fails after writing')
      }),
      store.transact(async (tx) => tx.createResource(service('c'))),
    ])
    expect(firstVisibleToSecond).toBe(false)
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('b fails after writing'))
    expect([committed('a'), committed('b'), committed('c')]).toEqual([true, false, true])
    expect(await store.getResource(service('b').name)).toBeUndefined()
    const names = ['a', 'c'].map((id) => service(id).name)
    const feed = (await store.changesSince(start)).changes
    expect(feed.map((c) => [c.revision, c.name])).toEqual([
      [start + 1, names[0]],
      [start + 2, names[1]],
    ])
    expect(emitted.map((c) => [c.revision, c.name])).toEqual([
      [start + 1, names[0]],
      [start + 2, names[1]],
    ])
    expect(store.committedRevision()).toBe(start + 2)
  })

  it('commits what is pending when closed', async () => {
    const writes = [
      store.transact(async (tx) => tx.createResource(service('x'))),
      store.transact(async (tx) => tx.createResource(service('y'))),
    ]
    await store.close()
    await Promise.all(writes)
    expect([committed('x'), committed('y')]).toEqual([true, true])
  })

  it('pruning the feed while transactions wait in a group commits them first, announced', async () => {
    const emitted: Change[] = []
    store.onChange((changes) => emitted.push(...changes))
    const writes = Array.from({ length: 10 }, (_, i) =>
      store.transact(async (tx) => tx.createResource(service(`p${i}`))),
    )
    const prune = store.pruneChanges({ olderThanSeconds: 0, keepNewest: 1 })
    await Promise.all([...writes, prune])
    expect(Array.from({ length: 10 }, (_, i) => committed(`p${i}`))).toEqual(
      Array.from({ length: 10 }, () => true),
    )
    expect(emitted).toHaveLength(10)
    // And the store goes on writing afterwards.
    await store.transact(async (tx) => tx.createResource(service('after')))
    expect(committed('after')).toBe(true)
  })
})
