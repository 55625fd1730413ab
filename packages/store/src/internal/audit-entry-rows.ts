// What an engine provides for audit entries: plain row operations in its own SQL dialect. Their
// meaning (errors, the query's rules) is in audit-entry-ops.ts, once.
import type { AuditEntryQuery, AuditEntryRecord } from '../audit-entries.js'

/** The audit_entries columns, as both engines name them; `entry` is the engine's JSON column. */
export interface AuditEntryRow<E> {
  readonly insert_id: string
  readonly time: string
  readonly log_name: string
  readonly parent: string
  readonly resource_name: string
  readonly method_name: string
  readonly principal: string
  readonly entry: E
}

/** A row as a record, its entry already parsed. */
export function auditEntryRecord(
  r: AuditEntryRow<unknown>,
  entry: Readonly<Record<string, unknown>>,
): AuditEntryRecord {
  return {
    insertId: r.insert_id,
    timestamp: r.time,
    logName: r.log_name,
    parent: r.parent,
    resourceName: r.resource_name,
    methodName: r.method_name,
    principal: r.principal,
    entry,
  }
}

export interface AuditEntryRows {
  auditEntries(query: AuditEntryQuery): Promise<AuditEntryRecord[]>
  /** false when the insertId is taken. */
  insertAuditEntry(entry: AuditEntryRecord): Promise<boolean>
  deleteAuditEntriesBefore(before: string): Promise<number>
}
