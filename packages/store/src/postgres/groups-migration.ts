// Schema version 4 of the PostgreSQL engine: Cloud Identity groups and their memberships. Kept in
// its own file and listed in migrations.ts; never edit it once released (add the next number).
import type { Migration } from './migrations.js'

export const POSTGRES_GROUPS_MIGRATION: Migration = {
  version: 4,
  sql: `
    CREATE TABLE cloud_identity_groups (
      id text COLLATE "C" PRIMARY KEY,
      email text COLLATE "C" NOT NULL UNIQUE,
      parent text COLLATE "C" NOT NULL,
      record jsonb NOT NULL
    );
    CREATE INDEX cloud_identity_groups_by_parent ON cloud_identity_groups (parent, email);

    -- A membership goes with its group, and with its member group (member_group_id, GROUP members
    -- only): a group created later under the same email never inherits it. The foreign keys also
    -- make a membership added while its group (or member group) is deleted fail instead of
    -- outliving it (the insert's key-share lock and the delete wait for each other).
    CREATE TABLE cloud_identity_memberships (
      group_id text COLLATE "C" NOT NULL REFERENCES cloud_identity_groups (id) ON DELETE CASCADE,
      id text COLLATE "C" NOT NULL,
      member_key text COLLATE "C" NOT NULL,
      type text NOT NULL,
      member_group_id text COLLATE "C" REFERENCES cloud_identity_groups (id) ON DELETE CASCADE,
      record jsonb NOT NULL,
      PRIMARY KEY (group_id, id),
      UNIQUE (group_id, member_key)
    );
    CREATE INDEX cloud_identity_memberships_by_member_group
      ON cloud_identity_memberships (member_group_id);
  `,
}
