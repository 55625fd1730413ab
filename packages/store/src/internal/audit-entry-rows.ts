// What an engine provides for audit entries: plain row operations in its own SQL dialect. Their
// meaning (errors, the query's rules) is in audit-entry-ops.ts, once.
import type { AuditEntryQuery, AuditEntryRecord } from '../audit-entries.js'

export interface AuditEntryRows {
  auditEntries(query: AuditEntryQuery): Promise<AuditEntryRecord[]>
  /** false when the insertId is taken. */
  insertAuditEntry(entry: AuditEntryRecord): Promise<boolean>
  deleteAuditEntriesBefore(before: string): Promise<number>
}
