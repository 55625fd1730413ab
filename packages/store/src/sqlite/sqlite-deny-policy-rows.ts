// Deny-policy row operations on one better-sqlite3 connection (the reader's or the writer's), with
// statements prepared once per connection. Driver errors are translated before they leave.
import type Database from 'better-sqlite3'
import type { DenyPolicyRecord } from '../deny-policies.js'
import type { DenyPolicyRows } from '../internal/deny-policy-rows.js'
import { translateSqliteError } from './sqlite-errors.js'

function sync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(translateSqliteError(error))
  }
}

const parse = (row: { record: string }): DenyPolicyRecord =>
  JSON.parse(row.record) as DenyPolicyRecord

export class SqliteDenyPolicyRows implements DenyPolicyRows {
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

  denyPolicy(attachmentPoint: string, policyId: string): Promise<DenyPolicyRecord | undefined> {
    return sync(() => {
      const row = this.#stmt(
        'SELECT record FROM deny_policies WHERE attachment_point = ? AND policy_id = ?',
      ).get(attachmentPoint, policyId) as { record: string } | undefined
      return row === undefined ? undefined : parse(row)
    })
  }

  denyPolicies(
    attachmentPoint: string,
    after: string | undefined,
    limit: number,
  ): Promise<DenyPolicyRecord[]> {
    return sync(() =>
      (
        this.#stmt(
          `SELECT record FROM deny_policies WHERE attachment_point = ? AND policy_id > ?
           ORDER BY policy_id LIMIT ?`,
        ).all(attachmentPoint, after ?? '', limit) as { record: string }[]
      ).map(parse),
    )
  }

  denyPoliciesAt(attachmentPoints: readonly string[]): Promise<DenyPolicyRecord[]> {
    return sync(() =>
      (
        this.#stmt(
          `SELECT record FROM deny_policies
           WHERE attachment_point IN (SELECT value FROM json_each(?))
           ORDER BY attachment_point, policy_id`,
        ).all(JSON.stringify(attachmentPoints)) as { record: string }[]
      ).map(parse),
    )
  }

  anyDenyPolicy(): Promise<boolean> {
    return sync(() => this.#stmt('SELECT 1 FROM deny_policies LIMIT 1').get() !== undefined)
  }

  insertDenyPolicy(policy: DenyPolicyRecord): Promise<boolean> {
    return sync(
      () =>
        this.#stmt(
          `INSERT INTO deny_policies (attachment_point, policy_id, record) VALUES (?, ?, ?)
           ON CONFLICT DO NOTHING`,
        ).run(policy.attachmentPoint, policy.policyId, JSON.stringify(policy)).changes > 0,
    )
  }

  updateDenyPolicy(policy: DenyPolicyRecord, ifEtag: string | undefined): Promise<boolean> {
    return sync(
      () =>
        this.#stmt(
          `UPDATE deny_policies SET record = ?
           WHERE attachment_point = ? AND policy_id = ?
             AND (? IS NULL OR json_extract(record, '$.etag') = ?)`,
        ).run(
          JSON.stringify(policy),
          policy.attachmentPoint,
          policy.policyId,
          ifEtag ?? null,
          ifEtag ?? null,
        ).changes > 0,
    )
  }

  deleteDenyPolicy(
    attachmentPoint: string,
    policyId: string,
    ifEtag: string | undefined,
  ): Promise<boolean> {
    return sync(
      () =>
        this.#stmt(
          `DELETE FROM deny_policies WHERE attachment_point = ? AND policy_id = ?
           AND (? IS NULL OR json_extract(record, '$.etag') = ?)`,
        ).run(attachmentPoint, policyId, ifEtag ?? null, ifEtag ?? null).changes > 0,
    )
  }

  lockDenyPolicies(): Promise<void> {
    // Writes already run one at a time (BEGIN IMMEDIATE on the one write connection).
    return Promise.resolve()
  }
}
