// The shared engine: PostgreSQL through a node-postgres pool, so several `runiam serve` processes
// can use one database. Each transact() is BEGIN … COMMIT on one client at READ COMMITTED;
// compare-and-set is `UPDATE … WHERE etag = $n` with the row count checked, which is correct at that
// level. Serialization failures and deadlocks re-run the whole callback a bounded number of times.
import { AsyncLocalStorage } from 'node:async_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { Code, IamError, isIamError } from '@runiam/core'
import type { ChangeBatch } from '../records.js'
import type { Store, StoreTx } from '../store.js'
import { ChangeListeners, numberChanges } from '../internal/change-feed.js'
import { invalidArgument, misuse } from '../internal/errors.js'
import { checkFeedArgs } from '../internal/feed-args.js'
import { storeClosed } from '../internal/store-closed.js'
import type { RowReads } from '../internal/row-ops.js'
import { StoreReadsBase } from '../internal/store-reads-base.js'
import { createStoreTx } from '../internal/store-tx.js'
import { POSTGRES_MIGRATIONS, type Migration } from './migrations.js'
import { isPgConnectionError, translatePgError } from './pg-errors.js'
import { PgRows } from './pg-rows.js'

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` */
  readonly url: string
  /** Schema holding runiam's tables (created if missing). Default: the server's search_path. */
  readonly schema?: string
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
}

/** How many times a transaction is run when PostgreSQL reports 40001 or 40P01. */
const MAX_ATTEMPTS = 5

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw invalidArgument(
      'INVALID_DATABASE_SCHEMA',
      `Invalid PostgreSQL schema name '${schema}': use lower-case letters, digits and underscores.`,
    )
  }
  const poolSize = options.poolSize ?? 10
  if (!Number.isInteger(poolSize) || poolSize < 1) {
    throw invalidArgument('INVALID_POOL_SIZE', `Invalid pool size ${String(poolSize)}.`)
  }
  // A malformed URL surfaces at the first connect below, translated like any connection problem.
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    connectionTimeoutMillis: 10_000,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  })
  // An idle client losing its connection emits 'error' on the pool; unhandled, that would crash
  // the process. The next query on a fresh client reports the problem instead.
  pool.on('error', () => undefined)
  try {
    await migrate(pool, schema, POSTGRES_MIGRATIONS)
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw isIamError(error) ? error : translatePgError(error)
  }
  return new PostgresStore(pool)
}

async function migrate(
  pool: pg.Pool,
  schema: string | undefined,
  migrations: readonly Migration[],
): Promise<void> {
  const client = await pool.connect()
  let broken = false
  try {
    await client.query('BEGIN')
    // Several processes may start at once: one migrates, the others wait and then find it done.
    await client.query("SELECT pg_advisory_xact_lock(hashtext('runiam.migrate'), hashtext($1))", [
      schema ?? 'public',
    ])
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)')
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version')
    const applied = new Set(rows.map((r) => r.version))
    const current = Math.max(0, ...applied)
    const latest = Math.max(0, ...migrations.map((m) => m.version))
    if (current > latest) {
      throw new IamError(
        Code.FAILED_PRECONDITION,
        'SCHEMA_TOO_NEW',
        `The database schema is at version ${current}, newer than this runiam knows (${latest}). Upgrade runiam.`,
      )
    }
    // Every migration not yet applied, in version order: numbers may have gaps, and a lower
    // number may arrive after a higher one was applied (parallel branches of the schema).
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      await client.query(m.sql)
      await client.query('INSERT INTO schema_version (version) VALUES ($1)', [m.version])
    }
    await client.query('COMMIT')
  } catch (error) {
    broken = isPgConnectionError(error)
    await client.query('ROLLBACK').catch(() => {
      broken = true
    })
    throw error
  } finally {
    client.release(broken)
  }
}

class PostgresStore extends StoreReadsBase implements Store {
  readonly engine = 'postgres' as const
  readonly #pool: pg.Pool
  readonly #poolRows: PgRows
  readonly #inTransaction = new AsyncLocalStorage<true>()
  readonly #listeners = new ChangeListeners()
  #closed = false

  constructor(pool: pg.Pool) {
    super()
    this.#pool = pool
    this.#poolRows = new PgRows(pool)
  }

  protected override readRows(): RowReads {
    if (this.#closed) throw storeClosed()
    return this.#poolRows
  }

  async transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.#inTransaction.getStore() === true) {
      // Same rule as SQLite (where nesting would deadlock): one transaction per call chain.
      throw misuse(
        'transact() called inside a transaction of the same store; use the tx given to you.',
      )
    }
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw storeClosed()
      try {
        return await this.#attempt(fn)
      } catch (error) {
        const retry =
          isIamError(error) && error.reason === 'STORE_CONTENTION' && attempt < MAX_ATTEMPTS
        if (!retry) throw error
        await sleep(Math.random() * 5 * 2 ** attempt)
      }
    }
  }

  async #attempt<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.#pool.connect()
    } catch (error) {
      throw translatePgError(error)
    }
    const rows = new PgRows(client)
    const handle = createStoreTx(rows, () => new Date().toISOString())
    let first = 0
    let result: T
    try {
      await rows.exec('BEGIN')
      result = await this.#inTransaction.run(true, () => fn(handle.tx))
      // Last, so the revision counter's row lock is held only for the commit itself.
      if (handle.changes.length > 0) first = await rows.appendChanges(handle.changes)
      await rows.exec('COMMIT')
    } catch (error) {
      handle.close()
      let broken = isIamError(error) && error.code === Code.UNAVAILABLE
      try {
        await client.query('ROLLBACK')
      } catch {
        broken = true
      }
      client.release(broken)
      throw error
    }
    handle.close()
    client.release()
    this.#listeners.emit(numberChanges(handle.changes, first))
    return result
  }

  async revision(): Promise<number> {
    if (this.#closed) throw storeClosed()
    return this.#poolRows.revision()
  }

  async changesSince(after: number, limit?: number): Promise<ChangeBatch> {
    const max = checkFeedArgs(after, limit)
    if (this.#closed) throw storeClosed()
    const changes = await this.#poolRows.changesSince(after, max)
    return { changes, revision: changes.at(-1)?.revision ?? after }
  }

  async ping(): Promise<void> {
    if (this.#closed) throw storeClosed()
    await this.#poolRows.revision()
  }

  onChange(listener: Parameters<Store['onChange']>[0]): () => void {
    return this.#listeners.add(listener)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#pool.end()
  }
}
