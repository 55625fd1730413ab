// What the store keeps of Cloud Audit Log entries (the admin API's activity and, opt-in,
// data_access entries) and the store methods over them. Kept apart from store.ts so the audit
// surface reads in one place; StoreReader and StoreTx extend these. The entry itself is Google's
// LogEntry JSON, kept as written; the other columns exist to select entries quickly.

export interface AuditEntryRecord {
  /** The LogEntry's insertId; the key. */
  readonly insertId: string
  /** RFC 3339 UTC with milliseconds (`2026-01-02T03:04:05.678Z`), so text order is time order. */
  readonly timestamp: string
  /** e.g. `projects/p/logs/cloudaudit.googleapis.com%2Factivity`. */
  readonly logName: string
  /** `projects/{projectId}` or `organizations/{id}`: whose logs the entry is in. */
  readonly parent: string
  readonly resourceName: string
  readonly methodName: string
  /** The caller's email or member string ('' when unknown). */
  readonly principal: string
  /** The whole google.logging.v2.LogEntry. */
  readonly entry: Readonly<Record<string, unknown>>
}

/** Where a listing resumes: after (ascending) or before (descending) this entry. */
export interface AuditEntryCursor {
  readonly timestamp: string
  readonly insertId: string
}

export interface AuditEntryQuery {
  /** Entries of these parents only (at least one). */
  readonly parents: readonly string[]
  /** When given, entries of these log names only. */
  readonly logNames?: readonly string[]
  /** Inclusive time bounds (RFC 3339 as stored). */
  readonly since?: string
  readonly until?: string
  /** Exclusive: the listing continues past this entry in its order. */
  readonly cursor?: AuditEntryCursor
  /** Newest first; default oldest first. Ties are broken by insertId. */
  readonly descending?: boolean
  /** At most this many. */
  readonly limit: number
}

export interface AuditEntryReader {
  /** Entries in (timestamp, insertId) order, ascending or descending. */
  listAuditEntries(query: AuditEntryQuery): Promise<readonly AuditEntryRecord[]>
}

export interface AuditEntryWriter {
  /** ALREADY_EXISTS if the insertId is taken. Not a change-feed change (nothing caches entries). */
  appendAuditEntry(entry: AuditEntryRecord): Promise<void>
  /** Deletes entries whose timestamp is before `before` (RFC 3339); resolves with how many went. */
  pruneAuditEntries(before: string): Promise<number>
}
