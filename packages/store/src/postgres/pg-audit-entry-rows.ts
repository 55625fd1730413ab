// Audit-entry row operations over node-postgres: the pool outside transactions, the leased client
// inside transact(). Driver errors are translated before they leave.
import type pg from 'pg'
import type { AuditEntryQuery, AuditEntryRecord } from '../audit-entries.js'
import {
  auditEntryRecord,
  type AuditEntryRow,
  type AuditEntryRows,
} from '../internal/audit-entry-rows.js'
import { translatePgError } from './pg-errors.js'
import type { Queryable } from './pg-lease.js'

type Row = AuditEntryRow<Record<string, unknown>>

const toRecord = (r: Row): AuditEntryRecord => auditEntryRecord(r, r.entry)

export class PgAuditEntryRows implements AuditEntryRows {
  readonly #db: Queryable

  constructor(db: Queryable) {
    this.#db = db
  }

  async #query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
    name?: string,
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.#db.query<R>(
        name === undefined ? { text, values } : { name: `runiam_${name}`, text, values },
      )
    } catch (error) {
      throw translatePgError(error)
    }
  }

  async auditEntries(q: AuditEntryQuery): Promise<AuditEntryRecord[]> {
    const args: unknown[] = [q.parents]
    const where = ['parent = ANY($1::text[])']
    const arg = (v: unknown): string => {
      args.push(v)
      return `$${args.length}`
    }
    if (q.logNames !== undefined) where.push(`log_name = ANY(${arg(q.logNames)}::text[])`)
    if (q.since !== undefined) where.push(`time >= ${arg(q.since)}`)
    if (q.until !== undefined) where.push(`time <= ${arg(q.until)}`)
    const desc = q.descending === true
    if (q.cursor !== undefined) {
      const cmp = desc ? '<' : '>'
      const t = arg(q.cursor.timestamp)
      where.push(
        `(time ${cmp} ${t} OR (time = ${t} AND insert_id ${cmp} ${arg(q.cursor.insertId)}))`,
      )
    }
    const dir = desc ? 'DESC' : 'ASC'
    const sql = `SELECT * FROM audit_entries WHERE ${where.join(' AND ')}
                 ORDER BY time ${dir}, insert_id ${dir} LIMIT ${arg(q.limit)}`
    return (await this.#query<Row>(sql, args)).rows.map(toRecord)
  }

  async insertAuditEntry(e: AuditEntryRecord): Promise<boolean> {
    const res = await this.#query(
      `INSERT INTO audit_entries
         (insert_id, time, log_name, parent, resource_name, method_name, principal, entry)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::json) ON CONFLICT DO NOTHING`,
      [
        e.insertId,
        e.timestamp,
        e.logName,
        e.parent,
        e.resourceName,
        e.methodName,
        e.principal,
        JSON.stringify(e.entry),
      ],
      'insert_audit_entry',
    )
    return (res.rowCount ?? 0) > 0
  }

  async deleteAuditEntriesBefore(before: string): Promise<number> {
    const res = await this.#query(
      'DELETE FROM audit_entries WHERE time < $1',
      [before],
      'delete_audit_entries_before',
    )
    return res.rowCount ?? 0
  }
}
