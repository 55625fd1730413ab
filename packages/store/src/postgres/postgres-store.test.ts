// PostgreSQL-only behaviour of the shared engine: opening (several processes at once, bad input,
// an unreachable server), the bounded retry of serialization failures, and driver error
// translation. The shared behaviour is in store.contract.ts. Needs the same database as
// postgres.contract.test.ts; without one these are skipped (or fail under RUNIAM_REQUIRE_PG=1).
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { Code, IamError, isIamError } from '@runiam/core'
import { openPostgresStore } from '@runiam/store/postgres'
import { contention } from '../internal/errors.js'
import { POSTGRES_MIGRATIONS } from './migrations.js'
import {
  isPgConnectionError,
  isPgTimeout,
  translatePgConnectError,
  translatePgError,
} from './pg-errors.js'
import { describeWithPg, PG_BASE_URL as url, sql } from './pg.fixtures.js'

const withPg = await describeWithPg('postgres-store.test.ts')

async function failure(p: Promise<unknown>): Promise<IamError> {
  try {
    await p
  } catch (error) {
    if (!isIamError(error)) throw error
    return error
  }
  throw new Error('expected a failure')
}

const schemas: string[] = []
function freshSchema(): string {
  const schema = `runiam_test_${randomBytes(6).toString('hex')}`
  schemas.push(schema)
  return schema
}
afterEach(async () => {
  for (const s of schemas.splice(0)) await sql(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
})

describe('openPostgresStore without a server', () => {
  it('an unreachable server is UNAVAILABLE, with no driver error and no password in sight', async () => {
    const e = await failure(
      openPostgresStore({ url: 'postgres://postgres:s3cret@127.0.0.1:1/postgres', schema: 'x' }),
    )
    expect([e.code, e.reason]).toEqual([Code.UNAVAILABLE, 'STORE_UNAVAILABLE'])
    expect(Object.getPrototypeOf(e.cause)).toBe(Error.prototype)
    expect(JSON.stringify({ m: e.message, c: String(e.cause) })).not.toContain('s3cret')
  })

  it('refuses a schema name it would have to quote', async () => {
    for (const schema of ['Upper', 'a-b', 'x"; DROP TABLE y; --', '']) {
      const e = await failure(openPostgresStore({ url, schema }))
      expect([e.code, e.reason]).toEqual([Code.INVALID_ARGUMENT, 'INVALID_DATABASE_SCHEMA'])
      expect(e.message).toContain(`'${schema}'`)
    }
  })
})

withPg('openPostgresStore', () => {
  it('several processes starting at once migrate exactly once', async () => {
    const schema = freshSchema()
    const stores = await Promise.all(
      Array.from({ length: 6 }, () => openPostgresStore({ url, schema, poolSize: 2 })),
    )
    try {
      const versions = await sql(`SELECT version FROM "${schema}".schema_version`)
      expect(versions.rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version })))
      await stores[0]?.transact((tx) => tx.putPolicy('projects/p', { etag: 'E1' }))
      expect((await stores[5]?.getPolicy('projects/p'))?.etag).toBe('E1')
    } finally {
      await Promise.all(stores.map((s) => s.close()))
    }
  })

  it('keeps its tables in its own schema', async () => {
    const schema = freshSchema()
    const store = await openPostgresStore({ url, schema })
    await store.close()
    const tables = await sql(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY 1`,
    )
    expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual([
      'audit_entries',
      'changes',
      'cloud_identity_groups',
      'cloud_identity_memberships',
      'custom_roles',
      'deny_policies',
      'grant_usage',
      'grants_seen',
      'operations',
      'org_policies',
      'organizations',
      'policies',
      'projects',
      'recommendation_states',
      'resources',
      'revision_counter',
      'schema_version',
      'service_account_keys',
      'service_accounts',
      'signing_keys',
    ])
  })

  it('drops the audit indexes that version 10 created as first shipped', async () => {
    const schema = freshSchema()
    await (await openPostgresStore({ url, schema })).close()
    const extra = ['by_log_time', 'by_resource', 'by_method', 'by_principal']
    for (const n of extra)
      await sql(`CREATE INDEX audit_entries_${n} ON "${schema}".audit_entries (time)`)
    await sql(`DELETE FROM "${schema}".schema_version WHERE version = 13`)
    await (await openPostgresStore({ url, schema })).close()
    const indexes = await sql(
      `SELECT indexname FROM pg_indexes WHERE schemaname = '${schema}' AND tablename = 'audit_entries' ORDER BY 1`,
    )
    expect(indexes.rows.map((r: { indexname: string }) => r.indexname)).toEqual([
      'audit_entries_by_parent_time',
      'audit_entries_by_time',
      'audit_entries_pkey',
    ])
  })

  it('a database from a newer runiam is refused', async () => {
    const schema = freshSchema()
    await (await openPostgresStore({ url, schema })).close()
    await sql(`INSERT INTO "${schema}".schema_version (version) VALUES (99)`)
    const e = await failure(openPostgresStore({ url, schema }))
    expect([e.code, e.reason]).toEqual([Code.FAILED_PRECONDITION, 'SCHEMA_TOO_NEW'])
  })

  it('re-runs a transaction after a serialization failure, a bounded number of times', async () => {
    const store = await openPostgresStore({ url, schema: freshSchema() })
    try {
      const serializationFailure = (): IamError =>
        contention(Object.assign(new Error('could not serialize access'), { code: '40001' }))
      let runs = 0
      const result = await store.transact(async (tx) => {
        runs++
        await tx.putPolicy('projects/p', { etag: `E${runs}` })
        if (runs < 3) throw serializationFailure()
        return runs
      })
      expect(result).toBe(3)
      expect((await store.getPolicy('projects/p'))?.etag).toBe('E3')
      expect((await store.changesSince(0)).changes).toHaveLength(1)

      runs = 0
      const e = await failure(
        store.transact(async () => {
          runs++
          throw serializationFailure()
        }),
      )
      expect([e.code, e.reason]).toEqual([Code.ABORTED, 'STORE_CONTENTION'])
      expect(runs).toBe(5)
    } finally {
      await store.close()
    }
  })
})

describe('translatePgError', () => {
  const coded = (code: string, message = code) => Object.assign(new Error(message), { code })

  it('maps SQLSTATEs and socket errors to Google codes', () => {
    expect(translatePgError(coded('23505')).code).toBe(Code.ALREADY_EXISTS)
    expect(translatePgError(coded('40001')).code).toBe(Code.ABORTED)
    expect(translatePgError(coded('40P01')).reason).toBe('STORE_CONTENTION')
    expect(translatePgError(coded('ECONNREFUSED')).code).toBe(Code.UNAVAILABLE)
    expect(translatePgError(coded('08006')).code).toBe(Code.UNAVAILABLE)
    expect(translatePgError(coded('57P01')).code).toBe(Code.UNAVAILABLE)
    expect(translatePgError(new Error('Connection terminated unexpectedly')).code).toBe(
      Code.UNAVAILABLE,
    )
    expect(translatePgError(new Error('Query read timeout')).code).toBe(Code.UNAVAILABLE)
    expect(
      translatePgError(coded('57014', 'canceling statement due to statement timeout')).code,
    ).toBe(Code.UNAVAILABLE)
    // 55000 means "not accepting connections" only when connecting; elsewhere it is unexpected.
    expect(translatePgError(coded('55000')).code).toBe(Code.INTERNAL)
    expect(translatePgConnectError(coded('55000')).reason).toBe('STORE_UNAVAILABLE')
    const other = translatePgError(coded('42P01', 'relation "x" does not exist'))
    expect([other.code, other.reason]).toEqual([Code.INTERNAL, 'STORE_INTERNAL'])
    expect((other.cause as Error).message).toBe('relation "x" does not exist')
    const mine = new IamError(Code.NOT_FOUND, 'NOT_FOUND', 'x')
    expect(translatePgError(mine)).toBe(mine)
  })

  it('tells a dead connection from a slow one (the latter is reported, not retried)', () => {
    for (const e of [coded('57P01'), coded('ECONNRESET'), new Error('Connection terminated')]) {
      expect([isPgConnectionError(e), isPgTimeout(e)]).toEqual([true, false])
      expect(isPgConnectionError(translatePgError(e))).toBe(true)
    }
    for (const e of [
      new Error('Query read timeout'),
      new Error('timeout exceeded when trying to connect'),
    ]) {
      expect([isPgConnectionError(e), isPgTimeout(translatePgError(e))]).toEqual([true, true])
    }
    expect([isPgConnectionError(coded('57014')), isPgTimeout(coded('57014'))]).toEqual([
      false,
      true,
    ])
    expect(isPgConnectionError(coded('23505'))).toBe(false)
  })

  withPg('with a real driver error', () => {
    it('keeps only a plain Error as the cause', async () => {
      const error = await sql('SELECT * FROM no_such_table_anywhere').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(pg.DatabaseError)
      const e = translatePgError(error)
      expect(e.code).toBe(Code.INTERNAL)
      expect(Object.getPrototypeOf(e.cause)).toBe(Error.prototype)
      expect((e.cause as { code?: string }).code).toBe('42P01')
    })
  })
})
