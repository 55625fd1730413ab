// principalSetFor: everything an authenticated (or anonymous) caller is, as the member strings a
// policy may name. The authorizer matches these against binding members by exact string, both
// sides normalised with normalizeMember (emails and domains lower-cased), and both sides held as
// the same interned strings (interned-members.ts), so the match is a pointer comparison.
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { asciiLower } from '../members/ascii-lower.js'
import { parseMember } from '../members/member.js'
import { internMember } from './interned-members.js'
import { ALL_MEMBER_BITS, memberBit } from './member-bit.js'
import type { PrincipalSet } from './types.js'

export interface PrincipalSetOptions {
  /**
   * The caller's groups, transitively resolved by the caller. Each is a member string
   * (`group:eng@example.com`) or a bare group email (`eng@example.com`, taken as `group:`).
   */
  readonly groups?: readonly string[]
}

/**
 * A principal set that is its own member Set: a check reads one object and its table, not a
 * wrapper first (servers keep principal sets per caller, so at scale each is a cache miss). It
 * also keeps the union of its members' bits (member-bit.ts), so a check can reject most of a
 * plan's pairs without reading the Set's table at all.
 */
class CallerMembers extends Set<string> implements PrincipalSet {
  /** Bit memberBit(m) set for every member m. */
  mask: number

  constructor(members: readonly string[]) {
    super()
    this.mask = 0
    for (const m of members) this.add(m)
  }

  override add(member: string): this {
    this.mask |= 1 << memberBit(member)
    return super.add(member)
  }

  get members(): ReadonlySet<string> {
    return this
  }
}

/**
 * The union of the bits of `members` (a principal set's members): exact for the sets
 * principalSetFor makes, every bit for any other set.
 */
export function memberMask(members: ReadonlySet<string>): number {
  return members instanceof CallerMembers ? members.mask : ALL_MEMBER_BITS
}

const ANONYMOUS: PrincipalSet = Object.freeze(new CallerMembers(['allUsers']))

/**
 * The principal set of a caller.
 *
 * - `undefined` (or `allUsers`): anonymous → `{allUsers}` only.
 * - `user:EMAIL` → itself, `domain:` of the email, `allAuthenticatedUsers`, `allUsers`, groups.
 * - `serviceAccount:EMAIL` → itself, `allAuthenticatedUsers`, `allUsers`, groups; NO `domain:`.
 *   Compat: Google's `domain:D` means the Google Workspace / Cloud Identity accounts of D; a
 *   service account (…@P.iam.gserviceaccount.com) is not one, so `domain:gserviceaccount.com`
 *   (or any domain) never matches a service account.
 * - `principal://…` (a federated identity) → itself, `allAuthenticatedUsers`, `allUsers`, groups.
 *
 * Members that name sets of callers (group:, domain:, principalSet://, allAuthenticatedUsers)
 * or deleted principals are not callers: INVALID_ARGUMENT. So is a malformed member.
 */
export function principalSetFor(
  member: string | undefined,
  options: PrincipalSetOptions = {},
): PrincipalSet {
  if (member === undefined || member === 'allUsers') {
    if (options.groups !== undefined && options.groups.length > 0) {
      throw invalid(`An anonymous caller cannot belong to groups: ${options.groups.join(', ')}`)
    }
    return ANONYMOUS
  }
  const parsed = parseMember(member)
  if (parsed.type !== 'user' && parsed.type !== 'serviceAccount' && parsed.type !== 'principal') {
    throw invalid(`Not a caller identity: ${member}`)
  }
  const members = new CallerMembers([internMember(member).member])
  if (parsed.type === 'user') {
    const domain = asciiLower(parsed.email.slice(parsed.email.lastIndexOf('@') + 1))
    members.add(internMember(`domain:${domain}`).member)
  }
  members.add('allAuthenticatedUsers')
  members.add('allUsers')
  for (const group of options.groups ?? []) {
    const asMember = group.includes(':') ? group : `group:${group}`
    if (parseMember(asMember).type !== 'group') throw invalid(`Not a group: ${group}`)
    members.add(internMember(asMember).member)
  }
  return Object.freeze(members)
}

function invalid(message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_PRINCIPAL', message)
}
