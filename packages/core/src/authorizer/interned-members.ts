// The member strings compiled policies and principal sets hold: each normalised member once, as
// the engine's internalized string. A check compares policy members with the caller's members;
// when both sides are internalized, that is a pointer comparison (a string from JSON.parse, a
// slice or a concatenation is compared byte by byte, a sliced or concatenated one through the
// runtime). Across a million policies the same few thousand members recur: holding each once is
// most of the memory a large decision index would otherwise take, and normalising a member once
// is most of the compile time.
import { normalizeMember } from '../members/member.js'
import { InternTable } from './intern-table.js'
import { memberHash } from './member-hash.js'
import type { CompiledBinding } from './compiled-policy.js'

/**
 * How many distinct members the table holds before it starts over (each entry is a few hundred
 * bytes at most; a server's distinct members are far fewer).
 */
const MEMBER_LIMIT = 1 << 18

/** One member as every compiled policy holds it. */
export interface InternedMember {
  /** The normalised member string, internalized. */
  readonly member: string
  /** memberHash(member): what compiled plans keep beside it. */
  readonly hash: number
  /** [member], frozen: the members of every single-member binding naming it. */
  readonly alone: readonly string[]
  /**
   * By predefined role id: the frozen unconditional binding `{ role, members: alone }` that every
   * policy's decoded bindings share (made on first use).
   */
  plain: (CompiledBinding | undefined)[] | undefined
}

const members = new InternTable<InternedMember>(MEMBER_LIMIT)

function newMember(key: string): InternedMember {
  const member = internalized(key)
  return { member, hash: memberHash(member), alone: Object.freeze([member]), plain: undefined }
}

/** The engine's internalized copy of `key` (property names are internalized). */
function internalized(key: string): string {
  return Object.keys({ [key]: 0 })[0] ?? key
}

/** The interned member for `raw`, normalised (`user:Alice@Example.com` → `user:alice@example.com`). */
export function internMember(raw: string): InternedMember {
  return members.get(raw, normalised)
}

function normalised(key: string): InternedMember {
  const normal = normalizeMember(key)
  return normal === key ? newMember(key) : members.get(normal, newMember)
}
