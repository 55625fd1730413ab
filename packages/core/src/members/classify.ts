// Cheap classification of member strings, used by policy validation (public members, group and
// domain limits) and the UI. Works on the wire string so callers need not parse first.
import type { MemberType } from './member.js'

export const ALL_USERS = 'allUsers'
export const ALL_AUTHENTICATED_USERS = 'allAuthenticatedUsers'

/** allUsers or allAuthenticatedUsers: the members that make a resource public. */
export function isPublicMember(member: string): boolean {
  return member === ALL_USERS || member === ALL_AUTHENTICATED_USERS
}

/** group: or domain: — the members counted against the 250 groups-and-domains limit. */
export function isGroupOrDomain(member: string): boolean {
  return member.startsWith('group:') || member.startsWith('domain:')
}

/** A member that stands for many identities (groups, domains, public, principal sets). */
export function isMemberSet(member: string): boolean {
  return isPublicMember(member) || isGroupOrDomain(member) || member.startsWith('principalSet://')
}

/** The member's type from its prefix, or undefined when it has none we know. No validation. */
export function memberKind(member: string): MemberType | undefined {
  if (isPublicMember(member)) return member as 'allUsers' | 'allAuthenticatedUsers'
  if (member.startsWith('principal://')) return 'principal'
  if (member.startsWith('principalSet://')) return 'principalSet'
  const colon = member.indexOf(':')
  const type = colon < 0 ? '' : member.slice(0, colon)
  switch (type) {
    case 'user':
    case 'serviceAccount':
    case 'group':
    case 'domain':
    case 'deleted':
      return type
    default:
      return undefined
  }
}
