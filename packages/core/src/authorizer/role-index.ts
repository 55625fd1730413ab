// The role → permission index the authorizer reads: one Set per predefined role, built once from
// the generated catalog, plus the set of every permission any role holds (so a check for a
// permission no role grants answers at once and never grows a policy's index).
import { ROLE_DATA } from '../roles/catalog-data.js'

const rolePermissions: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries(ROLE_DATA).map(([role, data]) => [role, new Set(data.permissions)]),
)

const knownPermissions: ReadonlySet<string> = new Set(
  Object.values(ROLE_DATA).flatMap((data) => data.permissions),
)

/** The permissions of a predefined role; undefined for a role runiam does not know (grants nothing). */
export function rolePermissionSet(role: string): ReadonlySet<string> | undefined {
  return rolePermissions.get(role)
}

/** Whether some known role holds the permission at all. */
export function isGrantablePermission(permission: string): boolean {
  return knownPermissions.has(permission)
}
