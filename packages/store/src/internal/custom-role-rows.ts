// What an engine provides for custom roles: plain row operations in its own SQL dialect. Their
// meaning (errors, compare-and-set, paging, the change feed) is in custom-role-ops.ts, once.
import type { CustomRoleRecord } from '../custom-roles.js'
import type { StoredPolicy } from '../records.js'

export interface CustomRoleRows {
  customRole(name: string): Promise<CustomRoleRecord | undefined>
  /** One query for all of them; absent ones are simply missing from the result. */
  customRolesByName(names: readonly string[]): Promise<CustomRoleRecord[]>
  /** Ordered by name, names greater than `after`, at most `limit`; deleted ones when asked. */
  customRoles(
    parent: string,
    showDeleted: boolean,
    after: string | undefined,
    limit: number,
  ): Promise<CustomRoleRecord[]>
  /** Ordered by resource name. */
  policiesBindingRole(role: string): Promise<StoredPolicy[]>
  /** False if the name is taken. */
  insertCustomRole(role: CustomRoleRecord): Promise<boolean>
  /** Only where the name matches and, when `ifEtag` is given, the stored etag equals it. */
  updateCustomRole(role: CustomRoleRecord, ifEtag: string | undefined): Promise<boolean>
  deleteCustomRole(name: string): Promise<boolean>
  /** Serializes the transactions that lock the same parent (SQLite's one writer already does). */
  lockCustomRoles(parent: string): Promise<void>
}
