// Allow policies as the IAM pages edit them: who holds which role (by principal), a principal's
// roles replaced in one step (conditional bindings left as they are), and Google's member syntax
// checked as the user types. The server checks everything again; this is for quick feedback.
import type { Policy } from '@runiam/api/client'

export type Binding = NonNullable<Policy['bindings']>[number]

/** One role a principal holds on the resource, and whether it comes with a condition. */
export interface Grant {
  readonly role: string
  readonly condition?: { readonly title: string; readonly expression: string }
}

/** Every principal of the policy with its grants, sorted by principal. */
export function principalsOf(policy: Policy): Map<string, Grant[]> {
  const out = new Map<string, Grant[]>()
  for (const b of policy.bindings ?? []) {
    for (const m of b.members) {
      const list = out.get(m) ?? []
      list.push(
        b.condition === undefined
          ? { role: b.role }
          : {
              role: b.role,
              condition: { title: b.condition.title ?? '', expression: b.condition.expression },
            },
      )
      out.set(m, list)
    }
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)))
}

/**
 * The policy with `member` holding exactly `roles` unconditionally (bindings it no longer needs
 * lose it, new roles get a binding). Conditional bindings are not touched.
 */
export function withMemberRoles(policy: Policy, member: string, roles: readonly string[]): Policy {
  const want = new Set(roles)
  const bindings: Binding[] = []
  for (const b of policy.bindings ?? []) {
    if (b.condition !== undefined) {
      bindings.push(b)
      continue
    }
    const members = b.members.filter((m) => m !== member)
    if (want.delete(b.role)) members.push(member)
    if (members.length > 0) bindings.push({ ...b, members })
  }
  for (const role of want) bindings.push({ role, members: [member] })
  return { ...policy, bindings }
}

/** The policy with each of `members` given each of `roles` (unconditionally) too. */
export function withGrants(
  policy: Policy,
  members: readonly string[],
  roles: readonly string[],
): Policy {
  let next = policy
  for (const m of members) {
    const held = (principalsOf(next).get(m) ?? [])
      .filter((g) => g.condition === undefined)
      .map((g) => g.role)
    next = withMemberRoles(next, m, [...new Set([...held, ...roles])])
  }
  return next
}

/** The policy without `member` anywhere (conditional bindings too). */
export function withoutMember(policy: Policy, member: string): Policy {
  const bindings: Binding[] = []
  for (const b of policy.bindings ?? []) {
    const members = b.members.filter((m) => m !== member)
    if (members.length > 0) bindings.push({ ...b, members })
  }
  return { ...policy, bindings }
}

/** The body setIamPolicy gets: version 3 whenever a binding has a condition. */
export function forWrite(policy: Policy): Policy {
  const conditional = (policy.bindings ?? []).some((b) => b.condition !== undefined)
  return { ...policy, version: conditional ? 3 : (policy.version ?? 1) }
}

const EMAIL = /^[^\s@:]+@[^\s@:]+\.[^\s@:]+$/
const DOMAIN = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/i

/**
 * Why `member` is not a principal Google's syntax accepts, or undefined when it is. A bare email
 * is not accepted: the type prefix says what it is (user:, group:, serviceAccount:).
 */
export function memberProblem(member: string): string | undefined {
  if (member === 'allUsers' || member === 'allAuthenticatedUsers') return undefined
  if (member.startsWith('principal://') || member.startsWith('principalSet://')) return undefined
  const colon = member.indexOf(':')
  if (colon < 0) {
    return EMAIL.test(member)
      ? `Add a type: user:${member}, group:${member} or serviceAccount:${member}.`
      : `"${member}" is not a principal. Use user:EMAIL, group:EMAIL, serviceAccount:EMAIL, domain:DOMAIN, allUsers or allAuthenticatedUsers.`
  }
  const kind = member.slice(0, colon)
  const value = member.slice(colon + 1)
  if (kind === 'user' || kind === 'group' || kind === 'serviceAccount') {
    return EMAIL.test(value) ? undefined : `"${value}" is not an email address.`
  }
  if (kind === 'domain') return DOMAIN.test(value) ? undefined : `"${value}" is not a domain.`
  return `"${kind}:" is not a principal type. Use user:, group:, serviceAccount: or domain:.`
}

/** Splits what was typed into principals (commas, spaces or new lines between them). */
export function splitMembers(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ]
}

/** "user", "group"… for a member, for a small label beside it. */
export function memberKind(member: string): string {
  if (member === 'allUsers' || member === 'allAuthenticatedUsers') return 'public'
  if (member.startsWith('principal')) return 'workload identity'
  const colon = member.indexOf(':')
  return colon < 0 ? '' : member.slice(0, colon).replace('serviceAccount', 'service account')
}
