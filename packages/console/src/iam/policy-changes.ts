// The policy edits the bulk actions and the Security tab make, as pure functions: add principals
// to roles, remove them, and read a policy's public state. (What the user types is checked by
// components/permissions/parse-principals.ts, with core's member parser.)
import type { Binding, Policy } from '@runiam/core'

export const PUBLIC_MEMBERS: ReadonlySet<string> = new Set(['allUsers', 'allAuthenticatedUsers'])

/** The public members among `members` (allUsers, allAuthenticatedUsers), in their order. */
export function publicMembersOf(members: readonly string[]): string[] {
  return members.filter((m) => PUBLIC_MEMBERS.has(m))
}

/** The policy with every member added to every role (an unconditional binding per role). */
export function addMembers(
  policy: Policy,
  members: readonly string[],
  roles: readonly string[],
): { policy: Policy; changed: boolean } {
  const bindings: Binding[] = (policy.bindings ?? []).map((b) => ({
    ...b,
    members: [...b.members],
  }))
  let changed = false
  for (const role of roles) {
    let binding = bindings.find((b) => b.role === role && b.condition === undefined)
    if (binding === undefined) {
      binding = { role, members: [] }
      bindings.push(binding)
    }
    for (const m of members) {
      if (binding.members.includes(m)) continue
      binding.members.push(m)
      changed = true
    }
  }
  return { policy: { ...policy, bindings }, changed }
}

/**
 * The policy with the members taken out of the roles, from every binding of each role whatever
 * its condition (gcloud's remove-iam-policy-binding --all); bindings left empty are dropped.
 */
export function removeMembers(
  policy: Policy,
  members: readonly string[],
  roles: readonly string[],
): { policy: Policy; changed: boolean } {
  let changed = false
  const bindings: Binding[] = []
  for (const b of policy.bindings ?? []) {
    if (!roles.includes(b.role)) {
      bindings.push(b)
      continue
    }
    const kept = b.members.filter((m) => !members.includes(m))
    if (kept.length !== b.members.length) changed = true
    if (kept.length > 0) bindings.push({ ...b, members: kept })
  }
  return { policy: { ...policy, bindings }, changed }
}

/** Where public members may invoke a service: who, and through which roles. */
export interface PublicInvokers {
  /** e.g. ['allUsers'], sorted. */
  readonly members: readonly string[]
  /** The roles through which they may (to take them out of). */
  readonly roles: readonly string[]
}

/**
 * The public members holding a role that carries run.routes.invoke, given which roles do.
 * Compat: public members cannot have conditions, so only unconditional bindings count.
 */
export function publicInvokers(
  policy: Policy,
  grantsInvoke: (role: string) => boolean,
): PublicInvokers {
  const members = new Set<string>()
  const roles = new Set<string>()
  for (const b of policy.bindings ?? []) {
    if (b.condition !== undefined || !grantsInvoke(b.role)) continue
    for (const m of b.members)
      if (PUBLIC_MEMBERS.has(m)) {
        members.add(m)
        roles.add(b.role)
      }
  }
  return { members: [...members].sort(), roles: [...roles].sort() }
}
