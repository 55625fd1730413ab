// Custom-role row operations on one better-sqlite3 connection (the reader's or the writer's),
// with statements prepared once per connection. Driver errors are translated before they leave.
import type Database from 'better-sqlite3'
import type { CustomRoleRecord } from '../custom-roles.js'
import type { CustomRoleRows } from '../internal/custom-role-rows.js'
import type { StoredPolicy } from '../records.js'
import { translateSqliteError } from './sqlite-errors.js'

function sync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(translateSqliteError(error))
  }
}

const parse = (row: { record: string }): CustomRoleRecord =>
  JSON.parse(row.record) as CustomRoleRecord

export class SqliteCustomRoleRows implements CustomRoleRows {
  readonly #db: Database.Database
  readonly #statements = new Map<string, Database.Statement>()

  constructor(db: Database.Database) {
    this.#db = db
  }

  #stmt(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql)
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql)
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  customRole(name: string): Promise<CustomRoleRecord | undefined> {
    return sync(() => {
      const row = this.#stmt('SELECT record FROM custom_roles WHERE name = ?').get(name) as
        { record: string } | undefined
      return row === undefined ? undefined : parse(row)
    })
  }

  customRolesByName(names: readonly string[]): Promise<CustomRoleRecord[]> {
    return sync(() =>
      (
        this.#stmt(
          'SELECT record FROM custom_roles WHERE name IN (SELECT value FROM json_each(?))',
        ).all(JSON.stringify(names)) as { record: string }[]
      ).map(parse),
    )
  }

  customRoles(
    parent: string,
    showDeleted: boolean,
    after: string | undefined,
    limit: number,
  ): Promise<CustomRoleRecord[]> {
    return sync(() =>
      (
        this.#stmt(
          `SELECT record FROM custom_roles
           WHERE parent = ? AND name > ? AND (? OR deleted = 0)
           ORDER BY name LIMIT ?`,
        ).all(parent, after ?? '', showDeleted ? 1 : 0, limit) as { record: string }[]
      ).map(parse),
    )
  }

  policiesBindingRole(role: string): Promise<StoredPolicy[]> {
    return sync(() =>
      (
        this.#stmt(
          `SELECT resource, etag, update_time, policy FROM policies p
           WHERE EXISTS (SELECT 1 FROM json_each(p.policy, '$.bindings') b
                         WHERE json_extract(b.value, '$.role') = ?)
           ORDER BY resource`,
        ).all(role) as { resource: string; etag: string; update_time: string; policy: string }[]
      ).map((r) => ({
        resource: r.resource,
        policy: JSON.parse(r.policy) as StoredPolicy['policy'],
        etag: r.etag,
        updateTime: r.update_time,
      })),
    )
  }

  insertCustomRole(role: CustomRoleRecord): Promise<boolean> {
    return sync(
      () =>
        this.#stmt(
          'INSERT INTO custom_roles (name, parent, deleted, record) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
        ).run(role.name, role.parent, role.deleteTime === undefined ? 0 : 1, JSON.stringify(role))
          .changes > 0,
    )
  }

  updateCustomRole(role: CustomRoleRecord, ifEtag: string | undefined): Promise<boolean> {
    return sync(
      () =>
        this.#stmt(
          `UPDATE custom_roles SET deleted = ?, record = ?
           WHERE name = ? AND (? IS NULL OR json_extract(record, '$.etag') = ?)`,
        ).run(
          role.deleteTime === undefined ? 0 : 1,
          JSON.stringify(role),
          role.name,
          ifEtag ?? null,
          ifEtag ?? null,
        ).changes > 0,
    )
  }

  deleteCustomRole(name: string): Promise<boolean> {
    return sync(() => this.#stmt('DELETE FROM custom_roles WHERE name = ?').run(name).changes > 0)
  }

  lockCustomRoles(): Promise<void> {
    // Writes already run one at a time (BEGIN IMMEDIATE on the one write connection).
    return Promise.resolve()
  }
}
