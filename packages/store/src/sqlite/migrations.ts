// The SQLite schema, as numbered migrations applied in order at open (schema_version records the
// last one). Never edit a released migration: add the next number.
//
// Key columns are TEXT compared bytewise (SQLite's BINARY collation), the same order PostgreSQL
// gets from COLLATE "C", so lists page identically on both engines. Records are JSON text.

import { SQLITE_GROUPS_MIGRATION } from './groups-migration.js'
import { SQLITE_RECOMMENDER_MIGRATION } from './recommender-migration.js'

export interface Migration {
  readonly version: number
  readonly sql: string
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE organizations (
        id TEXT PRIMARY KEY,
        -- at most one organization per server; a second insert conflicts on this column
        singleton INTEGER NOT NULL DEFAULT 1 UNIQUE CHECK (singleton = 1),
        record TEXT NOT NULL
      ) STRICT;

      CREATE TABLE projects (
        project_id TEXT PRIMARY KEY,
        project_number TEXT NOT NULL UNIQUE,
        record TEXT NOT NULL
      ) STRICT;

      CREATE TABLE resources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        parent TEXT NOT NULL,
        etag TEXT NOT NULL,
        create_time TEXT NOT NULL,
        update_time TEXT NOT NULL,
        body TEXT NOT NULL
      ) STRICT;
      CREATE INDEX resources_by_parent ON resources (parent, kind, name);
      CREATE INDEX resources_by_kind ON resources (kind, name);

      CREATE TABLE policies (
        resource TEXT PRIMARY KEY,
        etag TEXT NOT NULL,
        update_time TEXT NOT NULL,
        policy TEXT NOT NULL
      ) STRICT;

      CREATE TABLE operations (
        name TEXT PRIMARY KEY,
        create_time TEXT NOT NULL,
        body TEXT NOT NULL
      ) STRICT;

      CREATE TABLE signing_keys (
        kid TEXT PRIMARY KEY,
        create_time TEXT NOT NULL,
        record TEXT NOT NULL
      ) STRICT;

      -- The change feed. The counter row is bumped at commit, so revisions follow commit order.
      CREATE TABLE revision_counter (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        value INTEGER NOT NULL
      ) STRICT;
      INSERT INTO revision_counter (id, value) VALUES (1, 0);

      CREATE TABLE changes (
        revision INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 2,
    sql: `
      -- Organization policies (Org Policy v2), keyed by policy name; listed by parent.
      CREATE TABLE org_policies (
        name TEXT PRIMARY KEY,
        parent TEXT NOT NULL,
        etag TEXT NOT NULL,
        update_time TEXT NOT NULL,
        policy TEXT NOT NULL
      ) STRICT;
      CREATE INDEX org_policies_by_parent ON org_policies (parent, name);
    `,
  },
  {
    // Version 3 (service accounts) may be released before version 2: the runner applies every
    // migration not yet recorded, in version order, so the numbering may have gaps.
    version: 3,
    sql: `
      CREATE TABLE service_accounts (
        email TEXT PRIMARY KEY,
        project_id TEXT NOT NULL,
        unique_id TEXT NOT NULL UNIQUE,
        record TEXT NOT NULL
      ) STRICT;
      CREATE INDEX service_accounts_by_project ON service_accounts (project_id, email);

      -- Public halves only: runiam never keeps a service account's private key.
      CREATE TABLE service_account_keys (
        key_id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        record TEXT NOT NULL
      ) STRICT;
      CREATE INDEX service_account_keys_by_email ON service_account_keys (email, key_id);
    `,
  },
  SQLITE_GROUPS_MIGRATION,
  {
    // Version 5: IAM custom roles (versions 4 and 6 belong to other tables; numbers may have gaps).
    version: 5,
    sql: `
      CREATE TABLE custom_roles (
        name TEXT PRIMARY KEY,
        parent TEXT NOT NULL,
        -- 1 while the role is deleted (kept for undelete, then purged)
        deleted INTEGER NOT NULL CHECK (deleted IN (0, 1)),
        record TEXT NOT NULL
      ) STRICT;
      CREATE INDEX custom_roles_by_parent ON custom_roles (parent, name);
    `,
  },
  {
    // Version 7: when each change was recorded, so the change feed can be pruned by age
    // (Store.pruneChanges). Rows from before have none and count as old.
    version: 7,
    sql: `ALTER TABLE changes ADD COLUMN time_ms INTEGER;`,
  },
  {
    // Version 10: Cloud Audit Log entries (services/audit/). The entry is the LogEntry JSON; the
    // other columns select it. `time` is RFC 3339 UTC with milliseconds, so text order is time order.
    version: 10,
    sql: `
      CREATE TABLE audit_entries (
        insert_id TEXT PRIMARY KEY,
        time TEXT NOT NULL,
        log_name TEXT NOT NULL,
        parent TEXT NOT NULL,
        resource_name TEXT NOT NULL,
        method_name TEXT NOT NULL,
        principal TEXT NOT NULL,
        entry TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_entries_by_parent_time ON audit_entries (parent, time, insert_id);
      CREATE INDEX audit_entries_by_time ON audit_entries (time);
    `,
  },
  {
    // Version 11: IAM deny policies, keyed by attachment point (decoded, project by number) and id
    // (versions 8–10 belong to other tables; numbers may have gaps).
    version: 11,
    sql: `
      CREATE TABLE deny_policies (
        attachment_point TEXT NOT NULL,
        policy_id TEXT NOT NULL,
        record TEXT NOT NULL,
        PRIMARY KEY (attachment_point, policy_id)
      ) STRICT;
    `,
  },
  SQLITE_RECOMMENDER_MIGRATION,
  {
    // Version 13: version 10 as first shipped also indexed audit entries by log, resource, method
    // and principal; those indexes only cost writes (queries narrow by parent and time first), so
    // the shipped version 10 no longer creates them and databases made before lose them here.
    version: 13,
    sql: `
      DROP INDEX IF EXISTS audit_entries_by_log_time;
      DROP INDEX IF EXISTS audit_entries_by_resource;
      DROP INDEX IF EXISTS audit_entries_by_method;
      DROP INDEX IF EXISTS audit_entries_by_principal;
    `,
  },
]
