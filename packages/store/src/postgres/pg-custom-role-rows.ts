// Custom-role row operations over node-postgres: the pool outside transactions, the leased client
// inside transact(). Named statements, so each connection prepares them once. Driver errors are
// translated before they leave.
import type pg from 'pg'
import type { CustomRoleRecord } from '../custom-roles.js'
import type { CustomRoleRows } from '../internal/custom-role-rows.js'
import type { StoredPolicy } from '../records.js'
import { translatePgError } from './pg-errors.js'
import type { Queryable } from './pg-lease.js'

export class PgCustomRoleRows implements CustomRoleRows {
  readonly #db: Queryable

  constructor(db: Queryable) {
    this.#db = db
  }

  async #query<R extends pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.#db.query<R>({ name: `runiam_${name}`, text, values })
    } catch (error) {
      throw translatePgError(error)
    }
  }

  async #records(name: string, text: string, values: unknown[]): Promise<CustomRoleRecord[]> {
    return (await this.#query<{ record: CustomRoleRecord }>(name, text, values)).rows.map(
      (r) => r.record,
    )
  }

  async customRole(name: string): Promise<CustomRoleRecord | undefined> {
    const rows = await this.#records(
      'custom_role',
      'SELECT record FROM custom_roles WHERE name = $1',
      [name],
    )
    return rows[0]
  }

  customRolesByName(names: readonly string[]): Promise<CustomRoleRecord[]> {
    return this.#records(
      'custom_roles_by_name',
      'SELECT record FROM custom_roles WHERE name = ANY($1::text[])',
      [names],
    )
  }

  customRoles(
    parent: string,
    showDeleted: boolean,
    after: string | undefined,
    limit: number,
  ): Promise<CustomRoleRecord[]> {
    return this.#records(
      'custom_roles_of',
      `SELECT record FROM custom_roles
       WHERE parent = $1 AND name > $2 AND ($3 OR NOT deleted)
       ORDER BY name LIMIT $4`,
      [parent, after ?? '', showDeleted, limit],
    )
  }

  async policiesBindingRole(role: string): Promise<StoredPolicy[]> {
    const { rows } = await this.#query<{
      resource: string
      etag: string
      update_time: string
      policy: StoredPolicy['policy']
    }>(
      'policies_binding_role',
      `SELECT resource, etag, update_time, policy FROM policies
       WHERE policy::jsonb->'bindings' @> jsonb_build_array(jsonb_build_object('role', $1::text))
       ORDER BY resource`,
      [role],
    )
    return rows.map((r) => ({
      resource: r.resource,
      policy: r.policy,
      etag: r.etag,
      updateTime: r.update_time,
    }))
  }

  async insertCustomRole(role: CustomRoleRecord): Promise<boolean> {
    const r = await this.#query(
      'insert_custom_role',
      `INSERT INTO custom_roles (name, parent, deleted, record) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [role.name, role.parent, role.deleteTime !== undefined, JSON.stringify(role)],
    )
    return (r.rowCount ?? 0) > 0
  }

  async updateCustomRole(role: CustomRoleRecord, ifEtag: string | undefined): Promise<boolean> {
    const r = await this.#query(
      'update_custom_role',
      `UPDATE custom_roles SET deleted = $1, record = $2
       WHERE name = $3 AND ($4::text IS NULL OR record->>'etag' = $4)`,
      [role.deleteTime !== undefined, JSON.stringify(role), role.name, ifEtag ?? null],
    )
    return (r.rowCount ?? 0) > 0
  }

  async deleteCustomRole(name: string): Promise<boolean> {
    const r = await this.#query('delete_custom_role', 'DELETE FROM custom_roles WHERE name = $1', [
      name,
    ])
    return (r.rowCount ?? 0) > 0
  }

  async lockCustomRoles(parent: string): Promise<void> {
    // Two int4 keys: a key space apart from the migration lock's pair.
    await this.#query(
      'lock_custom_roles',
      "SELECT pg_advisory_xact_lock(hashtext('runiam.custom_roles'), hashtext($1))",
      [parent],
    )
  }
}
