// Google's IAM (iam.googleapis.com v1) JSON shapes for roles and testable permissions:
// roles.list/get, projects.roles.*, organizations.roles.* and permissions.queryTestablePermissions.

/** google.iam.admin.v1.Role.RoleLaunchStage (ALPHA, the proto3 default, is never sent). */
export type RoleLaunchStage = 'ALPHA' | 'BETA' | 'GA' | 'DEPRECATED' | 'DISABLED' | 'EAP'

/** google.iam.admin.v1.Role. Absent fields are proto3 defaults (empty, false, ALPHA). */
export interface Role {
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly includedPermissions?: readonly string[]
  readonly stage?: RoleLaunchStage
  /** base64 bytes. */
  readonly etag?: string
  readonly deleted?: boolean
}

export interface ListRolesResponse {
  readonly roles?: readonly Role[]
  readonly nextPageToken?: string
}

/** CreateRoleRequest's body. */
export interface CreateRoleRequest {
  readonly roleId: string
  readonly role?: Omit<Role, 'name'>
}

/** google.iam.admin.v1.Permission. */
export interface Permission {
  readonly name: string
  readonly title?: string
  readonly description?: string
  readonly stage?: 'ALPHA' | 'BETA' | 'GA' | 'DEPRECATED'
  readonly customRolesSupportLevel?: 'SUPPORTED' | 'TESTING' | 'NOT_SUPPORTED'
  readonly apiDisabled?: boolean
  readonly primaryPermission?: string
}

export interface QueryTestablePermissionsResponse {
  readonly permissions?: readonly Permission[]
  readonly nextPageToken?: string
}
