// Cloud Identity group rows on one better-sqlite3 connection (the reader's or the writer's), with
// statements prepared once per connection. Driver errors are translated here.
import type Database from 'better-sqlite3'
import type { GroupRecord, MembershipEdge, MembershipRecord } from '../group-records.js'
import type { GroupRowWrites } from '../internal/group-row-ops.js'
import { translateSqliteError } from './sqlite-errors.js'

function sync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(translateSqliteError(error))
  }
}

const parse = <T>(row: { record: string } | undefined): T | undefined =>
  row === undefined ? undefined : (JSON.parse(row.record) as T)

const isForeignKeyViolation = (error: unknown): boolean =>
  (error as { code?: unknown } | null)?.code === 'SQLITE_CONSTRAINT_FOREIGNKEY'

export class SqliteGroupRows implements GroupRowWrites {
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

  #get<R>(sql: string, ...params: unknown[]): R | undefined {
    return this.#stmt(sql).get(...params) as R | undefined
  }

  #all<R>(sql: string, ...params: unknown[]): R[] {
    return this.#stmt(sql).all(...params) as R[]
  }

  #run(sql: string, ...params: unknown[]): boolean {
    return this.#stmt(sql).run(...params).changes > 0
  }

  group(id: string): Promise<GroupRecord | undefined> {
    return sync(() => parse(this.#get('SELECT record FROM cloud_identity_groups WHERE id = ?', id)))
  }

  groupByEmail(email: string): Promise<GroupRecord | undefined> {
    return sync(() =>
      parse(this.#get('SELECT record FROM cloud_identity_groups WHERE email = ?', email)),
    )
  }

  groups(parent: string, after: string | undefined, limit: number): Promise<GroupRecord[]> {
    return sync(() =>
      this.#all<{ record: string }>(
        'SELECT record FROM cloud_identity_groups WHERE parent = ? AND email > ? ORDER BY email LIMIT ?',
        parent,
        after ?? '',
        limit,
      ).map((r) => JSON.parse(r.record) as GroupRecord),
    )
  }

  membership(groupId: string, id: string): Promise<MembershipRecord | undefined> {
    return sync(() =>
      parse(
        this.#get(
          'SELECT record FROM cloud_identity_memberships WHERE group_id = ? AND id = ?',
          groupId,
          id,
        ),
      ),
    )
  }

  membershipByMember(groupId: string, memberKey: string): Promise<MembershipRecord | undefined> {
    return sync(() =>
      parse(
        this.#get(
          'SELECT record FROM cloud_identity_memberships WHERE group_id = ? AND member_key = ?',
          groupId,
          memberKey,
        ),
      ),
    )
  }

  memberships(
    groupId: string,
    after: string | undefined,
    limit: number,
  ): Promise<MembershipRecord[]> {
    return sync(() =>
      this.#all<{ record: string }>(
        'SELECT record FROM cloud_identity_memberships WHERE group_id = ? AND member_key > ? ORDER BY member_key LIMIT ?',
        groupId,
        after ?? '',
        limit,
      ).map((r) => JSON.parse(r.record) as MembershipRecord),
    )
  }

  membershipEdges(): Promise<MembershipEdge[]> {
    return sync(() =>
      this.#all<{ group_email: string; member_key: string; type: MembershipEdge['type'] }>(
        `SELECT g.email AS group_email, m.member_key, m.type
         FROM cloud_identity_memberships m JOIN cloud_identity_groups g ON g.id = m.group_id`,
      ).map((r) => ({ groupEmail: r.group_email, memberKey: r.member_key, type: r.type })),
    )
  }

  // --- writes (only on the write connection, inside BEGIN IMMEDIATE)

  insertGroup(g: GroupRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'INSERT INTO cloud_identity_groups (id, email, parent, record) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
        g.id,
        g.email,
        g.parent,
        JSON.stringify(g),
      ),
    )
  }

  updateGroup(g: GroupRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'UPDATE cloud_identity_groups SET parent = ?, record = ? WHERE id = ? AND email = ?',
        g.parent,
        JSON.stringify(g),
        g.id,
        g.email,
      ),
    )
  }

  deleteGroup(id: string): Promise<boolean> {
    return sync(() => this.#run('DELETE FROM cloud_identity_groups WHERE id = ?', id))
  }

  insertMembership(m: MembershipRecord): Promise<'inserted' | 'exists' | 'missing'> {
    try {
      const inserted = this.#run(
        `INSERT INTO cloud_identity_memberships (group_id, id, member_key, type, member_group_id, record)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        m.groupId,
        m.id,
        m.memberKey,
        m.type,
        m.memberGroupId ?? null,
        JSON.stringify(m),
      )
      return Promise.resolve(inserted ? 'inserted' : 'exists')
    } catch (error) {
      if (isForeignKeyViolation(error)) return Promise.resolve('missing')
      return Promise.reject(translateSqliteError(error))
    }
  }

  deleteMembership(groupId: string, id: string): Promise<boolean> {
    return sync(() =>
      this.#run(
        'DELETE FROM cloud_identity_memberships WHERE group_id = ? AND id = ?',
        groupId,
        id,
      ),
    )
  }
}
