// The error reasons both store engines raise, registered in core's catalog so that listReasons()
// (and with it docs/errors.md) covers them. ETAG_MISMATCH and BUG are core's own reasons; the rest
// are the store's. Imported for its side effect by every entry point ('.', './sqlite', './postgres').
import { Code, registerReasons } from '@runiam/core'

export const STORE_REASONS = {
  // Also registered by the server's services (same code: registering again is a no-op).
  ALREADY_EXISTS: {
    code: Code.ALREADY_EXISTS,
    doc: 'A create whose key (project id, project number, resource name) is taken.',
  },
  NOT_FOUND: {
    code: Code.NOT_FOUND,
    doc: 'Store: an update or delete of a record that does not exist.',
  },
  INVALID_PAGE_TOKEN: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A pageToken that this server did not hand out.',
  },
  INVALID_PAGE_SIZE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A pageSize that is negative or not an integer.',
  },
  INVALID_REVISION: {
    code: Code.INVALID_ARGUMENT,
    doc: 'Store: a change-feed revision that is negative or not an integer.',
  },
  INVALID_PRUNE_OPTIONS: {
    code: Code.INVALID_ARGUMENT,
    doc: 'Store: a change-feed retention that is negative, or a number of changes to keep below 1.',
  },
  INVALID_LIMIT: {
    code: Code.INVALID_ARGUMENT,
    doc: 'Store: a change-feed limit that is not a positive integer.',
  },
  PROJECT_NUMBER_IMMUTABLE: {
    code: Code.INVALID_ARGUMENT,
    doc: "Store: an update that would change a project's number.",
  },
  INVALID_DATABASE_PATH: {
    code: Code.INVALID_ARGUMENT,
    doc: 'The SQLite path is empty, ":memory:" or a file: URI (a real file is needed).',
  },
  INVALID_DATABASE_SCHEMA: {
    code: Code.INVALID_ARGUMENT,
    doc: 'The PostgreSQL schema name is not lower-case letters, digits and underscores.',
  },
  INVALID_POOL_SIZE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'The PostgreSQL pool size is not a positive integer.',
  },
  SCHEMA_TOO_NEW: {
    code: Code.FAILED_PRECONDITION,
    doc: 'The database was migrated by a newer runiam than this one.',
  },
  SCHEMA_TOO_OLD: {
    code: Code.FAILED_PRECONDITION,
    doc: 'runiam export: the database schema is older than this runiam (export never migrates).',
  },
  STORE_UNAVAILABLE: {
    code: Code.UNAVAILABLE,
    doc: 'The database cannot be opened or reached (refused, dropped, disk full, read-only…).',
  },
  STORE_COMMIT_UNKNOWN: {
    code: Code.UNAVAILABLE,
    doc: 'The database connection was lost after COMMIT was sent: the write may or may not be saved.',
  },
  STORE_CLOSED: { code: Code.UNAVAILABLE, doc: 'The store was used after close().' },
  STORE_CONTENTION: {
    code: Code.ABORTED,
    doc: 'Concurrent writers kept colliding (serialization failure, deadlock, busy) past retries.',
  },
  STORE_INTERNAL: {
    code: Code.INTERNAL,
    doc: 'The database driver failed in a way the store did not expect.',
  },
  STORE_CORRUPT: { code: Code.DATA_LOSS, doc: 'The SQLite database file is damaged.' },
} as const

registerReasons(STORE_REASONS)
