// Cloud Identity group rows over node-postgres: the pool for reads outside transactions, the
// leased client inside transact(). Named statements, so each connection prepares them once.
// Driver errors are translated here.
import type pg from 'pg'
import type { GroupRecord, MembershipEdge, MembershipRecord } from '../group-records.js'
import type { GroupRowWrites } from '../internal/group-row-ops.js'
import { translatePgError } from './pg-errors.js'
import type { Queryable } from './pg-lease.js'

export class PgGroupRows implements GroupRowWrites {
  readonly #db: Queryable

  constructor(db: Queryable) {
    this.#db = db
  }

  async #query<R extends pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.#db.query<R>({ name: `runiam_${name}`, text, values })
    } catch (error) {
      throw translatePgError(error)
    }
  }

  async #records<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    return (await this.#query<{ record: T }>(name, text, values)).rows.map((r) => r.record)
  }

  async #changed(name: string, text: string, values: unknown[]): Promise<boolean> {
    return ((await this.#query(name, text, values)).rowCount ?? 0) > 0
  }

  async group(id: string): Promise<GroupRecord | undefined> {
    return (
      await this.#records<GroupRecord>(
        'ci_group',
        'SELECT record FROM cloud_identity_groups WHERE id = $1',
        [id],
      )
    )[0]
  }

  async groupByEmail(email: string): Promise<GroupRecord | undefined> {
    return (
      await this.#records<GroupRecord>(
        'ci_group_by_email',
        'SELECT record FROM cloud_identity_groups WHERE email = $1',
        [email],
      )
    )[0]
  }

  groups(parent: string, after: string | undefined, limit: number): Promise<GroupRecord[]> {
    return this.#records<GroupRecord>(
      'ci_groups',
      'SELECT record FROM cloud_identity_groups WHERE parent = $1 AND email > $2 ORDER BY email LIMIT $3',
      [parent, after ?? '', limit],
    )
  }

  async membership(groupId: string, id: string): Promise<MembershipRecord | undefined> {
    return (
      await this.#records<MembershipRecord>(
        'ci_membership',
        'SELECT record FROM cloud_identity_memberships WHERE group_id = $1 AND id = $2',
        [groupId, id],
      )
    )[0]
  }

  async membershipByMember(
    groupId: string,
    memberKey: string,
  ): Promise<MembershipRecord | undefined> {
    return (
      await this.#records<MembershipRecord>(
        'ci_membership_by_member',
        'SELECT record FROM cloud_identity_memberships WHERE group_id = $1 AND member_key = $2',
        [groupId, memberKey],
      )
    )[0]
  }

  memberships(
    groupId: string,
    after: string | undefined,
    limit: number,
  ): Promise<MembershipRecord[]> {
    return this.#records<MembershipRecord>(
      'ci_memberships',
      'SELECT record FROM cloud_identity_memberships WHERE group_id = $1 AND member_key > $2 ORDER BY member_key LIMIT $3',
      [groupId, after ?? '', limit],
    )
  }

  async membershipEdges(): Promise<MembershipEdge[]> {
    const { rows } = await this.#query<{
      group_email: string
      member_key: string
      type: MembershipEdge['type']
    }>(
      'ci_membership_edges',
      `SELECT g.email AS group_email, m.member_key, m.type
       FROM cloud_identity_memberships m JOIN cloud_identity_groups g ON g.id = m.group_id`,
    )
    return rows.map((r) => ({ groupEmail: r.group_email, memberKey: r.member_key, type: r.type }))
  }

  // --- writes (only on a leased client, inside BEGIN … COMMIT)

  insertGroup(g: GroupRecord): Promise<boolean> {
    return this.#changed(
      'ci_insert_group',
      `INSERT INTO cloud_identity_groups (id, email, parent, record) VALUES ($1, $2, $3, $4::json)
       ON CONFLICT DO NOTHING`,
      [g.id, g.email, g.parent, JSON.stringify(g)],
    )
  }

  updateGroup(g: GroupRecord): Promise<boolean> {
    return this.#changed(
      'ci_update_group',
      'UPDATE cloud_identity_groups SET parent = $1, record = $2::json WHERE id = $3 AND email = $4',
      [g.parent, JSON.stringify(g), g.id, g.email],
    )
  }

  deleteGroup(id: string): Promise<boolean> {
    return this.#changed('ci_delete_group', 'DELETE FROM cloud_identity_groups WHERE id = $1', [id])
  }

  async insertMembership(m: MembershipRecord): Promise<'inserted' | 'exists' | 'missing'> {
    // Lock the group (and the member group) against deletion until commit first: a failed
    // foreign key would abort the whole transaction, and the lock makes the check hold.
    const wanted = m.memberGroupId === undefined ? [m.groupId] : [m.groupId, m.memberGroupId]
    const { rows } = await this.#query<{ id: string }>(
      'ci_lock_groups',
      'SELECT id FROM cloud_identity_groups WHERE id = ANY($1::text[]) FOR KEY SHARE',
      [wanted],
    )
    if (rows.length < new Set(wanted).size) return 'missing'
    const inserted = await this.#changed(
      'ci_insert_membership',
      `INSERT INTO cloud_identity_memberships (group_id, id, member_key, type, member_group_id, record)
       VALUES ($1, $2, $3, $4, $5, $6::json) ON CONFLICT DO NOTHING`,
      [m.groupId, m.id, m.memberKey, m.type, m.memberGroupId ?? null, JSON.stringify(m)],
    )
    return inserted ? 'inserted' : 'exists'
  }

  deleteMembership(groupId: string, id: string): Promise<boolean> {
    return this.#changed(
      'ci_delete_membership',
      'DELETE FROM cloud_identity_memberships WHERE group_id = $1 AND id = $2',
      [groupId, id],
    )
  }
}
