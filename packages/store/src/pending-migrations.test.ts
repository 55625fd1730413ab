// pendingMigrations: 'refuse' (what runiam export opens a store with): a schema older than this
// runiam's is refused with SCHEMA_TOO_OLD and left exactly as it was, on both engines; an empty
// database is refused without a schema being made. The older schema is made by migrating a
// store, then taking the newest migration's row out of schema_version (as a store an older runiam
// made looks to this one). PostgreSQL: a fresh schema in RUNIAM_TEST_PG_URL's database, dropped
// after; unreachable: skipped, a failure when RUNIAM_REQUIRE_PG=1 (CI).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { openPostgresStore } from '@runiam/store/postgres'
import { openSqliteStore } from '@runiam/store/sqlite'
import { describeWithPg, PG_BASE_URL as url } from './postgres/pg.fixtures.js'
const dir = mkdtempSync(join(tmpdir(), 'runiam-pending-migrations-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const TOO_OLD = {
  reason: 'SCHEMA_TOO_OLD',
  message: expect.stringMatching(/older than this runiam/),
}

describe('pendingMigrations: refuse, SQLite', () => {
  it('refuses an older schema and changes nothing in it', async () => {
    const path = join(dir, 'older.db')
    await (await openSqliteStore({ path })).close()
    const db = new Database(path)
    const versions = () =>
      (
        db.prepare('SELECT version FROM schema_version ORDER BY version').all() as {
          version: number
        }[]
      ).map((r) => r.version)
    db.prepare(
      'DELETE FROM schema_version WHERE version = (SELECT max(version) FROM schema_version)',
    ).run()
    const before = versions()
    await expect(openSqliteStore({ path, pendingMigrations: 'refuse' })).rejects.toMatchObject(
      TOO_OLD,
    )
    expect(versions()).toEqual(before)
    db.close()
  })

  it('refuses a database with no schema, and makes none', async () => {
    const path = join(dir, 'empty.db')
    await expect(openSqliteStore({ path, pendingMigrations: 'refuse' })).rejects.toMatchObject({
      reason: 'SCHEMA_TOO_OLD',
      message: expect.stringMatching(/holds no runiam schema/),
    })
    const db = new Database(path)
    expect(db.prepare('SELECT count(*) AS n FROM sqlite_master').get()).toEqual({ n: 0 })
    db.close()
  })
})

const withPg = await describeWithPg('pending-migrations.test.ts')

withPg('pendingMigrations: refuse, PostgreSQL', () => {
  it('refuses an older schema and changes nothing in it; an empty schema is not made', async () => {
    const schema = `runiam_pending_${randomBytes(4).toString('hex')}`
    const empty = `${schema}_e`
    const c = new pg.Client({ connectionString: url })
    await c.connect()
    try {
      await (await openPostgresStore({ url, schema })).close()
      const versions = async () =>
        (await c.query(`SELECT version FROM "${schema}".schema_version ORDER BY version`)).rows
      await c.query(
        `DELETE FROM "${schema}".schema_version WHERE version = (SELECT max(version) FROM "${schema}".schema_version)`,
      )
      const before = await versions()
      await expect(
        openPostgresStore({ url, schema, pendingMigrations: 'refuse' }),
      ).rejects.toMatchObject(TOO_OLD)
      expect(await versions()).toEqual(before)

      await expect(
        openPostgresStore({ url, schema: empty, pendingMigrations: 'refuse' }),
      ).rejects.toMatchObject({ reason: 'SCHEMA_TOO_OLD' })
      const made = await c.query(
        'SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1',
        [empty],
      )
      expect(made.rows[0]).toEqual({ n: 0 })
    } finally {
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
      await c.query(`DROP SCHEMA IF EXISTS "${empty}" CASCADE`)
      await c.end()
    }
  })
})
