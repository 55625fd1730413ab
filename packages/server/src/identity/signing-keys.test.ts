// Several replicas starting at once on an empty PostgreSQL database end with exactly one signing
// key, all of them signing with it (PostgreSQL runs at READ COMMITTED: without the store's
// signing key lock each would see no key and insert its own).
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openPostgresStore } from '@runiam/store/postgres'
import { loadOrCreateSigningKey } from './signing-keys.js'

const ADMIN_URL = process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const DB = `runiam_keys_${process.pid}_${Date.now()}`
let available = false

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

beforeAll(async () => {
  try {
    await admin((c) => c.query(`CREATE DATABASE ${DB}`))
    available = true
  } catch (err) {
    if (process.env['RUNIAM_REQUIRE_PG'] === '1') throw err
    console.warn('\n*** PostgreSQL unreachable: signing-keys.test.ts SKIPPED ***\n')
  }
})
afterAll(async () => {
  if (available) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
})

/**
 * The real store, with a pause after each read of the keys inside a transaction: key generation
 * takes a different time on each replica, and without the pause the first insert would usually
 * commit before the others look, hiding a missing lock.
 */
function slowReads(store: Store): Store {
  const pause = () => new Promise((r) => setTimeout(r, 300))
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== 'transact') return Reflect.get(target, prop, receiver) as unknown
      return (fn: Parameters<Store['transact']>[0]) =>
        target.transact((tx) =>
          fn(
            new Proxy(tx, {
              get(t, p, r) {
                if (p !== 'listSigningKeys') return Reflect.get(t, p, r) as unknown
                return async () => {
                  const keys = await t.listSigningKeys()
                  await pause()
                  return keys
                }
              },
            }),
          ),
        )
    },
  })
}

describe('loadOrCreateSigningKey', () => {
  it('makes exactly one key when four replicas start at once on an empty database', async (ctx) => {
    if (!available) return ctx.skip()
    const url = ADMIN_URL.replace(/\/[^/]*$/, `/${DB}`)
    const stores: Store[] = []
    try {
      for (let i = 0; i < 4; i++) stores.push(await openPostgresStore({ url, poolSize: 2 }))
      // Each replica reads its own clock, a millisecond or more apart: a replica whose `now` is
      // earlier than another's new key must adopt that key, not add a second one.
      const start = Date.now()
      const results = await Promise.all(
        stores.map((s, i) => loadOrCreateSigningKey(slowReads(s), start + 3 - i)),
      )
      const stored = await stores[0]?.listSigningKeys()
      expect(stored).toHaveLength(1)
      for (const r of results) expect(r.map((k) => k.kid)).toEqual([stored?.[0]?.kid])
    } finally {
      for (const s of stores) await s.close()
    }
  })
})
