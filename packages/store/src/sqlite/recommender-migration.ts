// Schema version 12 of the SQLite engine: the recommenders' rows (when each grant last decided a
// call per permission, when each grant was first seen, the states users gave recommendations).
// Kept in its own file and listed in migrations.ts; never edit it once released (add the next number).
import type { Migration } from './migrations.js'

export const SQLITE_RECOMMENDER_MIGRATION: Migration = {
  version: 12,
  sql: `
    CREATE TABLE grant_usage (
      scope TEXT NOT NULL,
      role TEXT NOT NULL,
      member TEXT NOT NULL,
      condition TEXT NOT NULL,
      permission TEXT NOT NULL,
      last_used_ms INTEGER NOT NULL,
      PRIMARY KEY (scope, role, member, condition, permission)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE grants_seen (
      scope TEXT NOT NULL,
      role TEXT NOT NULL,
      member TEXT NOT NULL,
      condition TEXT NOT NULL,
      first_seen_ms INTEGER NOT NULL,
      PRIMARY KEY (scope, role, member, condition)
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE recommendation_states (
      name TEXT PRIMARY KEY,
      parent TEXT NOT NULL,
      etag TEXT NOT NULL,
      record TEXT NOT NULL
    ) STRICT;
    CREATE INDEX recommendation_states_by_parent ON recommendation_states (parent, name);
  `,
}
