// Deny-policy row operations over node-postgres: the pool outside transactions, the leased client
// inside transact(). Named statements, so each connection prepares them once. Driver errors are
// translated before they leave.
import type pg from 'pg'
import type { DenyPolicyRecord } from '../deny-policies.js'
import type { DenyPolicyRows } from '../internal/deny-policy-rows.js'
import { translatePgError } from './pg-errors.js'
import type { Queryable } from './pg-lease.js'

export class PgDenyPolicyRows implements DenyPolicyRows {
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

  async #records(name: string, text: string, values: unknown[]): Promise<DenyPolicyRecord[]> {
    return (await this.#query<{ record: DenyPolicyRecord }>(name, text, values)).rows.map(
      (r) => r.record,
    )
  }

  async denyPolicy(
    attachmentPoint: string,
    policyId: string,
  ): Promise<DenyPolicyRecord | undefined> {
    const rows = await this.#records(
      'deny_policy',
      'SELECT record FROM deny_policies WHERE attachment_point = $1 AND policy_id = $2',
      [attachmentPoint, policyId],
    )
    return rows[0]
  }

  denyPolicies(
    attachmentPoint: string,
    after: string | undefined,
    limit: number,
  ): Promise<DenyPolicyRecord[]> {
    return this.#records(
      'deny_policies_of',
      `SELECT record FROM deny_policies WHERE attachment_point = $1 AND policy_id > $2
       ORDER BY policy_id LIMIT $3`,
      [attachmentPoint, after ?? '', limit],
    )
  }

  denyPoliciesAt(attachmentPoints: readonly string[]): Promise<DenyPolicyRecord[]> {
    return this.#records(
      'deny_policies_at',
      `SELECT record FROM deny_policies WHERE attachment_point = ANY($1::text[])
       ORDER BY attachment_point, policy_id`,
      [attachmentPoints],
    )
  }

  async anyDenyPolicy(): Promise<boolean> {
    const r = await this.#query('any_deny_policy', 'SELECT 1 FROM deny_policies LIMIT 1', [])
    return r.rows.length > 0
  }

  async insertDenyPolicy(policy: DenyPolicyRecord): Promise<boolean> {
    const r = await this.#query(
      'insert_deny_policy',
      `INSERT INTO deny_policies (attachment_point, policy_id, record) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [policy.attachmentPoint, policy.policyId, JSON.stringify(policy)],
    )
    return (r.rowCount ?? 0) > 0
  }

  async updateDenyPolicy(policy: DenyPolicyRecord, ifEtag: string | undefined): Promise<boolean> {
    const r = await this.#query(
      'update_deny_policy',
      `UPDATE deny_policies SET record = $1
       WHERE attachment_point = $2 AND policy_id = $3 AND ($4::text IS NULL OR record->>'etag' = $4)`,
      [JSON.stringify(policy), policy.attachmentPoint, policy.policyId, ifEtag ?? null],
    )
    return (r.rowCount ?? 0) > 0
  }

  async deleteDenyPolicy(
    attachmentPoint: string,
    policyId: string,
    ifEtag: string | undefined,
  ): Promise<boolean> {
    const r = await this.#query(
      'delete_deny_policy',
      `DELETE FROM deny_policies
       WHERE attachment_point = $1 AND policy_id = $2 AND ($3::text IS NULL OR record->>'etag' = $3)`,
      [attachmentPoint, policyId, ifEtag ?? null],
    )
    return (r.rowCount ?? 0) > 0
  }

  async lockDenyPolicies(attachmentPoint: string): Promise<void> {
    // Two int4 keys: a key space apart from the migration lock's and the custom roles' pairs.
    await this.#query(
      'lock_deny_policies',
      "SELECT pg_advisory_xact_lock(hashtext('runiam.deny_policies'), hashtext($1))",
      [attachmentPoint],
    )
  }
}
