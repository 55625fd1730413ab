// Google's Cloud Identity Groups API (cloudidentity.googleapis.com v1) JSON shapes for the methods
// runiam serves: groups and their memberships.

/** google.apps.cloudidentity.groups.v1.EntityKey: a group's or member's email. */
export interface EntityKey {
  readonly id: string
  /** External identity sources only; runiam has none. */
  readonly namespace?: string
}

/** google.apps.cloudidentity.groups.v1.Group. */
export interface Group {
  readonly name: string
  readonly groupKey: EntityKey
  /** `customers/{customerId}` */
  readonly parent: string
  readonly displayName?: string
  readonly description?: string
  readonly createTime?: string
  readonly updateTime?: string
  readonly labels: Readonly<Record<string, string>>
}

export interface ListGroupsResponse {
  readonly groups?: readonly Group[]
  readonly nextPageToken?: string
}

export interface LookupGroupNameResponse {
  readonly name: string
}

/** google.apps.cloudidentity.groups.v1.MembershipRole. */
export interface MembershipRole {
  readonly name: 'OWNER' | 'MANAGER' | 'MEMBER'
}

/** google.apps.cloudidentity.groups.v1.Membership. */
export interface Membership {
  readonly name: string
  readonly preferredMemberKey: EntityKey
  readonly roles: readonly MembershipRole[]
  readonly type?: 'USER' | 'SERVICE_ACCOUNT' | 'GROUP'
  readonly createTime?: string
  readonly updateTime?: string
}

export interface ListMembershipsResponse {
  readonly memberships?: readonly Membership[]
  readonly nextPageToken?: string
}

export interface LookupMembershipNameResponse {
  readonly name: string
}

/**
 * The google.longrunning.Operation Cloud Identity answers writes with: always done, no name (it
 * has no operations service), the result in `response` with its `@type`.
 */
export interface CloudIdentityOperation {
  readonly done: true
  readonly response: Readonly<Record<string, unknown>> & { readonly '@type': string }
}
