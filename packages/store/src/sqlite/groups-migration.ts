// Schema version 4 of the SQLite engine: Cloud Identity groups and their memberships. Kept in its
// own file and listed in migrations.ts; never edit it once released (add the next number).
import type { Migration } from './migrations.js'

export const SQLITE_GROUPS_MIGRATION: Migration = {
  version: 4,
  sql: `
    CREATE TABLE cloud_identity_groups (
      id TEXT PRIMARY KEY,
      email TEXT NOT NULL UNIQUE,
      parent TEXT NOT NULL,
      record TEXT NOT NULL
    ) STRICT;
    CREATE INDEX cloud_identity_groups_by_parent ON cloud_identity_groups (parent, email);

    -- A membership goes with its group, and with its member group (member_group_id, GROUP members
    -- only): a group created later under the same email never inherits it.
    CREATE TABLE cloud_identity_memberships (
      group_id TEXT NOT NULL REFERENCES cloud_identity_groups (id) ON DELETE CASCADE,
      id TEXT NOT NULL,
      member_key TEXT NOT NULL,
      type TEXT NOT NULL,
      member_group_id TEXT REFERENCES cloud_identity_groups (id) ON DELETE CASCADE,
      record TEXT NOT NULL,
      PRIMARY KEY (group_id, id),
      UNIQUE (group_id, member_key)
    ) STRICT;
    CREATE INDEX cloud_identity_memberships_by_member_group
      ON cloud_identity_memberships (member_group_id);
  `,
}
