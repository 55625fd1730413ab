// SQLite-only behaviour of the embedded engine: opening, WAL, migrations, the cross-connection write
// lock, and driver error translation. The shared behaviour is in store.contract.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError } from '@runiam/core'
import { openSqliteStore } from '@runiam/store/sqlite'
import { SQLITE_MIGRATIONS } from './migrations.js'
import { translateSqliteError } from './sqlite-errors.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-sqlite-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

async function failure(
  p: Promise<unknown>,
): Promise<{ code: number; reason: string; message: string; cause?: unknown }> {
  try {
    await p
  } catch (error) {
    if (!isIamError(error)) throw error
    return error
  }
  throw new Error('expected a failure')
}

const service = (id: string) => ({
  name: `projects/p/locations/l/services/${id}`,
  kind: 'service' as const,
  parent: 'projects/p/locations/l',
  body: {},
  etag: 'e',
  createTime: 't',
  updateTime: 't',
})

describe('openSqliteStore', () => {
  it('refuses paths that cannot have a WAL reader, naming them', async () => {
    for (const path of [':memory:', '', 'file::memory:']) {
      const e = await failure(openSqliteStore({ path }))
      expect([e.code, e.reason]).toEqual([Code.INVALID_ARGUMENT, 'INVALID_DATABASE_PATH'])
      expect(e.message).toContain(`'${path}'`)
    }
  })

  it('creates the folder, switches to WAL and records the schema version', async () => {
    const path = join(dir, 'nested', 'data', 'runiam.db')
    const store = await openSqliteStore({ path })
    await store.close()
    const raw = new Database(path, { readonly: true })
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(raw.prepare('SELECT version FROM schema_version').all()).toEqual(
        SQLITE_MIGRATIONS.map((m) => ({ version: m.version })),
      )
    } finally {
      raw.close()
    }
    // Opening again applies nothing twice.
    const again = await openSqliteStore({ path })
    await again.close()
    const raw2 = new Database(path, { readonly: true })
    expect(raw2.prepare('SELECT count(*) AS n FROM schema_version').get()).toEqual({
      n: SQLITE_MIGRATIONS.length,
    })
    raw2.close()
  })

  it('drops the audit indexes that version 10 created as first shipped', async () => {
    const path = join(dir, 'runiam.db')
    await (await openSqliteStore({ path })).close()
    // A database made by the first version 10: four more indexes, and no version 13 yet.
    const old = new Database(path)
    const extra = ['by_log_time', 'by_resource', 'by_method', 'by_principal']
    old.exec(extra.map((n) => `CREATE INDEX audit_entries_${n} ON audit_entries (time);`).join(''))
    old.prepare('DELETE FROM schema_version WHERE version = 13').run()
    old.close()
    await (await openSqliteStore({ path })).close()
    const raw = new Database(path, { readonly: true })
    const indexes = raw
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_entries'")
      .all()
      .map((r) => (r as { name: string }).name)
      .filter((n) => !n.startsWith('sqlite_autoindex'))
    raw.close()
    expect(indexes.sort()).toEqual(['audit_entries_by_parent_time', 'audit_entries_by_time'])
  })

  it('a path it cannot create is UNAVAILABLE, naming the path, with no driver error attached', async () => {
    const blocker = join(dir, 'a-file')
    writeFileSync(blocker, 'x')
    const path = join(blocker, 'runiam.db')
    const e = await failure(openSqliteStore({ path }))
    expect([e.code, e.reason]).toEqual([Code.UNAVAILABLE, 'STORE_UNAVAILABLE'])
    expect(e.message).toContain(path)
    expect(Object.getPrototypeOf(e.cause)).toBe(Error.prototype)
  })

  it('a database from a newer runiam is refused', async () => {
    const path = join(dir, 'runiam.db')
    await (await openSqliteStore({ path })).close()
    const raw = new Database(path)
    raw.prepare('INSERT INTO schema_version (version) VALUES (99)').run()
    raw.close()
    const e = await failure(openSqliteStore({ path }))
    expect([e.code, e.reason]).toEqual([Code.FAILED_PRECONDITION, 'SCHEMA_TOO_NEW'])
    expect(e.message).toContain('99')
  })
})

describe('the write lock across connections', () => {
  it('waits without blocking the event loop while another connection writes, then commits', async () => {
    const path = join(dir, 'runiam.db')
    const store = await openSqliteStore({ path })
    const other = new Database(path)
    try {
      other.exec('BEGIN IMMEDIATE')
      let done = false
      const writing = store
        .transact((tx) => tx.createResource(service('s1')))
        .then(() => {
          done = true
        })
      // The event loop keeps turning while the store waits for the lock.
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 5))
      expect(done).toBe(false)
      expect(await store.getResource(service('s1').name)).toBeUndefined()
      other.exec('COMMIT')
      await writing
      expect(done).toBe(true)
      expect(await store.getResource(service('s1').name)).toEqual(service('s1'))
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK')
      other.close()
      await store.close()
    }
  })

  it('gives up with ABORTED / STORE_CONTENTION when the lock is never released', async () => {
    const path = join(dir, 'runiam.db')
    const store = await openSqliteStore({ path, lockTimeoutMs: 30 })
    const other = new Database(path)
    try {
      other.exec('BEGIN IMMEDIATE')
      const e = await failure(store.transact((tx) => tx.createResource(service('s1'))))
      expect([e.code, e.reason]).toEqual([Code.ABORTED, 'STORE_CONTENTION'])
      other.exec('ROLLBACK')
      // The store is fine afterwards.
      await store.transact((tx) => tx.createResource(service('s1')))
      expect(await store.getResource(service('s1').name)).toBeDefined()
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK')
      other.close()
      await store.close()
    }
  })
})

describe('translateSqliteError', () => {
  const sqliteError = (code: string): Error => {
    const path = join(dir, 'probe.db')
    const db = new Database(path)
    try {
      db.exec('CREATE TABLE t (k TEXT PRIMARY KEY)')
      db.exec("INSERT INTO t VALUES ('a')")
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') db.exec("INSERT INTO t VALUES ('a')")
      else db.exec('SELECT * FROM no_such_table')
    } catch (error) {
      return error as Error
    } finally {
      db.close()
    }
    throw new Error('expected SQLite to fail')
  }

  it('maps a real unique violation to ALREADY_EXISTS without the driver object', () => {
    const e = translateSqliteError(sqliteError('SQLITE_CONSTRAINT_PRIMARYKEY'))
    expect([e.code, e.reason]).toEqual([Code.ALREADY_EXISTS, 'ALREADY_EXISTS'])
    expect(Object.getPrototypeOf(e.cause)).toBe(Error.prototype)
    expect((e.cause as { code?: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
  })

  it('maps anything else from SQLite to INTERNAL keeping the cause', () => {
    const e = translateSqliteError(sqliteError('SQLITE_ERROR'))
    expect([e.code, e.reason]).toEqual([Code.INTERNAL, 'STORE_INTERNAL'])
    expect((e.cause as Error).message).toContain('no_such_table')
  })

  it('maps busy, I/O and corruption codes', () => {
    const coded = (code: string) => Object.assign(new Error(code), { code })
    expect(translateSqliteError(coded('SQLITE_BUSY')).code).toBe(Code.ABORTED)
    expect(translateSqliteError(coded('SQLITE_IOERR_WRITE')).code).toBe(Code.UNAVAILABLE)
    expect(translateSqliteError(coded('SQLITE_CANTOPEN')).code).toBe(Code.UNAVAILABLE)
    expect(translateSqliteError(coded('SQLITE_CORRUPT')).code).toBe(Code.DATA_LOSS)
    expect(translateSqliteError(new TypeError('x')).code).toBe(Code.INTERNAL)
  })
})
