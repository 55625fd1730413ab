// The member strings compiled policies and principal sets hold: each normalised member once, as
// the engine's internalized string. A check compares policy members with the caller's members;
// when both sides are internalized, that is a pointer comparison (a string from JSON.parse, a
// slice or a concatenation is compared byte by byte, a sliced or concatenated one through the
// runtime). Across a million policies the same few thousand members recur: holding each once is
// most of the memory a large decision index would otherwise take, and normalising a member once
// is most of the compile time.
import { normalizeMember } from '../members/member.js'
import { InternTable } from './intern-table.js'
import { memberHash, MEMBER_HASH_BITS } from './member-hash.js'
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

/**
 * A null-prototype object, in dictionary mode from the start: a property added to it changes no
 * hidden class. A fresh `{ [key]: 0 }` per member (the way this was first done) adds a transition
 * named `key` to the one map every object literal and `{}` starts from; past ~1,500 distinct
 * members V8 stops sharing maps there, and every object that starts as `{}` or comes from a
 * literal not yet warm gets a hidden class of its own, process-wide: property reads on them (a
 * check's `request.permission`) go megamorphic for good.
 */
const scratch: Record<string, number> = Object.create(null) as Record<string, number>

/** The engine's internalized copy of `key` (property names are internalized). */
function internalized(key: string): string {
  scratch[key] = 0
  const name = Object.keys(scratch)[0] ?? key
  delete scratch[key]
  return name
}

/** The interned member for `raw`, normalised (`user:Alice@Example.com` → `user:alice@example.com`). */
export function internMember(raw: string): InternedMember {
  return members.get(raw, normalised)
}

/**
 * A cache in front of the table for compilePolicy, which interns every member of every policy it
 * compiles (~14 a service policy): those strings come fresh from JSON.parse, and a lookup in the
 * table's Map hashes the string whole, then reads the bucket, the entry, the key string and the
 * InternedMember, at a million policies most of them cache misses (~200 ns a lookup: most of a
 * service policy's compile time). Here a few of the string's characters (memberShape) pick a set
 * of two entries, each two adjacent elements: the interned member string, and its member hash
 * beside a fingerprint of the shape. A lookup reads the entry and, when the fingerprint matches,
 * the member string, which === compares with the fresh one (about half the time of the Map,
 * measured at 300,000 policies); only a member in neither entry goes to the table, and takes the
 * set's first entry (the first moves to the second). Only a shortcut: it holds what the table
 * returned (after the table started over, members it made before: the same strings and hashes),
 * and a member to normalise is never found here (its entry holds the normalised string), so the
 * table answers for it each time. Fixed size: 4 × SETS elements.
 */
const SETS = 1 << 14
/** Bits of the fingerprint kept above a member hash (together they stay a small integer). */
const FINGERPRINT_BITS = 13
const FINGERPRINT_SHIFT = MEMBER_HASH_BITS
const HASH_MASK = (1 << MEMBER_HASH_BITS) - 1
if (FINGERPRINT_SHIFT + FINGERPRINT_BITS > 30) throw new Error('member cache keys outgrow Smis')
/** Per set, two entries: [member, fingerprint << FINGERPRINT_SHIFT | hash] each; -1: empty. */
const cache: (string | number)[] = new Array<number>(4 * SETS).fill(-1)

/**
 * Where the member cache holds `raw`'s interned member (read it with cachedMember and
 * cachedMemberHash before the next call), interning it first if it is not there.
 */
export function cachedMemberAt(raw: string): number {
  const shape = memberShape(raw)
  const at = (shape & (SETS - 1)) << 2
  const fingerprint = (shape >>> 18) & ((1 << FINGERPRINT_BITS) - 1)
  if ((cache[at + 1] as number) >>> FINGERPRINT_SHIFT === fingerprint && cache[at] === raw) {
    return at
  }
  if ((cache[at + 3] as number) >>> FINGERPRINT_SHIFT === fingerprint && cache[at + 2] === raw) {
    return at + 2
  }
  const interned = members.get(raw, normalised)
  cache[at + 2] = cache[at] as string | number
  cache[at + 3] = cache[at + 1] as number
  cache[at] = interned.member
  cache[at + 1] = (fingerprint << FINGERPRINT_SHIFT) | interned.hash
  return at
}

/** The interned member string at `at` (cachedMemberAt). */
export function cachedMember(at: number): string {
  return cache[at] as string
}

/** memberHash of the member at `at` (cachedMemberAt). */
export function cachedMemberHash(at: number): number {
  return (cache[at + 1] as number) & HASH_MASK
}

/**
 * A member's shape (32 bits): from its length, where its `@` is, the four characters before that
 * (an email's local part ends there: `user:u1234@`, `serviceAccount:deployer@`) and the two after
 * (its domain or project); without an `@`, the last four characters. Cheap (no loop over the
 * string in JS); members differing only elsewhere share a set and take turns in it.
 */
function memberShape(m: string): number {
  const n = m.length
  let at = m.indexOf('@')
  if (at < 0) at = n
  const h =
    Math.imul(n, 0x9e3779b1) ^
    Math.imul(at, 0x85ebca6b) ^
    Math.imul(m.charCodeAt(at - 1) | 0, 0x27d4eb2d) ^
    Math.imul(m.charCodeAt(at - 2) | 0, 0x165667b1) ^
    Math.imul(m.charCodeAt(at - 3) | 0, 0x2c1b3c6d) ^
    Math.imul(m.charCodeAt(at - 4) | 0, 0x297a2d39) ^
    Math.imul(m.charCodeAt(at + 1) | 0, 0x5bd1e995) ^
    Math.imul(m.charCodeAt(at + 2) | 0, 0x68e31da5)
  return h ^ (h >>> 16)
}

function normalised(key: string): InternedMember {
  const normal = normalizeMember(key)
  return normal === key ? newMember(key) : members.get(normal, newMember)
}
