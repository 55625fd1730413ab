// The embedded engine: a SQLite file in WAL mode. Writes go through one write connection behind an
// async mutex, each transact() being a SAVEPOINT inside a BEGIN IMMEDIATE … COMMIT done by hand
// (better-sqlite3's transaction() refuses async functions). Reads outside transact() use a second
// connection, so no request ever sees rows a transaction has written but not committed.
//
// Durability: synchronous = FULL, so a transaction acknowledged (transact() resolved) is on disk —
// it survives kill -9, an OS crash and a power loss (NORMAL in WAL mode survives kill -9 only: the
// last commits before a power loss may vanish, and an IAM store must not un-revoke a binding it
// confirmed). The fsync that costs (~2 ms a commit here) is shared by group commit: transactions
// that queue up behind the mutex while one runs join the same BEGIN … COMMIT, each in its own
// SAVEPOINT (a failing one rolls back alone), and all of them resolve only after the COMMIT that
// made them durable; if that COMMIT fails, all of them reject.
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import { Code, IamError } from '@runiam/core'
import type { Change, ChangeBatch } from '../records.js'
import type { PruneOptions, Store, StoreTx } from '../store.js'
import { AsyncMutex } from '../internal/async-mutex.js'
import { ChangeListeners, numberChanges } from '../internal/change-feed.js'
import { invalidArgument, misuse, sanitize } from '../internal/errors.js'
import { checkFeedArgs } from '../internal/feed-args.js'
import { checkPruneOptions, schedulePruning } from '../internal/feed-pruner.js'
import { storeClosed } from '../internal/store-closed.js'
import { TransactionGuard } from '../internal/transaction-guard.js'
import type { RowReads } from '../internal/row-ops.js'
import { StoreReadsBase } from '../internal/store-reads-base.js'
import { createStoreTx } from '../internal/store-tx.js'
import { refusePending } from '../internal/pending-migrations.js'
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
   * 'refuse': a schema older than this runiam's is not migrated but refused (SCHEMA_TOO_OLD), so
   * opening the store changes nothing in it (`runiam export`: a backup never upgrades the store
   * that other, older runiam processes may be serving). Default 'apply', as the server does.
   */
  readonly pendingMigrations?: 'apply' | 'refuse'
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
    writer.pragma('synchronous = FULL')
    writer.pragma('foreign_keys = ON')
    // From here the writer never blocks the event loop waiting for a lock: beginImmediate retries
    // asynchronously instead, so another Store on the same file in this process can finish.
    writer.pragma('busy_timeout = 0')
    const report = await migrate(
      writer,
      SQLITE_MIGRATIONS,
      lockTimeoutMs,
      options.pendingMigrations ?? 'apply',
    )
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

/**
 * The transaction-control statements of the write connection, prepared once: db.exec() compiles its
 * SQL again on every call, and a write runs five of these (BEGIN, SAVEPOINT, RELEASE, COMMIT…).
 */
class TxStatements {
  readonly begin: Database.Statement
  readonly commit: Database.Statement
  readonly rollback: Database.Statement
  readonly savepoint: Database.Statement
  readonly release: Database.Statement
  readonly rollbackTo: Database.Statement

  constructor(db: Database.Database) {
    this.begin = db.prepare('BEGIN IMMEDIATE')
    this.commit = db.prepare('COMMIT')
    this.rollback = db.prepare('ROLLBACK')
    this.savepoint = db.prepare('SAVEPOINT tx')
    this.release = db.prepare('RELEASE tx')
    this.rollbackTo = db.prepare('ROLLBACK TO tx')
  }
}

async function beginImmediate(begin: Database.Statement, lockTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + lockTimeoutMs
  let delay = 1
  for (;;) {
    try {
      begin.run()
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
  pending: 'apply' | 'refuse',
): Promise<MigrationReport> {
  await beginImmediate(db.prepare('BEGIN IMMEDIATE'), lockTimeoutMs)
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
    if (pending === 'refuse') refusePending(migrations, applied, current)
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

/** Transactions written but not yet committed, sharing one BEGIN … COMMIT (see the header). */
interface CommitGroup {
  readonly opened: number
  readonly members: {
    readonly changes: Change[]
    readonly resolve: () => void
    readonly reject: (error: unknown) => void
  }[]
  /** Whether a commit is already scheduled for the end of this turn of the event loop. */
  scheduled: boolean
}

/** A group commits once it holds this many transactions or is this old, whatever still queues. */
const MAX_GROUP = 64
const MAX_GROUP_MS = 20

class SqliteStore extends StoreReadsBase implements Store {
  readonly engine = 'sqlite' as const
  readonly #writer: Database.Database
  readonly #reader: Database.Database
  readonly #writeRows: SqliteRows
  readonly #readRows: SqliteRows
  readonly #lockTimeoutMs: number
  readonly #tx: TxStatements
  readonly #mutex = new AsyncMutex()
  readonly #inTransaction = new TransactionGuard()
  readonly #listeners = new ChangeListeners()
  /** The group commit the next transaction joins (a BEGIN IMMEDIATE is open), if any. */
  #group: CommitGroup | undefined = undefined
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
    this.#tx = new TxStatements(writer)
    this.#listeners.start(this.#readRows.revision())
  }

  protected override readRows(): RowReads {
    if (this.#closed) throw storeClosed()
    return this.#readRows
  }

  async transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    if (this.#inTransaction.inside) {
      // The mutex is held by the caller's own transaction: waiting for it would never end.
      throw misuse(
        'transact() called inside a transaction of the same store; use the tx given to you.',
      )
    }
    if (this.#closed) throw storeClosed()
    // The mutex is released as soon as fn's writes are in (so the next transaction can join the
    // group); the answer waits for the group's COMMIT outside it.
    const { result, durable } = await this.#mutex.run(async () => {
      if (this.#closed) throw storeClosed()
      const group = await this.#openGroup()
      const handle = createStoreTx(this.#writeRows, () => new Date().toISOString())
      this.#tx.savepoint.run()
      try {
        const value = await this.#inTransaction.run(() => fn(handle.tx))
        let changes: Change[] = []
        try {
          if (handle.changes.length > 0) {
            changes = numberChanges(
              handle.changes,
              this.#writeRows.appendChanges(handle.changes, Date.now()),
            )
          }
          this.#tx.release.run()
        } catch (error) {
          throw translateSqliteError(error)
        }
        handle.close()
        const durable = new Promise<void>((resolve, reject) => {
          group.members.push({ changes, resolve, reject })
        })
        // Awaited by transact() just after the mutex returns; a COMMIT may fail before that.
        durable.catch(() => undefined)
        this.#endOfTransaction(group)
        return { result: value, durable }
      } catch (error) {
        handle.close()
        this.#rollbackTransaction(group, error)
        this.#endOfTransaction(group)
        throw error
      }
    })
    await durable
    return result
  }

  /** The open group commit, or a new one (BEGIN IMMEDIATE). Called with the mutex held. */
  async #openGroup(): Promise<CommitGroup> {
    if (this.#group !== undefined) return this.#group
    await beginImmediate(this.#tx.begin, this.#lockTimeoutMs)
    const group: CommitGroup = { opened: performance.now(), members: [], scheduled: false }
    this.#group = group
    return group
  }

  /** Undoes a failed transaction's writes, and only its own unless SQLite dropped the whole group. */
  #rollbackTransaction(group: CommitGroup, error: unknown): void {
    if (this.#writer.inTransaction) {
      try {
        this.#tx.rollbackTo.run()
        this.#tx.release.run()
        return
      } catch {
        // fall through: give the whole group up
      }
    }
    // SQLite rolled the whole transaction back (disk full, I/O error…), or the savepoint could not
    // be undone: none of the group's transactions is durable.
    if (this.#writer.inTransaction) this.#tx.rollback.run()
    this.#group = undefined
    for (const m of group.members) m.reject(error)
  }

  /**
   * After each transaction: COMMIT now if the group is full or old, otherwise once this turn of the
   * event loop has let the transactions already on their way join it (setImmediate, then behind
   * them on the mutex).
   */
  #endOfTransaction(group: CommitGroup): void {
    if (this.#group !== group) return
    if (group.members.length >= MAX_GROUP || performance.now() - group.opened >= MAX_GROUP_MS) {
      this.#commitGroup(group)
      return
    }
    if (group.scheduled) return
    group.scheduled = true
    setImmediate(() => {
      void this.#mutex.run(async () => this.#commitGroup(group))
    })
  }

  /** COMMIT (the fsync), then tell the listeners and the waiting transactions. Mutex held. */
  #commitGroup(group: CommitGroup): void {
    if (this.#group !== group) return
    this.#group = undefined
    try {
      this.#tx.commit.run()
    } catch (error) {
      if (this.#writer.inTransaction) this.#tx.rollback.run()
      const translated = translateSqliteError(error)
      for (const m of group.members) m.reject(translated)
      return
    }
    for (const m of group.members) if (m.changes.length > 0) this.#listeners.emit(m.changes)
    for (const m of group.members) m.resolve()
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
      // A group commit still open holds the write transaction: commit it first (its members are
      // answered as usual), so pruning never runs inside it nor commits it unannounced.
      if (this.#group !== undefined) this.#commitGroup(this.#group)
      await beginImmediate(this.#tx.begin, this.#lockTimeoutMs)
      try {
        const deleted = this.#writeRows.pruneChanges(
          Date.now() - olderThanSeconds * 1000,
          keepNewest,
        )
        this.#tx.commit.run()
        return deleted
      } catch (error) {
        if (this.#writer.inTransaction) this.#tx.rollback.run()
        throw translateSqliteError(error)
      }
    })
  }

  async close(): Promise<void> {
    this.stopPruning()
    if (this.#closed) return
    // Let transactions already queued finish (they were accepted before close), then refuse more.
    await this.#mutex.run(async () => {
      if (this.#group !== undefined) this.#commitGroup(this.#group)
      this.#closed = true
    })
    this.#reader.close()
    this.#writer.close()
  }
}
