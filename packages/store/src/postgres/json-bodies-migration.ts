// Schema version 8 of the PostgreSQL engine: records, resource bodies and policies become `json`
// (kept as written) instead of `jsonb` (which reorders object keys by length, then bytes). What
// runiam stores is what it shows: a job, a service, an operation, an organization policy or an
// IAM condition read back on PostgreSQL must answer with its fields in the order written, as on
// SQLite, so the wire JSON and the CLI's YAML are the same on both engines (engines.prop.test.ts
// found a job's `uid` and `etag` first, and conditions as {title, expression}). Nothing indexes
// these columns; the one query that searches policies casts to jsonb. Rows written before this
// migration keep jsonb's order until they are next written.
import type { Migration } from './migrations.js'

const COLUMNS: readonly (readonly [table: string, column: string])[] = [
  ['organizations', 'record'],
  ['projects', 'record'],
  ['resources', 'body'],
  ['policies', 'policy'],
  ['operations', 'body'],
  ['signing_keys', 'record'],
  ['org_policies', 'policy'],
  ['service_accounts', 'record'],
  ['service_account_keys', 'record'],
  ['cloud_identity_groups', 'record'],
  ['cloud_identity_memberships', 'record'],
  ['custom_roles', 'record'],
]

export const POSTGRES_JSON_BODIES_MIGRATION: Migration = {
  version: 8,
  sql: COLUMNS.map(
    ([table, column]) =>
      `ALTER TABLE ${table} ALTER COLUMN ${column} TYPE json USING ${column}::json;`,
  ).join('\n'),
}
