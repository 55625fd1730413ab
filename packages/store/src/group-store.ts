// The Store's Cloud Identity half: groups and memberships, read (GroupReader, part of StoreReader)
// and written inside a transaction (GroupWriter, part of StoreTx). Both engines implement it and
// groups.contract.ts pins its behaviour on both.
import type { GroupRecord, MembershipEdge, MembershipRecord } from './group-records.js'
import type { Page, PageRequest } from './records.js'

export interface GroupReader {
  /** By id (the `{id}` of `groups/{id}`). */
  getGroup(id: string): Promise<GroupRecord | undefined>
  /** By email, case-insensitive. */
  getGroupByEmail(email: string): Promise<GroupRecord | undefined>
  /** The groups of a customer (`customers/C…`), ordered by email. */
  listGroups(parent: string, page?: PageRequest): Promise<Page<GroupRecord>>
  getMembership(groupId: string, id: string): Promise<MembershipRecord | undefined>
  /** The group's membership of a member, by the member's email (case-insensitive). */
  findMembership(groupId: string, memberKey: string): Promise<MembershipRecord | undefined>
  /** A group's memberships, ordered by member email. */
  listMemberships(groupId: string, page?: PageRequest): Promise<Page<MembershipRecord>>
  /** Every membership of every group, as edges (the server's in-memory group index). */
  listMembershipEdges(): Promise<readonly MembershipEdge[]>
}

export interface GroupWriter {
  /** ALREADY_EXISTS if the id or the email is taken. */
  createGroup(group: GroupRecord): Promise<void>
  /** Replaces the record, matched by id; the email never changes. NOT_FOUND if missing. */
  updateGroup(group: GroupRecord): Promise<void>
  /**
   * Also deletes the group's memberships and every membership naming it as a member (in other
   * groups). NOT_FOUND if missing.
   */
  deleteGroup(id: string): Promise<void>
  /**
   * NOT_FOUND if the group is missing (or, for a GROUP member, the member group); ALREADY_EXISTS
   * if the group already has a membership of that id or member.
   */
  createMembership(membership: MembershipRecord): Promise<void>
  /** NOT_FOUND if missing. */
  deleteMembership(groupId: string, id: string): Promise<void>
}
