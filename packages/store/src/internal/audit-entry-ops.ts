// The audit-entry methods of StoreReader and StoreTx over an engine's rows: argument checks and
// errors, the same on every engine.
import type { AuditEntryReader, AuditEntryWriter } from '../audit-entries.js'
import { alreadyExists, misuse } from './errors.js'
import { ROWS, type ReadHost, type WriteHost } from './row-host.js'

/** AuditEntryReader's methods, for a reader's or a tx's prototype (see row-host.ts). */
export const auditEntryReaderMethods: AuditEntryReader & ThisType<ReadHost> = {
  async listAuditEntries(query) {
    if (query.parents.length === 0 || query.limit <= 0) return []
    if (query.logNames !== undefined && query.logNames.length === 0) return []
    return this[ROWS]().auditEntries.auditEntries(query)
  },
}

/** AuditEntryWriter's methods, for a tx's prototype (see row-host.ts). */
export const auditEntryWriterMethods: AuditEntryWriter & ThisType<WriteHost> = {
  async appendAuditEntry(entry) {
    if (entry.insertId === '' || Number.isNaN(Date.parse(entry.timestamp))) {
      throw misuse(`An audit entry needs an insertId and an RFC 3339 timestamp.`)
    }
    if (!(await this[ROWS]().auditEntries.insertAuditEntry(entry))) {
      throw alreadyExists('Audit entry', entry.insertId)
    }
  },
  async pruneAuditEntries(before) {
    return this[ROWS]().auditEntries.deleteAuditEntriesBefore(before)
  },
}
