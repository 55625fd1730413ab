// What the store keeps of Cloud Identity groups (cloudidentity.googleapis.com v1): groups, their
// memberships, and the membership edges the server's group index is built from. Records are plain
// data; the API's JSON shapes are built from them by the server.

/** A Google group of the organization's customer. Its resource name is `groups/{id}`. */
export interface GroupRecord {
  /** The group's unique id, e.g. "01abcdefghij234": never reused, never changes. */
  readonly id: string
  /** The group's email (its groupKey.id), lower-case; unique among groups. */
  readonly email: string
  /** `customers/{customerId}` */
  readonly parent: string
  readonly displayName: string
  readonly description: string
  /** Label keys with empty values, e.g. `cloudidentity.googleapis.com/groups.discussion_forum`. */
  readonly labels: Readonly<Record<string, string>>
  readonly createTime: string
  readonly updateTime: string
}

/** Membership.type: what the member is. */
export type GroupMemberType = 'USER' | 'SERVICE_ACCOUNT' | 'GROUP'

/** One member of one group. Its resource name is `groups/{groupId}/memberships/{id}`. */
export interface MembershipRecord {
  readonly groupId: string
  /** Unique within the group. */
  readonly id: string
  /** The member's email (its preferredMemberKey.id), lower-case; unique within the group. */
  readonly memberKey: string
  readonly type: GroupMemberType
  /**
   * For a GROUP member, the member group's id: the membership goes when that group is deleted,
   * so a new group that later takes the same email never inherits it.
   */
  readonly memberGroupId?: string
  /** MembershipRole names: MEMBER, and OWNER or MANAGER. */
  readonly roles: readonly string[]
  readonly createTime: string
  readonly updateTime: string
}

/** A membership as the group index needs it: who is directly in which group. */
export interface MembershipEdge {
  /** The containing group's email. */
  readonly groupEmail: string
  /** The member's email (for a GROUP member: that group's email). */
  readonly memberKey: string
  readonly type: GroupMemberType
}

/** The resource name of a group. */
export const groupName = (id: string): string => `groups/${id}`

/** The resource name of a membership. */
export const membershipName = (groupId: string, id: string): string =>
  `groups/${groupId}/memberships/${id}`
