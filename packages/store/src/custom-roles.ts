// What the store keeps of IAM custom roles (projects.roles, organizations.roles) and the store
// methods over them. Kept apart from store.ts so the custom-role surface reads in one place; the
// Store interface extends these.
import type { Page, PageRequest, StoredPolicy } from './records.js'

/**
 * An IAM custom role, deleted or not. Compat: a deleted role is kept (Google keeps it 7 days for
 * undelete, then purges it and reserves its id until day 37); the server decides from deleteTime
 * what it answers.
 */
export interface CustomRoleRecord {
  /** `projects/{projectId}/roles/{roleId}` or `organizations/{id}/roles/{roleId}`; the key. */
  readonly name: string
  /** `projects/{projectId}` or `organizations/{id}`. */
  readonly parent: string
  readonly title: string
  readonly description: string
  /** Sorted, without duplicates. */
  readonly includedPermissions: readonly string[]
  /** google.iam.admin.v1.Role.RoleLaunchStage name, e.g. GA. */
  readonly stage: string
  /** Opaque (base64); changes on every write. */
  readonly etag: string
  readonly createTime: string
  readonly updateTime: string
  /** RFC 3339; present while the role is deleted. */
  readonly deleteTime?: string
  /** RFC 3339; set once the deleted role was purged (its bindings removed): it only reserves its id. */
  readonly purgeTime?: string
}

export interface ListCustomRolesRequest extends PageRequest {
  /** Include deleted roles (default: only live ones). */
  readonly showDeleted?: boolean
}

export interface CustomRoleReader {
  /** Deleted roles included. */
  getCustomRole(name: string): Promise<CustomRoleRecord | undefined>
  /** Several at once (the roles one policy binds); absent ones are missing from the map. */
  getCustomRoles(names: readonly string[]): Promise<ReadonlyMap<string, CustomRoleRecord>>
  /** The roles of `projects/p` or `organizations/o`, ordered by name. */
  listCustomRoles(parent: string, request?: ListCustomRolesRequest): Promise<Page<CustomRoleRecord>>
  /** Every role of the parent, deleted included, ordered by name (at most a few hundred). */
  listAllCustomRoles(parent: string): Promise<readonly CustomRoleRecord[]>
  /** The stored policies with a binding of `role`, ordered by resource name. */
  policiesBindingRole(role: string): Promise<readonly StoredPolicy[]>
}

export interface CustomRoleWriter {
  /** ALREADY_EXISTS if the name is taken (deleted roles included). */
  createCustomRole(role: CustomRoleRecord): Promise<void>
  /**
   * Replaces the record (matched by name). Compare-and-set on `ifEtag` when given: mismatch is
   * ABORTED / ETAG_MISMATCH. NOT_FOUND if missing.
   */
  updateCustomRole(role: CustomRoleRecord, options?: { readonly ifEtag?: string }): Promise<void>
  /** Removes the record for good (a purge; deleting a role is an update). NOT_FOUND if missing. */
  deleteCustomRole(name: string): Promise<void>
  /**
   * Holds the parent's custom roles until the transaction ends: transactions that lock the same
   * parent run one after the other, so a count of its roles read after the lock stays true until
   * commit (the 300-role limit cannot be passed by concurrent writers).
   */
  lockCustomRoles(parent: string): Promise<void>
}
