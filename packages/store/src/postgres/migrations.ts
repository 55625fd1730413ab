// The PostgreSQL schema, as numbered migrations applied in order at open under an advisory lock
// (schema_version records the last one). Never edit a released migration: add the next number.
//
// Key columns use COLLATE "C" (bytewise), the order SQLite's BINARY collation gives, so lists page
// identically on both engines whatever the database's locale. Records, bodies and policies were
// jsonb, and are json (kept as written, key order included) from version 8 on.

import { POSTGRES_GROUPS_MIGRATION } from './groups-migration.js'
import { POSTGRES_JSON_BODIES_MIGRATION } from './json-bodies-migration.js'
import { POSTGRES_RECOMMENDER_MIGRATION } from './recommender-migration.js'

export interface Migration {
  readonly version: number
  readonly sql: string
}

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE organizations (
        id text COLLATE "C" PRIMARY KEY,
        -- at most one organization per server; a second insert conflicts on this column
        singleton boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton),
        record jsonb NOT NULL
      );

      CREATE TABLE projects (
        project_id text COLLATE "C" PRIMARY KEY,
        project_number text COLLATE "C" NOT NULL UNIQUE,
        record jsonb NOT NULL
      );

      CREATE TABLE resources (
        name text COLLATE "C" PRIMARY KEY,
        kind text COLLATE "C" NOT NULL,
        parent text COLLATE "C" NOT NULL,
        etag text NOT NULL,
        create_time text NOT NULL,
        update_time text NOT NULL,
        body jsonb NOT NULL
      );
      CREATE INDEX resources_by_parent ON resources (parent, kind, name);
      CREATE INDEX resources_by_kind ON resources (kind, name);

      CREATE TABLE policies (
        resource text COLLATE "C" PRIMARY KEY,
        etag text NOT NULL,
        update_time text NOT NULL,
        policy jsonb NOT NULL
      );

      CREATE TABLE operations (
        name text COLLATE "C" PRIMARY KEY,
        create_time text NOT NULL,
        body jsonb NOT NULL
      );

      CREATE TABLE signing_keys (
        kid text COLLATE "C" PRIMARY KEY,
        create_time text COLLATE "C" NOT NULL,
        record jsonb NOT NULL
      );

      -- The change feed. The counter row is bumped just before COMMIT and stays locked until then,
      -- so revisions are handed out in commit order (a sequence would not be: a reader could see
      -- revision 7 committed before 6 and skip 6 forever).
      CREATE TABLE revision_counter (
        id int PRIMARY KEY CHECK (id = 1),
        value bigint NOT NULL
      );
      INSERT INTO revision_counter (id, value) VALUES (1, 0);

      CREATE TABLE changes (
        revision bigint PRIMARY KEY,
        kind text NOT NULL,
        name text NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- Organization policies (Org Policy v2), keyed by policy name; listed by parent.
      CREATE TABLE org_policies (
        name text COLLATE "C" PRIMARY KEY,
        parent text COLLATE "C" NOT NULL,
        etag text NOT NULL,
        update_time text NOT NULL,
        policy jsonb NOT NULL
      );
      CREATE INDEX org_policies_by_parent ON org_policies (parent, name);
    `,
  },
  {
    // Version 3 (service accounts) may be released before version 2: the runner applies every
    // migration not yet recorded, in version order, so the numbering may have gaps.
    version: 3,
    sql: `
      CREATE TABLE service_accounts (
        email text COLLATE "C" PRIMARY KEY,
        project_id text COLLATE "C" NOT NULL,
        unique_id text COLLATE "C" NOT NULL UNIQUE,
        record jsonb NOT NULL
      );
      CREATE INDEX service_accounts_by_project ON service_accounts (project_id, email);

      -- Public halves only: runiam never keeps a service account's private key.
      CREATE TABLE service_account_keys (
        key_id text COLLATE "C" PRIMARY KEY,
        email text COLLATE "C" NOT NULL,
        record jsonb NOT NULL
      );
      CREATE INDEX service_account_keys_by_email ON service_account_keys (email, key_id);
    `,
  },
  POSTGRES_GROUPS_MIGRATION,
  {
    // Version 5: IAM custom roles (versions 4 and 6 belong to other tables; numbers may have gaps).
    version: 5,
    sql: `
      CREATE TABLE custom_roles (
        name text COLLATE "C" PRIMARY KEY,
        parent text COLLATE "C" NOT NULL,
        -- true while the role is deleted (kept for undelete, then purged)
        deleted boolean NOT NULL,
        record jsonb NOT NULL
      );
      CREATE INDEX custom_roles_by_parent ON custom_roles (parent, name);
    `,
  },
  {
    // Version 7: when each change was committed, so the change feed can be pruned by age
    // (Store.pruneChanges). Rows from before have none and count as old.
    version: 7,
    sql: `ALTER TABLE changes ADD COLUMN commit_time timestamptz;`,
  },
  POSTGRES_JSON_BODIES_MIGRATION,
  {
    // Version 10: Cloud Audit Log entries (services/audit/). The entry is the LogEntry JSON (json:
    // kept as written); the other columns select it. `time` is RFC 3339 UTC with milliseconds
    // (COLLATE "C": text order is time order, as on SQLite).
    version: 10,
    sql: `
      CREATE TABLE audit_entries (
        insert_id text COLLATE "C" PRIMARY KEY,
        time text COLLATE "C" NOT NULL,
        log_name text COLLATE "C" NOT NULL,
        parent text COLLATE "C" NOT NULL,
        resource_name text COLLATE "C" NOT NULL,
        method_name text COLLATE "C" NOT NULL,
        principal text COLLATE "C" NOT NULL,
        entry json NOT NULL
      );
      CREATE INDEX audit_entries_by_parent_time ON audit_entries (parent, time, insert_id);
      CREATE INDEX audit_entries_by_time ON audit_entries (time);
    `,
  },
  {
    // Version 11: IAM deny policies, keyed by attachment point (decoded, project by number) and id
    // (versions 9 and 10 belong to other tables; numbers may have gaps).
    version: 11,
    sql: `
      CREATE TABLE deny_policies (
        attachment_point text COLLATE "C" NOT NULL,
        policy_id text COLLATE "C" NOT NULL,
        record json NOT NULL,
        PRIMARY KEY (attachment_point, policy_id)
      );
    `,
  },
  POSTGRES_RECOMMENDER_MIGRATION,
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
