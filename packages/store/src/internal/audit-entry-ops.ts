// The audit-entry methods of StoreReader and StoreTx over an engine's rows: argument checks and
// errors, the same on every engine.
import type { AuditEntryReader, AuditEntryWriter } from '../audit-entries.js'
import type { AuditEntryRows } from './audit-entry-rows.js'
import { alreadyExists, misuse } from './errors.js'

export function auditEntryReader(rows: () => AuditEntryRows): AuditEntryReader {
  return {
    async listAuditEntries(query) {
      if (query.parents.length === 0 || query.limit <= 0) return []
      if (query.logNames !== undefined && query.logNames.length === 0) return []
      return rows().auditEntries(query)
    },
  }
}

export function auditEntryWriter(rows: () => AuditEntryRows): AuditEntryWriter {
  return {
    async appendAuditEntry(entry) {
      if (entry.insertId === '' || Number.isNaN(Date.parse(entry.timestamp))) {
        throw misuse(`An audit entry needs an insertId and an RFC 3339 timestamp.`)
      }
      if (!(await rows().insertAuditEntry(entry)))
        throw alreadyExists('Audit entry', entry.insertId)
    },
    pruneAuditEntries: async (before) => rows().deleteAuditEntriesBefore(before),
  }
}
