// Where a custom role stands and where it may grant, shared by the roles API (iam/), policy
// writes (iam-policy/) and the permission checker: a stored role's lifecycle (live, deleted,
// purged, free again), the hierarchy rule, and the custom roles a policy write may bind.
import {
  isCustomRoleName,
  normalizeMember,
  parseCustomRoleName,
  ROLE_ID_RESERVED_DAYS,
  ROLE_UNDELETE_DAYS,
  type CustomRoleForPolicy,
  type CustomRoleName,
  type Policy,
} from '@runiam/core'
import type { CustomRoleRecord, StoreReader } from '@runiam/store'

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Where a stored role is in its life. Compat: IAM custom roles: deleted ones can be undeleted for
 * 7 days, then are purged (their bindings removed) and their id stays reserved until day 37.
 */
export type CustomRoleState = 'live' | 'deleted' | 'purged' | 'free'

export function customRoleState(role: CustomRoleRecord, nowMs: number): CustomRoleState {
  if (role.deleteTime === undefined) return 'live'
  const deleted = Date.parse(role.deleteTime)
  if (nowMs < deleted + ROLE_UNDELETE_DAYS * DAY_MS) return 'deleted'
  if (nowMs < deleted + ROLE_ID_RESERVED_DAYS * DAY_MS) return 'purged'
  return 'free'
}

/** Whether the role is seen at all (get, list, the 300-role count): live or within its undelete window. */
export function isVisible(role: CustomRoleRecord, nowMs: number): boolean {
  const state = customRoleState(role, nowMs)
  return state === 'live' || state === 'deleted'
}

/**
 * Whether a custom role may grant in the policy of `resource` (a canonical policy name): a
 * project's roles in that project and what is in it, the organization's everywhere below it.
 */
export function inHierarchy(
  role: CustomRoleName,
  resource: string,
  orgId: string | undefined,
): boolean {
  if (role.parentType === 'organization') {
    if (role.parentId !== orgId) return false
    return resource === role.parent || resource.startsWith('projects/')
  }
  return resource === role.parent || resource.startsWith(`${role.parent}/`)
}

/** The role names of raw (unvalidated) bindings that look like custom roles. */
function customRoleNamesIn(bindings: unknown): string[] {
  if (!Array.isArray(bindings)) return []
  const names = new Set<string>()
  for (const b of bindings) {
    const role =
      typeof b === 'object' && b !== null ? (b as Record<string, unknown>)['role'] : undefined
    if (typeof role === 'string' && isCustomRoleName(role)) names.add(role)
  }
  return [...names]
}

/**
 * The custom roles a policy write on `resource` (its canonical name) may name, for validatePolicy:
 * those of its hierarchy that its bindings name and that were not freed. A deleted or purged role
 * comes with the members the stored policy already binds to it, which may stay.
 */
export async function customRolesForPolicy(
  store: StoreReader,
  resource: string,
  rawBindings: unknown,
  organizationId: () => Promise<string | undefined>,
  nowMs: number,
): Promise<ReadonlyMap<string, CustomRoleForPolicy>> {
  const named = customRoleNamesIn(rawBindings)
  const out = new Map<string, CustomRoleForPolicy>()
  // Most policies bind no custom role: then nothing is read.
  if (named.length === 0) return out
  const orgId = await organizationId()
  const names = named.filter((n) => {
    const parsed = parseCustomRoleName(n)
    return parsed !== undefined && inHierarchy(parsed, resource, orgId)
  })
  if (names.length === 0) return out
  const found = await store.getCustomRoles(names)
  let stored: Policy | undefined | null = null
  for (const [name, role] of found) {
    const state = customRoleState(role, nowMs)
    if (state === 'free') continue
    if (state === 'live') {
      out.set(name, { includedPermissions: role.includedPermissions, deleted: false })
      continue
    }
    if (stored === null) stored = (await store.getPolicy(resource))?.policy
    const bound = new Set<string>()
    for (const b of stored?.bindings ?? []) {
      if (b.role === name) for (const m of b.members) bound.add(normalizeMember(m))
    }
    out.set(name, {
      includedPermissions: role.includedPermissions,
      deleted: true,
      boundMembers: bound,
    })
  }
  return out
}
