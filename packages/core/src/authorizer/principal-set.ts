// principalSetFor: everything an authenticated (or anonymous) caller is, as the member strings a
// policy may name. The authorizer matches these against binding members by exact string, both
// sides normalised with normalizeMember (emails and domains lower-cased), and both sides held as
// the same interned strings (interned-members.ts), so the match is a pointer comparison.
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { asciiLower } from '../members/ascii-lower.js'
import { parseMember } from '../members/member.js'
import { internMember } from './interned-members.js'
import { ALL_MEMBER_BITS, memberBucket, memberHash } from './member-hash.js'
import type { PrincipalSet } from './types.js'

export interface PrincipalSetOptions {
  /**
   * The caller's groups, transitively resolved by the caller. Each is a member string
   * (`group:eng@example.com`) or a bare group email (`eng@example.com`, taken as `group:`).
   */
  readonly groups?: readonly string[]
}

/** What a check asks of a caller's member hashes (member-hash.ts). */
export interface CallerHashes {
  /** Whether one of the caller's members has this hash. */
  hasHash(hash: number): boolean
  /** How many distinct hashes the caller's members have. */
  readonly hashCount: number
  /** The k-th of them (0 ≤ k < hashCount). */
  hashAt(k: number): number
}

/**
 * A principal set that is its own member Set: a check reads one object and its table, not a
 * wrapper first (servers keep principal sets per caller, so at scale each is a cache miss). It
 * also keeps its members' hashes, the first eight in its own fields, and the union of their
 * buckets (member-hash.ts), so a check rejects almost every plan pair that names none of its
 * members from the pair's code and this object alone, reading no member string, no Set table.
 */
class CallerMembers extends Set<string> implements PrincipalSet, CallerHashes {
  /** Bit memberBucket(memberHash(m)) set for every member m. */
  mask = 0
  // memberHash(m) of every member m without repeats: the first eight here (-1: none), the rest
  // in `more`.
  h0 = -1
  h1 = -1
  h2 = -1
  h3 = -1
  h4 = -1
  h5 = -1
  h6 = -1
  h7 = -1
  more: number[] | undefined = undefined
  hashCount = 0

  constructor(members: readonly string[]) {
    super()
    for (const m of members) this.add(m)
  }

  override add(member: string): this {
    const hash = memberHash(member)
    this.mask |= 1 << memberBucket(hash)
    if (!this.hasHash(hash)) this.#keep(hash)
    return super.add(member)
  }

  hasHash(hash: number): boolean {
    return (
      hash === this.h0 ||
      hash === this.h1 ||
      hash === this.h2 ||
      hash === this.h3 ||
      hash === this.h4 ||
      hash === this.h5 ||
      hash === this.h6 ||
      hash === this.h7 ||
      (this.more !== undefined && this.more.includes(hash))
    )
  }

  hashAt(k: number): number {
    switch (k) {
      case 0:
        return this.h0
      case 1:
        return this.h1
      case 2:
        return this.h2
      case 3:
        return this.h3
      case 4:
        return this.h4
      case 5:
        return this.h5
      case 6:
        return this.h6
      case 7:
        return this.h7
      default:
        return (this.more as number[])[k - 8] as number
    }
  }

  #keep(hash: number): void {
    this.hashCount++
    if (this.h0 < 0) this.h0 = hash
    else if (this.h1 < 0) this.h1 = hash
    else if (this.h2 < 0) this.h2 = hash
    else if (this.h3 < 0) this.h3 = hash
    else if (this.h4 < 0) this.h4 = hash
    else if (this.h5 < 0) this.h5 = hash
    else if (this.h6 < 0) this.h6 = hash
    else if (this.h7 < 0) this.h7 = hash
    else (this.more ??= []).push(hash)
  }

  get members(): ReadonlySet<string> {
    return this
  }
}

/**
 * The union of the buckets of `members` (a principal set's members): exact for the sets
 * principalSetFor makes, every bucket for any other set.
 */
export function memberMask(members: ReadonlySet<string>): number {
  return members instanceof CallerMembers ? members.mask : ALL_MEMBER_BITS
}

/**
 * The member hashes of the sets principalSetFor makes; undefined for any other set (then no pair
 * is rejected by its hash).
 */
export function callerHashes(members: ReadonlySet<string>): CallerHashes | undefined {
  return members instanceof CallerMembers ? members : undefined
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
