// Schema version 12 of the PostgreSQL engine: the recommenders' rows (when each grant last decided
// a call per permission, when each grant was first seen, the states users gave recommendations).
// Kept in its own file and listed in migrations.ts; never edit it once released (add the next number).
import type { Migration } from './migrations.js'

export const POSTGRES_RECOMMENDER_MIGRATION: Migration = {
  version: 12,
  sql: `
    CREATE TABLE grant_usage (
      scope text COLLATE "C" NOT NULL,
      role text COLLATE "C" NOT NULL,
      member text COLLATE "C" NOT NULL,
      condition text COLLATE "C" NOT NULL,
      permission text COLLATE "C" NOT NULL,
      last_used_ms bigint NOT NULL,
      PRIMARY KEY (scope, role, member, condition, permission)
    );

    CREATE TABLE grants_seen (
      scope text COLLATE "C" NOT NULL,
      role text COLLATE "C" NOT NULL,
      member text COLLATE "C" NOT NULL,
      condition text COLLATE "C" NOT NULL,
      first_seen_ms bigint NOT NULL,
      PRIMARY KEY (scope, role, member, condition)
    );

    CREATE TABLE recommendation_states (
      name text COLLATE "C" PRIMARY KEY,
      parent text COLLATE "C" NOT NULL,
      etag text COLLATE "C" NOT NULL,
      record json NOT NULL
    );
    CREATE INDEX recommendation_states_by_parent ON recommendation_states (parent, name);
  `,
}
