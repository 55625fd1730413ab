// Recommender row operations (grant usage, first sightings, recommendation states) on one
// better-sqlite3 connection, statements prepared once per connection. Driver errors are translated
// before they leave.
import type Database from 'better-sqlite3'
import type { RecommenderRows } from '../internal/recommender-rows.js'
import type {
  GrantKeyRecord,
  GrantSeenRecord,
  GrantUsageRecord,
  RecommendationStateRecord,
} from '../recommender-store.js'
import { translateSqliteError } from './sqlite-errors.js'

function sync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(translateSqliteError(error))
  }
}

interface UsageRow {
  scope: string
  role: string
  member: string
  condition: string
  permission: string
  last_used_ms: number
}
interface SeenRow {
  scope: string
  role: string
  member: string
  condition: string
  first_seen_ms: number
}

const IN_PROJECT = '(scope = ? OR (scope >= ? AND scope < ?))'

export class SqliteRecommenderRows implements RecommenderRows {
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

  grantUsage(project: string, from: string, to: string): Promise<GrantUsageRecord[]> {
    return sync(() =>
      (
        this.#stmt(
          `SELECT scope, role, member, condition, permission, last_used_ms FROM grant_usage WHERE ${IN_PROJECT} ORDER BY scope, role, member, condition, permission`,
        ).all(project, from, to) as UsageRow[]
      ).map((r) => ({
        scope: r.scope,
        role: r.role,
        member: r.member,
        condition: r.condition,
        permission: r.permission,
        lastUsedMs: r.last_used_ms,
      })),
    )
  }

  grantsSeen(project: string, from: string, to: string): Promise<GrantSeenRecord[]> {
    return sync(() =>
      (
        this.#stmt(
          `SELECT scope, role, member, condition, first_seen_ms FROM grants_seen WHERE ${IN_PROJECT} ORDER BY scope, role, member, condition`,
        ).all(project, from, to) as SeenRow[]
      ).map((r) => ({
        scope: r.scope,
        role: r.role,
        member: r.member,
        condition: r.condition,
        firstSeenMs: r.first_seen_ms,
      })),
    )
  }

  upsertGrantUsage(rows: readonly GrantUsageRecord[]): Promise<void> {
    return sync(() => {
      const stmt = this.#stmt(
        `INSERT INTO grant_usage (scope, role, member, condition, permission, last_used_ms)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (scope, role, member, condition, permission)
         DO UPDATE SET last_used_ms = max(last_used_ms, excluded.last_used_ms)`,
      )
      for (const r of rows) {
        stmt.run(r.scope, r.role, r.member, r.condition, r.permission, Math.trunc(r.lastUsedMs))
      }
    })
  }

  upsertGrantsSeen(rows: readonly GrantSeenRecord[]): Promise<void> {
    return sync(() => {
      const stmt = this.#stmt(
        `INSERT INTO grants_seen (scope, role, member, condition, first_seen_ms)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (scope, role, member, condition)
         DO UPDATE SET first_seen_ms = min(first_seen_ms, excluded.first_seen_ms)`,
      )
      for (const r of rows) {
        stmt.run(r.scope, r.role, r.member, r.condition, Math.trunc(r.firstSeenMs))
      }
    })
  }

  deleteGrantsSeen(keys: readonly GrantKeyRecord[]): Promise<void> {
    return sync(() => {
      const stmt = this.#stmt(
        'DELETE FROM grants_seen WHERE scope = ? AND role = ? AND member = ? AND condition = ?',
      )
      for (const k of keys) stmt.run(k.scope, k.role, k.member, k.condition)
    })
  }

  recommendationState(name: string): Promise<RecommendationStateRecord | undefined> {
    return sync(() => {
      const row = this.#stmt('SELECT record FROM recommendation_states WHERE name = ?').get(
        name,
      ) as { record: string } | undefined
      return row === undefined ? undefined : (JSON.parse(row.record) as RecommendationStateRecord)
    })
  }

  recommendationStates(parent: string): Promise<RecommendationStateRecord[]> {
    return sync(() =>
      (
        this.#stmt('SELECT record FROM recommendation_states WHERE parent = ? ORDER BY name').all(
          parent,
        ) as { record: string }[]
      ).map((r) => JSON.parse(r.record) as RecommendationStateRecord),
    )
  }

  insertRecommendationState(record: RecommendationStateRecord): Promise<boolean> {
    return sync(
      () =>
        this.#stmt(
          `INSERT INTO recommendation_states (name, parent, etag, record) VALUES (?, ?, ?, ?)
           ON CONFLICT (name) DO NOTHING`,
        ).run(record.name, record.parent, record.etag, JSON.stringify(record)).changes === 1,
    )
  }

  updateRecommendationState(record: RecommendationStateRecord, ifEtag: string): Promise<boolean> {
    return sync(
      () =>
        this.#stmt(
          'UPDATE recommendation_states SET etag = ?, record = ? WHERE name = ? AND etag = ?',
        ).run(record.etag, JSON.stringify(record), record.name, ifEtag).changes === 1,
    )
  }
}
