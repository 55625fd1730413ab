// Audit-entry row operations on one better-sqlite3 connection (the reader's or the writer's),
// with statements prepared per query shape. Driver errors are translated before they leave.
import type Database from 'better-sqlite3'
import type { AuditEntryQuery, AuditEntryRecord } from '../audit-entries.js'
import {
  auditEntryRecord,
  type AuditEntryRow,
  type AuditEntryRows,
} from '../internal/audit-entry-rows.js'
import { translateSqliteError } from './sqlite-errors.js'

function sync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(translateSqliteError(error))
  }
}

type Row = AuditEntryRow<string>

const toRecord = (r: Row): AuditEntryRecord =>
  auditEntryRecord(r, JSON.parse(r.entry) as Record<string, unknown>)

export class SqliteAuditEntryRows implements AuditEntryRows {
  readonly #db: Database.Database
  readonly #statements = new Map<string, Database.Statement>()

  constructor(db: Database.Database) {
    this.#db = db
  }

  #stmt(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql)
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql)
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  auditEntries(q: AuditEntryQuery): Promise<AuditEntryRecord[]> {
    return sync(() => {
      const where = ['parent IN (SELECT value FROM json_each(?))']
      const args: unknown[] = [JSON.stringify(q.parents)]
      if (q.logNames !== undefined) {
        where.push('log_name IN (SELECT value FROM json_each(?))')
        args.push(JSON.stringify(q.logNames))
      }
      if (q.since !== undefined) {
        where.push('time >= ?')
        args.push(q.since)
      }
      if (q.until !== undefined) {
        where.push('time <= ?')
        args.push(q.until)
      }
      const desc = q.descending === true
      if (q.cursor !== undefined) {
        const cmp = desc ? '<' : '>'
        where.push(`(time ${cmp} ? OR (time = ? AND insert_id ${cmp} ?))`)
        args.push(q.cursor.timestamp, q.cursor.timestamp, q.cursor.insertId)
      }
      const dir = desc ? 'DESC' : 'ASC'
      const sql = `SELECT * FROM audit_entries WHERE ${where.join(' AND ')}
                   ORDER BY time ${dir}, insert_id ${dir} LIMIT ?`
      return (this.#stmt(sql).all(...args, q.limit) as Row[]).map(toRecord)
    })
  }

  insertAuditEntry(e: AuditEntryRecord): Promise<boolean> {
    return sync(
      () =>
        this.#stmt(
          `INSERT INTO audit_entries
             (insert_id, time, log_name, parent, resource_name, method_name, principal, entry)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        ).run(
          e.insertId,
          e.timestamp,
          e.logName,
          e.parent,
          e.resourceName,
          e.methodName,
          e.principal,
          JSON.stringify(e.entry),
        ).changes > 0,
    )
  }

  deleteAuditEntriesBefore(before: string): Promise<number> {
    return sync(() => this.#stmt('DELETE FROM audit_entries WHERE time < ?').run(before).changes)
  }
}
