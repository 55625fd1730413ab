// Recommender row operations (grant usage, first sightings, recommendation states) over
// node-postgres: the pool outside transactions, the leased client inside transact(). Named
// statements; a batch is one statement over unnest()ed arrays. Driver errors are translated
// before they leave.
import type pg from 'pg'
import type { RecommenderRows } from '../internal/recommender-rows.js'
import type {
  GrantKeyRecord,
  GrantSeenRecord,
  GrantUsageRecord,
  RecommendationStateRecord,
} from '../recommender-store.js'
import { translatePgError } from './pg-errors.js'
import type { Queryable } from './pg-lease.js'

const IN_PROJECT = '(scope = $1 OR (scope >= $2 AND scope < $3))'

export class PgRecommenderRows implements RecommenderRows {
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

  async grantUsage(project: string, from: string, to: string): Promise<GrantUsageRecord[]> {
    const r = await this.#query<{
      scope: string
      role: string
      member: string
      condition: string
      permission: string
      last_used_ms: string
    }>(
      'grant_usage_of',
      `SELECT scope, role, member, condition, permission, last_used_ms FROM grant_usage
       WHERE ${IN_PROJECT} ORDER BY scope, role, member, condition, permission`,
      [project, from, to],
    )
    return r.rows.map((x) => ({
      scope: x.scope,
      role: x.role,
      member: x.member,
      condition: x.condition,
      permission: x.permission,
      lastUsedMs: Number(x.last_used_ms),
    }))
  }

  async grantsSeen(project: string, from: string, to: string): Promise<GrantSeenRecord[]> {
    const r = await this.#query<{
      scope: string
      role: string
      member: string
      condition: string
      first_seen_ms: string
    }>(
      'grants_seen_of',
      `SELECT scope, role, member, condition, first_seen_ms FROM grants_seen
       WHERE ${IN_PROJECT} ORDER BY scope, role, member, condition`,
      [project, from, to],
    )
    return r.rows.map((x) => ({
      scope: x.scope,
      role: x.role,
      member: x.member,
      condition: x.condition,
      firstSeenMs: Number(x.first_seen_ms),
    }))
  }

  async upsertGrantUsage(rows: readonly GrantUsageRecord[]): Promise<void> {
    await this.#query(
      'upsert_grant_usage',
      `INSERT INTO grant_usage (scope, role, member, condition, permission, last_used_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[])
       ON CONFLICT (scope, role, member, condition, permission)
       DO UPDATE SET last_used_ms = GREATEST(grant_usage.last_used_ms, excluded.last_used_ms)`,
      [
        rows.map((r) => r.scope),
        rows.map((r) => r.role),
        rows.map((r) => r.member),
        rows.map((r) => r.condition),
        rows.map((r) => r.permission),
        rows.map((r) => String(Math.trunc(r.lastUsedMs))),
      ],
    )
  }

  async upsertGrantsSeen(rows: readonly GrantSeenRecord[]): Promise<void> {
    await this.#query(
      'upsert_grants_seen',
      `INSERT INTO grants_seen (scope, role, member, condition, first_seen_ms)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[])
       ON CONFLICT (scope, role, member, condition)
       DO UPDATE SET first_seen_ms = LEAST(grants_seen.first_seen_ms, excluded.first_seen_ms)`,
      [
        rows.map((r) => r.scope),
        rows.map((r) => r.role),
        rows.map((r) => r.member),
        rows.map((r) => r.condition),
        rows.map((r) => String(Math.trunc(r.firstSeenMs))),
      ],
    )
  }

  async deleteGrantsSeen(keys: readonly GrantKeyRecord[]): Promise<void> {
    await this.#query(
      'delete_grants_seen',
      `DELETE FROM grants_seen g USING unnest($1::text[], $2::text[], $3::text[], $4::text[])
         AS k(scope, role, member, condition)
       WHERE g.scope = k.scope AND g.role = k.role AND g.member = k.member AND g.condition = k.condition`,
      [
        keys.map((r) => r.scope),
        keys.map((r) => r.role),
        keys.map((r) => r.member),
        keys.map((r) => r.condition),
      ],
    )
  }

  async recommendationState(name: string): Promise<RecommendationStateRecord | undefined> {
    const r = await this.#query<{ record: RecommendationStateRecord }>(
      'recommendation_state',
      'SELECT record FROM recommendation_states WHERE name = $1',
      [name],
    )
    return r.rows[0]?.record
  }

  async recommendationStates(parent: string): Promise<RecommendationStateRecord[]> {
    const r = await this.#query<{ record: RecommendationStateRecord }>(
      'recommendation_states_of',
      'SELECT record FROM recommendation_states WHERE parent = $1 ORDER BY name',
      [parent],
    )
    return r.rows.map((x) => x.record)
  }

  async insertRecommendationState(record: RecommendationStateRecord): Promise<boolean> {
    const r = await this.#query(
      'insert_recommendation_state',
      `INSERT INTO recommendation_states (name, parent, etag, record) VALUES ($1, $2, $3, $4)
       ON CONFLICT (name) DO NOTHING`,
      [record.name, record.parent, record.etag, JSON.stringify(record)],
    )
    return r.rowCount === 1
  }

  async updateRecommendationState(
    record: RecommendationStateRecord,
    ifEtag: string,
  ): Promise<boolean> {
    const r = await this.#query(
      'update_recommendation_state',
      'UPDATE recommendation_states SET etag = $1, record = $2 WHERE name = $3 AND etag = $4',
      [record.etag, JSON.stringify(record), record.name, ifEtag],
    )
    return r.rowCount === 1
  }
}
