// What an engine must provide for Cloud Identity groups: plain row operations in its own SQL
// dialect. The meaning built on them (errors, paging, the change feed) lives once, in
// group-reader.ts and group-tx.ts. Every method translates driver errors before they leave it.
import type { GroupRecord, MembershipEdge, MembershipRecord } from '../group-records.js'

export interface GroupRowReads {
  group(id: string): Promise<GroupRecord | undefined>
  /** `email` is already lower-case. */
  groupByEmail(email: string): Promise<GroupRecord | undefined>
  /** Ordered by email, emails greater than `after`, at most `limit`. */
  groups(parent: string, after: string | undefined, limit: number): Promise<GroupRecord[]>
  membership(groupId: string, id: string): Promise<MembershipRecord | undefined>
  /** `memberKey` is already lower-case. */
  membershipByMember(groupId: string, memberKey: string): Promise<MembershipRecord | undefined>
  /** Ordered by member key, keys greater than `after`, at most `limit`. */
  memberships(
    groupId: string,
    after: string | undefined,
    limit: number,
  ): Promise<MembershipRecord[]>
  membershipEdges(): Promise<MembershipEdge[]>
}

/** Row writes. Booleans say whether a row was written (false: key taken or missing). */
export interface GroupRowWrites extends GroupRowReads {
  /** False if the id or the email is taken. */
  insertGroup(group: GroupRecord): Promise<boolean>
  /** Only where both the id and the email match. */
  updateGroup(group: GroupRecord): Promise<boolean>
  /** Its memberships, and memberships naming it as a member, go with it (ON DELETE CASCADE). */
  deleteGroup(id: string): Promise<boolean>
  /**
   * 'exists' when the group already has a membership of that id or member key; 'missing' when the
   * group (or the member group) is not there (a foreign key refused the row).
   */
  insertMembership(membership: MembershipRecord): Promise<'inserted' | 'exists' | 'missing'>
  deleteMembership(groupId: string, id: string): Promise<boolean>
}
