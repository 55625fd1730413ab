// The embedded engine: a SQLite file in WAL mode. Writes go through one write connection behind an
// async mutex, each transact() being BEGIN IMMEDIATE … COMMIT/ROLLBACK done by hand (better-sqlite3's
// transaction() refuses async functions). Reads outside transact() use a second connection, so no
// request ever sees rows a transaction has written but not committed.
import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { Code, IamError } from '@runiam/core'
import type { ChangeBatch } from '../records.js'
import type { PruneOptions, Store, StoreTx } from '../store.js'
import { AsyncMutex } from '../internal/async-mutex.js'
import { ChangeListeners, numberChanges } from '../internal/change-feed.js'
import { invalidArgument, misuse, sanitize } from '../internal/errors.js'
import { checkFeedArgs } from '../internal/feed-args.js'
import { checkPruneOptions, schedulePruning } from '../internal/feed-pruner.js'
import { storeClosed } from '../internal/store-closed.js'
import type { RowReads } from '../internal/row-ops.js'
import { StoreReadsBase } from '../internal/store-reads-base.js'
import { createStoreTx } from '../internal/store-tx.js'
import { SQLITE_MIGRATIONS, type Migration } from './migrations.js'
import type { MigrationReport } from '../records.js'
import { isSqliteBusy, translateSqliteError } from './sqlite-errors.js'
import { SqliteRows } from './sqlite-rows.js'

export interface SqliteStoreOptions {
  /** The database file (the server uses `${dataDir}/runiam.db`); its folder is created if needed. */
  readonly path: string
  /** How long a writer waits for another process's write lock before giving up (default 10 s). */
  readonly lockTimeoutMs?: number
  /** Told the schema versions before and after the migrations applied at open (`runiam migrate`). */
  readonly onMigrated?: (report: MigrationReport) => void
  /**
   * Prune the change feed every minute or so, keeping this many seconds of it (and never fewer
   * than the newest 10,000 changes). Absent: no pruning by this store (tools, tests).
   */
  readonly changeFeedRetentionSeconds?: number
}

// The reader waits synchronously (SQLite's own busy handler); readers in WAL mode almost never
// wait, so this only matters during a checkpoint or recovery.
const READER_BUSY_TIMEOUT_MS = 5000

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const path = options.path
  if (path === '' || path === ':memory:' || path.startsWith('file:')) {
    throw invalidArgument(
      'INVALID_DATABASE_PATH',
      `Invalid SQLite database path '${path}': give a file path (a WAL reader needs a real file).`,
    )
  }
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000
  let writer: Database.Database | undefined
  let reader: Database.Database | undefined
  try {
    try {
      mkdirSync(dirname(path), { recursive: true })
      writer = new Database(path)
    } catch (error) {
      throw new IamError(
        Code.UNAVAILABLE,
        'STORE_UNAVAILABLE',
        `Cannot open the SQLite database '${path}': ${error instanceof Error ? error.message : String(error)}`,
        { cause: sanitize(error) },
      )
    }
    writer.pragma(`busy_timeout = ${READER_BUSY_TIMEOUT_MS}`)
    const mode = writer.pragma('journal_mode = WAL', { simple: true })
    if (mode !== 'wal')
      throw new Error(`could not switch '${path}' to WAL mode (got ${String(mode)})`)
    writer.pragma('synchronous = NORMAL')
    writer.pragma('foreign_keys = ON')
    // From here the writer never blocks the event loop waiting for a lock: beginImmediate retries
    // asynchronously instead, so another Store on the same file in this process can finish.
    writer.pragma('busy_timeout = 0')
    const report = await migrate(writer, SQLITE_MIGRATIONS, lockTimeoutMs)
    options.onMigrated?.(report)

    reader = new Database(path, { fileMustExist: true })
    reader.pragma(`busy_timeout = ${READER_BUSY_TIMEOUT_MS}`)
    reader.pragma('query_only = ON')
  } catch (error) {
    reader?.close()
    writer?.close()
    if (error instanceof IamError) throw error
    throw translateSqliteError(error)
  }
  const store = new SqliteStore(writer, reader, lockTimeoutMs)
  if (options.changeFeedRetentionSeconds !== undefined) {
    store.stopPruning = schedulePruning(options.changeFeedRetentionSeconds, (o) =>
      store.pruneChanges(o),
    )
  }
  return store
}

async function beginImmediate(db: Database.Database, lockTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + lockTimeoutMs
  let delay = 1
  for (;;) {
    try {
      db.exec('BEGIN IMMEDIATE')
      return
    } catch (error) {
      if (!isSqliteBusy(error) || Date.now() >= deadline) throw translateSqliteError(error)
    }
    await sleep(delay)
    delay = Math.min(delay * 2, 50)
  }
}

async function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  lockTimeoutMs: number,
): Promise<MigrationReport> {
  await beginImmediate(db, lockTimeoutMs)
  try {
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT')
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_version').all() as { version: number }[]).map(
        (r) => r.version,
      ),
    )
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
    const done: number[] = []
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue
      db.exec(m.sql)
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version)
      done.push(m.version)
    }
    db.exec('COMMIT')
    return { before: current, after: Math.max(current, ...done), applied: done }
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK')
    throw error
  }
}

class SqliteStore extends StoreReadsBase implements Store {
  readonly engine = 'sqlite' as const
  readonly #writer: Database.Database
  readonly #reader: Database.Database
  readonly #writeRows: SqliteRows
  readonly #readRows: SqliteRows
  readonly #lockTimeoutMs: number
  readonly #mutex = new AsyncMutex()
  readonly #inTransaction = new AsyncLocalStorage<true>()
  readonly #listeners = new ChangeListeners()
  #closed = false
  /** Stops the periodic pruning, when the store does it. */
  stopPruning: () => void = () => {}

  constructor(writer: Database.Database, reader: Database.Database, lockTimeoutMs: number) {
    super()
    this.#writer = writer
    this.#reader = reader
    this.#writeRows = new SqliteRows(writer)
    this.#readRows = new SqliteRows(reader)
    this.#lockTimeoutMs = lockTimeoutMs
    this.#listeners.start(this.#readRows.revision())
  }

  protected override readRows(): RowReads {
    if (this.#closed) throw storeClosed()
    return this.#readRows
  }

  async transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.#inTransaction.getStore() === true) {
      // The mutex is held by the caller's own transaction: waiting for it would never end.
      throw misuse(
        'transact() called inside a transaction of the same store; use the tx given to you.',
      )
    }
    if (this.#closed) throw storeClosed()
    return this.#mutex.run(async () => {
      if (this.#closed) throw storeClosed()
      await beginImmediate(this.#writer, this.#lockTimeoutMs)
      const handle = createStoreTx(this.#writeRows, () => new Date().toISOString())
      let result: T
      let first = 0
      try {
        result = await this.#inTransaction.run(true, () => fn(handle.tx))
        try {
          if (handle.changes.length > 0)
            first = this.#writeRows.appendChanges(handle.changes, Date.now())
          this.#writer.exec('COMMIT')
        } catch (error) {
          throw translateSqliteError(error)
        }
      } catch (error) {
        handle.close()
        if (this.#writer.inTransaction) this.#writer.exec('ROLLBACK')
        throw error
      }
      handle.close()
      this.#listeners.emit(numberChanges(handle.changes, first))
      return result
    })
  }

  async revision(): Promise<number> {
    if (this.#closed) throw storeClosed()
    try {
      return this.#readRows.revision()
    } catch (error) {
      throw translateSqliteError(error)
    }
  }

  async changesSince(after: number, limit?: number): Promise<ChangeBatch> {
    const max = checkFeedArgs(after, limit)
    if (this.#closed) throw storeClosed()
    try {
      const changes = this.#readRows.changesSince(after, max)
      return { changes, revision: changes.at(-1)?.revision ?? after }
    } catch (error) {
      throw translateSqliteError(error)
    }
  }

  async ping(): Promise<void> {
    // The same read a request would do: the reader connection and the file behind it answer.
    await this.revision()
  }

  onChange(listener: Parameters<Store['onChange']>[0]): () => void {
    return this.#listeners.add(listener)
  }

  refresh(): Promise<number> {
    return this.#listeners.refresh(async (after, limit) => {
      if (this.#closed) throw storeClosed()
      try {
        return this.#readRows.changesSince(after, limit)
      } catch (error) {
        throw translateSqliteError(error)
      }
    })
  }

  appliedRevision(): number {
    return this.#listeners.applied
  }

  committedRevision(): number {
    return this.#listeners.committed
  }

  async pruneChanges(options: PruneOptions): Promise<number> {
    const { olderThanSeconds, keepNewest } = checkPruneOptions(options)
    if (this.#closed) throw storeClosed()
    // Through the write connection and its mutex, like any write: never inside a transaction of
    // this process, and waiting for another process's write lock without blocking the loop.
    return this.#mutex.run(async () => {
      if (this.#closed) throw storeClosed()
      await beginImmediate(this.#writer, this.#lockTimeoutMs)
      try {
        const deleted = this.#writeRows.pruneChanges(
          Date.now() - olderThanSeconds * 1000,
          keepNewest,
        )
        this.#writer.exec('COMMIT')
        return deleted
      } catch (error) {
        if (this.#writer.inTransaction) this.#writer.exec('ROLLBACK')
        throw translateSqliteError(error)
      }
    })
  }

  async close(): Promise<void> {
    this.stopPruning()
    if (this.#closed) return
    // Let transactions already queued finish (they were accepted before close), then refuse more.
    await this.#mutex.run(async () => {
      this.#closed = true
    })
    this.#reader.close()
    this.#writer.close()
  }
}
