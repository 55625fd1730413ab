// The shared engine: PostgreSQL through a node-postgres pool, so several `runiam serve` processes
// can use one database. Each transact() is BEGIN … COMMIT on one client at READ COMMITTED;
// compare-and-set is `UPDATE … WHERE etag = $n` with the row count checked, which is correct at that
// level. Serialization failures and deadlocks re-run the whole callback a bounded number of times.
//
// Connection faults (a restarted or failed-over server, pg_terminate_backend, a dropped network)
// are normal here: every client is guarded for its whole life (pg-lease.ts), failures become UNAVAILABLE, and
// the pool makes fresh connections when the database is back. A transaction whose connection died
// before COMMIT was sent certainly did not commit and is re-run; one that died during COMMIT is
// settled by asking txid_status() on another connection, and reported as STORE_COMMIT_UNKNOWN
// (never as success) when the database cannot say in time.
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { Code, IamError, isIamError } from '@runiam/core'
import type { ChangeBatch } from '../records.js'
import type { FeedFollower, PruneOptions, Store, StoreTx } from '../store.js'
import { ChangeListeners, numberChanges, type PendingChange } from '../internal/change-feed.js'
import {
  commitUnknown,
  invalidArgument,
  misuse,
  pingTimeout,
  unavailable,
} from '../internal/errors.js'
import { checkFeedArgs } from '../internal/feed-args.js'
import { checkPruneOptions, schedulePruning } from '../internal/feed-pruner.js'
import { storeClosed } from '../internal/store-closed.js'
import { TransactionGuard } from '../internal/transaction-guard.js'
import type { RowReads } from '../internal/row-ops.js'
import { StoreReadsBase } from '../internal/store-reads-base.js'
import { createStoreTx } from '../internal/store-tx.js'
import { refusePending } from '../internal/pending-migrations.js'
import { POSTGRES_MIGRATIONS, type Migration } from './migrations.js'
import type { MigrationReport } from '../records.js'
import { isPgConnectionError, isPgTimeout, translatePgError } from './pg-errors.js'
import { guardPool, lease, PoolQueryable, type Lease } from './pg-lease.js'
import { feedNames, PgFollower, type FeedNames } from './pg-follower.js'
import { PgRows } from './pg-rows.js'

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database` */
  readonly url: string
  /** Schema holding runiam's tables (created if missing). Default: the server's search_path. */
  readonly schema?: string
  /** Connections in the pool (default 10). */
  readonly poolSize?: number
  /**
   * application_name of every connection (default "runiam"), which is how pg_stat_activity, the
   * server's logs and pg_terminate_backend tell runiam's connections apart. The URL's wins.
   */
  readonly applicationName?: string
  /** Told the schema versions before and after the migrations applied at open (`runiam migrate`). */
  readonly onMigrated?: (report: MigrationReport) => void
  /**
   * 'refuse': a schema older than this runiam's is not migrated but refused (SCHEMA_TOO_OLD), so
   * opening the store changes nothing in it (`runiam export`: a backup never upgrades the store
   * that other, older runiam processes may be serving). Default 'apply', as the server does.
   */
  readonly pendingMigrations?: 'apply' | 'refuse'
  /**
   * Follow the other replicas on this database (`store.follower`, pg-follower.ts): a connection of
   * its own LISTENs for their commits and refreshes this store. The server turns it on; tools
   * that open the database briefly (export, migrate) and most tests leave it off.
   */
  readonly follow?: boolean
  /**
   * Prune the change feed every minute or so, keeping this many seconds of it (and never fewer
   * than the newest 10,000 changes). Absent: no pruning by this store.
   */
  readonly changeFeedRetentionSeconds?: number
}

/** How many times a transaction is run when PostgreSQL reports 40001 or 40P01 or a lost connection. */
const MAX_ATTEMPTS = 5
/** Re-running a transaction after a lost connection stops once this much time has gone by. */
const RECONNECT_BUDGET_MS = 2_000
/** An unreachable database fails the request after this long instead of hanging it. */
const CONNECT_TIMEOUT_MS = 3_000
/** Server side: no statement runs longer (runiam's are small); migrations lift it. */
const STATEMENT_TIMEOUT_MS = 5_000
/** Client side: a statement with no answer at all (a partition, a hung server) gives up here. */
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 1_000
/** A backend whose client vanished mid-transaction releases its locks after this long. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000
/** ping() answers within this long. */
const PING_TIMEOUT_MS = 2_000
/** How long a COMMIT whose connection died is asked about before it is reported as unknown. */
const COMMIT_CHECK_MS = 3_000
/** Migrations may take long on a big database: no timeout of ours applies to them. */
const MIGRATION_TIMEOUT_MS = 60 * 60_000

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
  const config: pg.PoolConfig = {
    connectionString: options.url,
    application_name: options.applicationName ?? 'runiam',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    // TCP keepalives notice a peer that vanished without a word (a failed-over host).
    keepAlive: true,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  }
  const pool = new pg.Pool({ ...config, max: poolSize })
  // Health checks and commit-outcome questions get connections of their own, so that they answer
  // even while every pooled connection is busy with writers.
  const control = new pg.Pool({
    ...config,
    max: 2,
    connectionTimeoutMillis: PING_TIMEOUT_MS,
    query_timeout: PING_TIMEOUT_MS,
  })
  guardPool(pool)
  guardPool(control)
  try {
    const report = await migrate(
      pool,
      schema,
      POSTGRES_MIGRATIONS,
      options.pendingMigrations ?? 'apply',
    )
    options.onMigrated?.(report)
  } catch (error) {
    await Promise.all([pool.end(), control.end()]).catch(() => undefined)
    throw isIamError(error) ? error : translatePgError(error)
  }
  const store = new PostgresStore(pool, control, feedNames(schema))
  try {
    await store.startFeed()
    if (options.follow === true) {
      await store.follow(config, schema)
    }
    if (options.changeFeedRetentionSeconds !== undefined) {
      store.stopPruning = schedulePruning(options.changeFeedRetentionSeconds, (o) =>
        store.pruneChanges(o),
      )
    }
  } catch (error) {
    await store.close().catch(() => undefined)
    throw isIamError(error) ? error : translatePgError(error)
  }
  return store
}

async function migrate(
  pool: pg.Pool,
  schema: string | undefined,
  migrations: readonly Migration[],
  pending: 'apply' | 'refuse',
): Promise<MigrationReport> {
  const leased = await lease(pool)
  // No timeout of ours for migrations (they run once, and may be slow on a big database).
  const query = <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
    leased.client.query<R>({ text, values, query_timeout: MIGRATION_TIMEOUT_MS } as pg.QueryConfig)
  let broken: unknown
  try {
    await query('BEGIN')
    await query('SET LOCAL statement_timeout = 0')
    // Several processes may start at once: one migrates, the others wait and then find it done.
    await query("SELECT pg_advisory_xact_lock(hashtext('runiam.migrate'), hashtext($1))", [
      schema ?? 'public',
    ])
    if (schema !== undefined) await query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`)
    await query('CREATE TABLE IF NOT EXISTS schema_version (version int NOT NULL)')
    const { rows } = await query<{ version: number }>('SELECT version FROM schema_version')
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
    if (pending === 'refuse') refusePending(migrations, applied, current)
    // Every migration not yet applied, in version order: numbers may have gaps, and a lower
    // number may arrive after a higher one was applied (parallel branches of the schema).
    const done: number[] = []
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      await query(m.sql)
      await query('INSERT INTO schema_version (version) VALUES ($1)', [m.version])
      done.push(m.version)
    }
    await query('COMMIT')
    return { before: current, after: Math.max(current, ...done), applied: done }
  } catch (error) {
    broken = leased.lost ?? (isPgConnectionError(error) ? error : undefined)
    if (broken === undefined) {
      await leased.client.query('ROLLBACK').catch((e: unknown) => {
        broken = e
      })
    }
    throw error
  } finally {
    leased.release(broken)
  }
}

/** Failures after which running the callback again is safe: its transaction did not commit. */
const notCommitted = new WeakSet<IamError>()

function didNotCommit(error: unknown, cause: unknown): IamError {
  const e =
    isIamError(error) && error.code === Code.UNAVAILABLE && error.reason === 'STORE_UNAVAILABLE'
      ? error
      : unavailable(cause)
  notCommitted.add(e)
  return e
}

class PostgresStore extends StoreReadsBase implements Store {
  readonly engine = 'postgres' as const
  readonly #pool: pg.Pool
  readonly #control: pg.Pool
  readonly #poolRows: PgRows
  readonly #controlQueries: PoolQueryable
  readonly #inTransaction = new TransactionGuard()
  readonly #listeners = new ChangeListeners()
  readonly #names: FeedNames
  #follower: PgFollower | undefined
  #closed = false
  /** Stops the periodic pruning, when the store does it. */
  stopPruning: () => void = () => {}

  constructor(pool: pg.Pool, control: pg.Pool, names: FeedNames) {
    super()
    this.#pool = pool
    this.#control = control
    this.#names = names
    this.#poolRows = new PgRows(new PoolQueryable(pool))
    this.#controlQueries = new PoolQueryable(control)
  }

  protected override readRows(): RowReads {
    if (this.#closed) throw storeClosed()
    return this.#poolRows
  }

  async transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.#inTransaction.inside) {
      // Same rule as SQLite (where nesting would deadlock): one transaction per call chain.
      throw misuse(
        'transact() called inside a transaction of the same store; use the tx given to you.',
      )
    }
    const started = Date.now()
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) throw storeClosed()
      try {
        return await this.#attempt(fn)
      } catch (error) {
        if (!isIamError(error) || attempt >= MAX_ATTEMPTS) throw error
        const contended = error.reason === 'STORE_CONTENTION'
        // A lost connection is worth another try only while it costs little: not after a
        // timeout (the caller would wait that long again), nor past a short budget (an outage).
        const reconnect =
          notCommitted.has(error) &&
          !isPgTimeout(error) &&
          Date.now() - started < RECONNECT_BUDGET_MS
        if (!contended && !reconnect) throw error
        await sleep(Math.random() * 5 * 2 ** attempt)
      }
    }
  }

  async #attempt<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    let leased: Lease
    try {
      leased = await lease(this.#pool)
    } catch (error) {
      throw didNotCommit(error, error)
    }
    const rows = new PgRows(leased.client)
    const handle = createStoreTx(rows, () => new Date().toISOString())
    let written: { first: number; xid: string } | undefined
    let committing = false
    let result: { value: T } | undefined
    try {
      await rows.exec('BEGIN')
      result = { value: await this.#inTransaction.run(() => fn(handle.tx)) }
      // Last, so the revision counter's row lock is held only for the commit itself.
      if (handle.changes.length > 0)
        written = await rows.appendChanges(handle.changes, this.#names.changes)
      committing = true
      await rows.exec('COMMIT')
    } catch (error) {
      handle.close()
      const lost = leased.lost ?? (isPgConnectionError(error) ? error : undefined)
      if (lost === undefined) {
        // The connection is fine: whatever failed, ROLLBACK ends the transaction (after a failed
        // COMMIT it is a harmless no-op), and the client goes back to the pool.
        let rollbackFailed: unknown
        try {
          await leased.client.query('ROLLBACK')
        } catch (e) {
          rollbackFailed = e
        }
        leased.release(rollbackFailed)
        throw error
      }
      leased.release(lost)
      // Before COMMIT was sent the database rolls back a transaction whose connection is gone;
      // without a write there was nothing to commit. Either way, running fn again is safe.
      if (!committing || written === undefined || result === undefined) {
        throw didNotCommit(error, lost)
      }
      const outcome = await this.#commitOutcome(written.xid, COMMIT_CHECK_MS)
      if (outcome === 'aborted') throw didNotCommit(error, lost)
      if (outcome === 'unknown') {
        this.#settleLater(written, handle.changes)
        throw commitUnknown(lost)
      }
    }
    handle.close()
    leased.release()
    this.#listeners.emit(numberChanges(handle.changes, written?.first ?? 0))
    return result.value
  }

  /**
   * How a transaction whose connection died during COMMIT ended, asked on another connection
   * until `patienceMs` has passed. 'in progress' lasts only until the server notices the client
   * is gone (at worst idle_in_transaction_session_timeout).
   */
  async #commitOutcome(
    xid: string,
    patienceMs: number,
  ): Promise<'committed' | 'aborted' | 'unknown'> {
    const deadline = Date.now() + patienceMs
    for (;;) {
      try {
        const { rows } = await this.#controlQueries.query<{ status: string | null }>({
          text: 'SELECT txid_status($1::bigint) AS status',
          values: [xid],
        })
        const status = rows[0]?.status
        if (status === 'committed' || status === 'aborted') return status
        if (status === null || status === undefined) return 'unknown' // too old to tell
      } catch {
        // Still out of reach: ask again until the deadline.
      }
      if (this.#closed || Date.now() >= deadline) return 'unknown'
      await sleep(50)
    }
  }

  /**
   * A COMMIT reported as unknown may still turn out committed; this process's change listeners
   * (its caches) must hear of it then, or they would keep serving what it replaced.
   */
  #settleLater(written: { first: number; xid: string }, changes: readonly PendingChange[]): void {
    void (async () => {
      while (!this.#closed) {
        await sleep(1_000, undefined, { ref: false })
        const outcome = await this.#commitOutcome(written.xid, 0)
        if (outcome === 'aborted') return
        if (outcome === 'committed') {
          if (!this.#closed) this.#listeners.emit(numberChanges(changes, written.first))
          return
        }
      }
    })().catch(() => undefined)
  }

  async ping(): Promise<void> {
    if (this.#closed) throw storeClosed()
    let timer: NodeJS.Timeout | undefined
    const check = this.#controlQueries.query('SELECT 1').then(
      () => undefined,
      (error: unknown) => {
        throw translatePgError(error)
      },
    )
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(pingTimeout(PING_TIMEOUT_MS)), PING_TIMEOUT_MS)
    })
    try {
      await Promise.race([check, timeout])
    } finally {
      clearTimeout(timer)
      check.catch(() => undefined)
    }
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

  onChange(listener: Parameters<Store['onChange']>[0]): () => void {
    return this.#listeners.add(listener)
  }

  /** Where the feed stands at open: history before it is never replayed to this process. */
  async startFeed(): Promise<void> {
    this.#listeners.start(await this.#poolRows.revision())
  }

  refresh(): Promise<number> {
    return this.#listeners.refresh(async (after, limit) => {
      if (this.#closed) throw storeClosed()
      return this.#poolRows.changesSince(after, limit)
    })
  }

  appliedRevision(): number {
    return this.#listeners.applied
  }

  committedRevision(): number {
    return this.#listeners.committed
  }

  get follower(): FeedFollower | undefined {
    return this.#follower
  }

  /** Starts following the other replicas (openPostgresStore's `follow`). */
  async follow(connection: pg.ClientConfig, schema: string | undefined): Promise<void> {
    const follower = new PgFollower({
      connection,
      schema,
      refresh: () => this.refresh(),
      appliedRevision: () => this.appliedRevision(),
    })
    this.#follower = follower
    await follower.start()
  }

  async pruneChanges(options: PruneOptions): Promise<number> {
    const { olderThanSeconds, keepNewest } = checkPruneOptions(options)
    if (this.#closed) throw storeClosed()
    const leased = await lease(this.#pool)
    const rows = new PgRows(leased.client)
    let broken: unknown
    try {
      await rows.exec('BEGIN')
      // One replica at a time does the work; the others find the lock taken and leave it be.
      const { rows: got } = await leased.client.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_xact_lock(hashtext('runiam.prune'), hashtext($1)) AS ok",
        [this.#names.lockSpace],
      )
      const deleted =
        got[0]?.ok === true ? await rows.pruneChanges(olderThanSeconds, keepNewest) : 0
      await rows.exec('COMMIT')
      return deleted
    } catch (error) {
      broken = leased.lost ?? (isPgConnectionError(error) ? error : undefined)
      if (broken === undefined) {
        await leased.client.query('ROLLBACK').catch((e: unknown) => {
          broken = e
        })
      }
      throw isIamError(error) ? error : translatePgError(error)
    } finally {
      leased.release(broken)
    }
  }

  async close(): Promise<void> {
    this.stopPruning()
    if (this.#closed) return
    this.#closed = true
    await this.#follower?.close()
    await Promise.all([this.#pool.end(), this.#control.end()])
  }
}
