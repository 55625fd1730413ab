// PolicyIndex: one compiled policy as the authorizer reads it — one flat array (the policy object
// is itself that array: its elements are the plan), nothing built per permission. A check asks
// "does a binding whose role holds this permission name one of the caller's members?" by reading
// the plan's codes front to back (a role is one bit test in the permission's role bitset,
// role-index.ts), or, in a large policy, by looking the caller's few members up in a member →
// pairs map built at compile time. A million policies fit in no cache: every cache line a check
// reads is a miss, so what a check scans is kept as short as it can be.
//
// The plan holds, for every binding in policy order and each of its members, a pair. Its code,
// one small integer, is everything the scan needs:
//   code = member hash << 13 | role slot << 2 | starts-a-binding << 1 | conditional,
// the member hash being memberHash(member) (member-hash.ts): a pair whose hash is not one of the
// caller's names none of the caller's members, rejected without reading the member string. Each
// code is stored once: the first 16 in the policy object's own fields (#c0 … #c15), the rest, in
// a policy of more pairs, as elements. The elements are the member strings [0, pairs), read only
// when a code matched; then the codes past the 16th; then the compiled conditions of the policy's
// conditional bindings, in policy order. A pair's condition number (k: the policy's k-th
// conditional binding) is not stored in a policy of up to 32 pairs: it is counted from the codes
// (the conditional bindings starting at or before the pair) when a conditional candidate needs it.
// A role slot below PREDEFINED_ROLE_COUNT is a predefined role's id; above it, a custom role of
// this policy (what it holds was resolved at compile time). What few policies need (custom roles,
// a large policy's member index and condition numbers) is one Rare object, absent otherwise. The
// public `bindings` are decoded from the plan on demand.
import type { Binding } from '../policy/types.js'
import type {
  CompiledBinding,
  CompiledBindingCondition,
  CompiledPolicy,
  CustomRoleResolver,
} from './compiled-policy.js'
import { InternTable } from './intern-table.js'
import { internCondition } from './interned-conditions.js'
import { cachedMember, cachedMemberAt, cachedMemberHash, internMember } from './interned-members.js'
import { memberHash, MEMBER_HASH_BITS } from './member-hash.js'
import type { CallerHashes } from './principal-set.js'
import {
  PREDEFINED_ROLE_COUNT,
  predefinedRoleId,
  predefinedRoleName,
  type RoleBits,
} from './role-index.js'
import type { Decision, GrantingBinding } from './types.js'

const CONDITIONAL = 1
const START = 2
const SLOT_SHIFT = 2
const SLOT_MASK = 0x7ff
const HASH_SHIFT = 13
/**
 * Role slots and conditional bindings a policy may have. Validation allows 1,500 members per
 * policy (MAX_MEMBERS), so a stored policy never comes near; a hand-written one beyond them is a
 * RangeError.
 */
const MAX_SLOTS = SLOT_MASK + 1
const MAX_CONDITIONS = 8_191
// A code must stay a small integer (a Smi on every V8 build: 31 bits, signed).
if (HASH_SHIFT + MEMBER_HASH_BITS > 30) throw new Error('plan codes outgrow small integers')

/**
 * Policies with more member pairs than this get a member → pairs map: the caller's few members
 * are looked up instead of every pair being walked (a project's policy may hold hundreds).
 */
const SCAN_LIMIT = 32

/** Codes kept in the policy object's own fields (#c0 … #c15); the rest are elements. */
const FIXED = 16
/** A code that starts a conditional binding. */
const CONDITIONAL_START = START | CONDITIONAL
/** #candidate's answers: the pair grants unconditionally; it would, under its condition. */
const GRANTS = 1
const MAY_GRANT = 2
/**
 * PREDEFINED_ROLE_COUNT as a constant of this module: an imported binding is read through its
 * cell and checked for its temporal dead zone at every use (~8 instructions in a check's scan).
 */
const PREDEFINED = PREDEFINED_ROLE_COUNT

/**
 * What few policies need, kept out of the policy object (one field, undefined in most policies):
 * a service policy binds predefined roles and holds ~14 pairs.
 */
interface Rare {
  /** By role slot - PREDEFINED_ROLE_COUNT; undefined: the policy binds no custom role. */
  readonly custom: readonly CustomSlot[] | undefined
  /**
   * Large policies only: member hash → the pairs whose member has it, ascending (a small-integer
   * key: no string is hashed or compared to find them; each is then confirmed by its member).
   */
  readonly byHash: Map<number, number[]> | undefined
  /**
   * With byHash: bit (hash & (hashBits.length × 32 - 1)) set for every pair's member hash, ~16
   * bits per pair: most of a caller's hashes are not in a large policy, and one bit test rejects
   * them without a Map lookup.
   */
  readonly hashBits: Uint32Array | undefined
  /**
   * Large policies with conditional bindings: each pair's condition number (0: unconditional),
   * so a conditional candidate's is read, not counted over hundreds of codes.
   */
  readonly numbers: Uint16Array | undefined
}

const NO_ERRORS = Object.freeze([]) as readonly never[]
const NONE = Object.freeze([]) as readonly CompiledPolicy[]

/** A custom role as one policy binds it. */
export interface CustomSlot {
  readonly role: string
  /** What it holds, resolved at compile time; undefined: it grants nothing. */
  readonly permissions: ReadonlySet<string> | undefined
}

/** Custom role names kept before the table starts over. */
const ROLE_LIMIT = 1 << 16
const customRoleNames = new InternTable<string>(ROLE_LIMIT)
const keep = (role: string): string => role

/** What a plan's slots hold: members, codes, compiled conditions, and the Decisions made. */
type Slot = number | string | CompiledBindingCondition | Decision | undefined

/**
 * The implementation behind CompiledPolicy; only this folder sees it.
 *
 * It is an Array (its elements are the plan) so that a check reads the policy and its plan from
 * one object and one contiguous store: at a million policies each separate object is one more
 * cache and TLB miss (measured: a separate plan array cost ~25 % more per check). The elements:
 * the members [0, pairs), the codes of pairs 16 and on [pairs, 2 × pairs - 16) in a policy of
 * more than 16 pairs, the compiled conditions after them, and, once the policy has decided a
 * check, one Decision slot per pair after those.
 */
export class PolicyIndex extends Array<Slot> implements CompiledPolicy {
  // Array methods that make new arrays (map, filter, …) make plain ones.
  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }

  readonly resource: string
  readonly etag?: string
  readonly #pairs: number
  /** Where the Decision slots start: after the compiled conditions. */
  readonly #decisions: number
  /** Custom roles, a large policy's member index and condition numbers; undefined: none. */
  readonly #rare: Rare | undefined
  /**
   * The policies this policy's resource inherits, most specific first (chainOf, check.ts): its
   * chain read from the policy itself, so a check reads no separate chain object (at a million
   * resources each one is one more cache and TLB miss). Replaced when bound again.
   */
  #inherited: readonly CompiledPolicy[] = NONE
  // The first 16 codes (a service's 10 bindings name ~14 members), kept only here, in the object
  // itself: a promoted object and its elements live on different heap pages, so a small policy's
  // scan reads one page instead of two (at a million policies each is a TLB and cache miss). The
  // elements are read only when a code matched the caller. Past the last pair: 0, never read.
  // Written by the constructor alone (#setCode).
  #c0 = 0
  #c1 = 0
  #c2 = 0
  #c3 = 0
  #c4 = 0
  #c5 = 0
  #c6 = 0
  #c7 = 0
  #c8 = 0
  #c9 = 0
  #c10 = 0
  #c11 = 0
  #c12 = 0
  #c13 = 0
  #c14 = 0
  #c15 = 0

  /**
   * Compiles `bindings` (as stored, or hand-written: members are normalised again) into the plan.
   * Custom roles are resolved with `customRoles` here, once.
   */
  constructor(
    resource: string,
    etag: string | undefined,
    bindings: readonly Binding[],
    customRoles: CustomRoleResolver | undefined,
  ) {
    let pairs = 0
    let conditions = 0
    // Conditional bindings with members: the ones the plan keeps (a condition number is counted
    // from the codes, so a conditional binding without members, which has none, is left out).
    let conditional = 0
    for (const b of bindings) {
      pairs += b.members.length
      if (b.condition === undefined) continue
      conditions++
      if (b.members.length > 0) conditional++
    }
    if (conditions > MAX_CONDITIONS) throw new RangeError('a policy with too many conditions')
    super(conditionsAt(pairs) + conditional)
    this.resource = resource
    if (etag !== undefined) this.etag = etag
    this.#pairs = pairs
    this.#decisions = conditionsAt(pairs) + conditional
    const large = pairs > SCAN_LIMIT
    const numbers = large && conditional > 0 ? new Uint16Array(pairs) : undefined
    let custom: CustomSlot[] | undefined
    let pair = 0
    let condition = 0
    for (const b of bindings) {
      let slot = predefinedRoleId(b.role)
      if (slot < 0) {
        const role = customRoleNames.get(b.role, keep)
        custom ??= []
        let k = custom.findIndex((c) => c.role === role)
        if (k < 0) k = custom.push({ role, permissions: customRoles?.(role) }) - 1
        slot = PREDEFINED_ROLE_COUNT + k
        if (slot >= MAX_SLOTS) throw new RangeError(`a policy binding over ${MAX_SLOTS} roles`)
      }
      let code = (slot << SLOT_SHIFT) | START
      let number = 0
      if (b.condition !== undefined && b.members.length > 0) {
        number = ++condition
        this[conditionsAt(pairs) + number - 1] = internCondition(b.condition)
        code |= CONDITIONAL
      }
      for (const member of b.members) {
        // Canonical stored policies are already normalised; normalising again keeps a caller
        // that compiles a hand-written policy from silently missing `user:Alice@Example.com`.
        // The interned member, looked up through the member cache (interned-members.ts).
        const at = cachedMemberAt(member)
        this[pair] = cachedMember(at)
        this.#setCode(pair, code | (cachedMemberHash(at) << HASH_SHIFT))
        if (numbers !== undefined) numbers[pair] = number
        pair++
        code &= ~START
      }
    }
    if (large) {
      const codes = Array.from({ length: pairs }, (_, k) => this.#codeAt(k))
      this.#rare = {
        custom,
        byHash: indexByHash(codes),
        hashBits: hashBitsOf(codes),
        numbers,
      }
    } else {
      this.#rare =
        custom === undefined
          ? undefined
          : { custom, byHash: undefined, hashBits: undefined, numbers: undefined }
    }
  }

  /** Stores pair `pair`'s code: in the object's own fields when it is one of the first 16. */
  #setCode(pair: number, code: number): void {
    switch (pair) {
      case 0:
        this.#c0 = code
        break
      case 1:
        this.#c1 = code
        break
      case 2:
        this.#c2 = code
        break
      case 3:
        this.#c3 = code
        break
      case 4:
        this.#c4 = code
        break
      case 5:
        this.#c5 = code
        break
      case 6:
        this.#c6 = code
        break
      case 7:
        this.#c7 = code
        break
      case 8:
        this.#c8 = code
        break
      case 9:
        this.#c9 = code
        break
      case 10:
        this.#c10 = code
        break
      case 11:
        this.#c11 = code
        break
      case 12:
        this.#c12 = code
        break
      case 13:
        this.#c13 = code
        break
      case 14:
        this.#c14 = code
        break
      case 15:
        this.#c15 = code
        break
      default:
        this[this.#pairs + pair - FIXED] = code
    }
  }

  /** Pair `pair`'s code, from the object's own fields when it is one of the first 16. */
  #codeAt(pair: number): number {
    switch (pair) {
      case 0:
        return this.#c0
      case 1:
        return this.#c1
      case 2:
        return this.#c2
      case 3:
        return this.#c3
      case 4:
        return this.#c4
      case 5:
        return this.#c5
      case 6:
        return this.#c6
      case 7:
        return this.#c7
      case 8:
        return this.#c8
      case 9:
        return this.#c9
      case 10:
        return this.#c10
      case 11:
        return this.#c11
      case 12:
        return this.#c12
      case 13:
        return this.#c13
      case 14:
        return this.#c14
      case 15:
        return this.#c15
      default:
        return this[this.#pairs + pair - FIXED] as number
    }
  }

  /** The bindings as compiled, in policy order (decoded from the plan: for explanations). */
  get bindings(): readonly CompiledBinding[] {
    const pairs = this.#pairs
    const out: CompiledBinding[] = []
    for (let pair = 0; pair < pairs;) {
      const code = this.#codeAt(pair)
      const condition = this.#conditionOf(pair)
      const members: string[] = []
      do {
        members.push(this[pair] as string)
        pair++
      } while (pair < pairs && (this.#codeAt(pair) & START) === 0)
      const slot = (code >> SLOT_SHIFT) & SLOT_MASK
      if (members.length === 1 && condition === undefined && slot < PREDEFINED_ROLE_COUNT) {
        out.push(sharedBinding(members[0] as string, slot))
      } else {
        const role = this.#roleOf(slot)
        out.push(
          Object.freeze(
            condition === undefined
              ? { role, members: Object.freeze(members) }
              : { role, members: Object.freeze(members), condition },
          ),
        )
      }
    }
    return Object.freeze(out)
  }

  /** The policies bound as this policy's ancestors (chainOf); none until bound. */
  get inherited(): readonly CompiledPolicy[] {
    return this.#inherited
  }

  /** Binds the policies this policy's resource inherits (chainOf), replacing any earlier ones. */
  inherit(inherited: readonly CompiledPolicy[]): void {
    this.#inherited = inherited
  }

  /** How many member pairs the plan holds (one per member of each binding). */
  get pairs(): number {
    return this.#pairs
  }

  /**
   * The first pair, in policy order, whose binding grants `permission` to one of `members`
   * unconditionally; otherwise -2 when some conditional binding might grant it (its role holds
   * it and it names one of the members), -1 when nothing can. `mask`: memberMask(members);
   * `hashes`: callerHashes(members) (undefined: every hash may be one of the members').
   */
  unconditional(
    roles: RoleBits,
    permission: string,
    members: ReadonlySet<string>,
    mask: number,
    hashes: CallerHashes | undefined,
  ): number {
    const pairs = this.#pairs
    // The large path is a method of its own, so this one stays small enough to be inlined.
    if (pairs > SCAN_LIMIT) return this.#listed(roles, permission, members, hashes)
    // Which of the first 16 pairs name a member in one of the caller's buckets: one bit each,
    // without a branch. The codes are fields, which a loop reaches only through a switch on the
    // pair (a jump table and range checks: ~50 instructions a pair, against ~6 here). A shift
    // count is taken mod 32, so `mask >>> hash` tests the hash's bucket (memberBucket). The
    // second eight fields are read only when the policy has pairs there (each field read is
    // memory a check touches: at a million policies, cache misses).
    let hits =
      ((mask >>> (this.#c0 >> HASH_SHIFT)) & 1) |
      (((mask >>> (this.#c1 >> HASH_SHIFT)) & 1) << 1) |
      (((mask >>> (this.#c2 >> HASH_SHIFT)) & 1) << 2) |
      (((mask >>> (this.#c3 >> HASH_SHIFT)) & 1) << 3) |
      (((mask >>> (this.#c4 >> HASH_SHIFT)) & 1) << 4) |
      (((mask >>> (this.#c5 >> HASH_SHIFT)) & 1) << 5) |
      (((mask >>> (this.#c6 >> HASH_SHIFT)) & 1) << 6) |
      (((mask >>> (this.#c7 >> HASH_SHIFT)) & 1) << 7)
    if (pairs > 8) {
      hits |=
        (((mask >>> (this.#c8 >> HASH_SHIFT)) & 1) << 8) |
        (((mask >>> (this.#c9 >> HASH_SHIFT)) & 1) << 9) |
        (((mask >>> (this.#c10 >> HASH_SHIFT)) & 1) << 10) |
        (((mask >>> (this.#c11 >> HASH_SHIFT)) & 1) << 11) |
        (((mask >>> (this.#c12 >> HASH_SHIFT)) & 1) << 12) |
        (((mask >>> (this.#c13 >> HASH_SHIFT)) & 1) << 13) |
        (((mask >>> (this.#c14 >> HASH_SHIFT)) & 1) << 14) |
        (((mask >>> (this.#c15 >> HASH_SHIFT)) & 1) << 15)
    }
    // Past the last pair a field holds 0, whose bucket may be the caller's: dropped here.
    if (pairs < FIXED) hits &= (1 << pairs) - 1
    let conditional = false
    // The hits in policy order, lowest bit first.
    while (hits !== 0) {
      const pair = 31 - Math.clz32(hits & -hits)
      hits &= hits - 1
      const found = this.#candidate(pair, this.#codeAt(pair), roles, permission, members, hashes)
      if (found === GRANTS) return pair
      if (found === MAY_GRANT) conditional = true
    }
    for (let pair = FIXED; pair < pairs; pair++) {
      const code = this[pairs + pair - FIXED] as number
      if (((mask >>> (code >> HASH_SHIFT)) & 1) === 0) continue
      const found = this.#candidate(pair, code, roles, permission, members, hashes)
      if (found === GRANTS) return pair
      if (found === MAY_GRANT) conditional = true
    }
    return conditional ? -2 : -1
  }

  /**
   * For a pair (its code `code`) whose member's bucket is one of the caller's: GRANTS when its
   * binding grants `permission` to one of `members` unconditionally, MAY_GRANT when it would but
   * is conditional, 0 otherwise.
   */
  #candidate(
    pair: number,
    code: number,
    roles: RoleBits,
    permission: string,
    members: ReadonlySet<string>,
    hashes: CallerHashes | undefined,
  ): number {
    if (!this.#holds((code >> SLOT_SHIFT) & SLOT_MASK, roles, permission)) return 0
    if (hashes !== undefined && !hashes.hasHash(code >> HASH_SHIFT)) return 0
    if (!members.has(this[pair] as string)) return 0
    return (code & CONDITIONAL) === 0 ? GRANTS : MAY_GRANT
  }

  /** unconditional() for a large policy: the caller's member hashes looked up in its index. */
  #listed(
    roles: RoleBits,
    permission: string,
    members: ReadonlySet<string>,
    hashes: CallerHashes | undefined,
  ): number {
    const rare = this.#rare as Rare
    const byHash = rare.byHash as Map<number, number[]>
    const bits = rare.hashBits as Uint32Array
    const bitMask = (bits.length << 5) - 1
    let conditional = false
    let best = -1
    // The caller's member hashes: its own when principalSetFor made it; otherwise each member's,
    // computed here (a list made only on that path; a repeated hash visits its pairs again,
    // which finds nothing new).
    const plain = hashes === undefined ? [...members] : undefined
    const count = hashes !== undefined ? hashes.hashCount : (plain as string[]).length
    for (let k = 0; k < count; k++) {
      const hash =
        hashes !== undefined ? hashes.hashAt(k) : memberHash((plain as string[])[k] as string)
      const at = hash & bitMask
      if ((((bits[at >>> 5] as number) >>> (at & 31)) & 1) === 0) continue
      const found = this.#firstListed(byHash.get(hash), best, roles, permission, members)
      if (found === -2) conditional = true
      else if (found >= 0) best = found
    }
    return best >= 0 ? best : conditional ? -2 : -1
  }

  /**
   * Among `listed` (ascending pairs sharing one member hash), the first before `best` (-1: any)
   * whose binding grants `permission` to one of `members` unconditionally; otherwise -2 when one
   * such conditional binding was met first, -1 when none.
   */
  #firstListed(
    listed: readonly number[] | undefined,
    best: number,
    roles: RoleBits,
    permission: string,
    members: ReadonlySet<string>,
  ): number {
    if (listed === undefined) return -1
    let conditional = false
    for (let k = 0; k < listed.length; k++) {
      const pair = listed[k] as number
      if (best >= 0 && pair >= best) break
      const code = this.#codeAt(pair)
      if (!this.#holds((code >> SLOT_SHIFT) & SLOT_MASK, roles, permission)) continue
      if (!members.has(this[pair] as string)) continue
      if ((code & CONDITIONAL) === 0) return pair
      conditional = true
    }
    return conditional ? -2 : -1
  }

  /**
   * For a pair whose binding is conditional, whose role holds `permission` and whose member is
   * one of `members`: its condition number (≥ 1, the same for every pair of one binding). 0
   * otherwise.
   */
  conditionalCandidate(
    pair: number,
    roles: RoleBits,
    permission: string,
    members: ReadonlySet<string>,
  ): number {
    const code = this.#codeAt(pair)
    if ((code & CONDITIONAL) === 0) return 0
    if (!this.#holds((code >> SLOT_SHIFT) & SLOT_MASK, roles, permission)) return 0
    if (!members.has(this[pair] as string)) return 0
    return this.#conditionNumber(pair)
  }

  /** The condition with number k (≥ 1). */
  condition(k: number): CompiledBindingCondition {
    return this[conditionsAt(this.#pairs) + k - 1] as CompiledBindingCondition
  }

  /** The role of a pair's binding. */
  roleAt(pair: number): string {
    return this.#roleOf((this.#codeAt(pair) >> SLOT_SHIFT) & SLOT_MASK)
  }

  /** The frozen allow Decision naming a pair's binding and member (made once, then kept). */
  allowAt(pair: number): Decision {
    const at = this.#decisions + pair
    // Only slots that exist are read: a read past the end (or of a hole) takes a handler of its
    // own for the same hidden class, and V8 then makes this read site megamorphic for good.
    if (this.length > at) {
      const known = this[at] as Decision | undefined
      if (known !== undefined) return known
    } else {
      for (let k = this.length; k < this.#decisions + this.#pairs; k++) this.push(undefined)
    }
    const made = allowDecision(
      this.resource,
      this.roleAt(pair),
      this[pair] as string,
      this.#conditionOf(pair),
    )
    this[at] = made
    return made
  }

  #holds(slot: number, roles: RoleBits, permission: string): boolean {
    // hasRole (role-index.ts), inline: an imported function is checked at each call as above.
    if (slot < PREDEFINED) return (((roles[slot >>> 5] as number) >>> slot) & 1) !== 0
    return this.#rare?.custom?.[slot - PREDEFINED]?.permissions?.has(permission) === true
  }

  #roleOf(slot: number): string {
    return slot < PREDEFINED_ROLE_COUNT
      ? predefinedRoleName(slot)
      : ((this.#rare as Rare).custom?.[slot - PREDEFINED_ROLE_COUNT] as CustomSlot).role
  }

  /**
   * The condition number of a conditional pair (≥ 1): read from a large policy's numbers, else
   * counted — the conditional bindings starting at or before it, at most 32 codes.
   */
  #conditionNumber(pair: number): number {
    const numbers = this.#rare?.numbers
    if (numbers !== undefined) return numbers[pair] as number
    let number = 0
    for (let k = 0; k <= pair; k++) {
      if ((this.#codeAt(k) & CONDITIONAL_START) === CONDITIONAL_START) number++
    }
    return number
  }

  #conditionOf(pair: number): CompiledBindingCondition | undefined {
    return (this.#codeAt(pair) & CONDITIONAL) === 0
      ? undefined
      : this.condition(this.#conditionNumber(pair))
  }
}

/** Where a plan of `pairs` pairs keeps its compiled conditions: after members and spilled codes. */
function conditionsAt(pairs: number): number {
  return pairs > FIXED ? 2 * pairs - FIXED : pairs
}

/** The frozen `{ role, members: [member] }` every policy's decoded bindings share. */
function sharedBinding(member: string, roleId: number): CompiledBinding {
  const interned = internMember(member)
  const plain = (interned.plain ??= new Array<undefined>(PREDEFINED_ROLE_COUNT).fill(undefined))
  let shared = plain[roleId]
  if (shared === undefined) {
    plain[roleId] = shared = Object.freeze({
      role: predefinedRoleName(roleId),
      members: interned.alone,
    })
  }
  return shared
}

/** A large policy's member index, from its pairs' codes. */
function indexByHash(codes: readonly number[]): Map<number, number[]> {
  const byHash = new Map<number, number[]>()
  for (let pair = 0; pair < codes.length; pair++) {
    const hash = (codes[pair] as number) >> HASH_SHIFT
    const listed = byHash.get(hash)
    if (listed === undefined) byHash.set(hash, [pair])
    else listed.push(pair)
  }
  return byHash
}

/** #hashBits: a power of two of at least 16 bits per pair, at most one per member hash. */
function hashBitsOf(codes: readonly number[]): Uint32Array {
  const pairs = codes.length
  let size = 32
  while (size < pairs * 16 && size < 1 << MEMBER_HASH_BITS) size <<= 1
  const bits = new Uint32Array(size >>> 5)
  for (let pair = 0; pair < pairs; pair++) {
    const at = ((codes[pair] as number) >> HASH_SHIFT) & (size - 1)
    bits[at >>> 5] = (bits[at >>> 5] as number) | (1 << (at & 31))
  }
  return bits
}

function allowDecision(
  resource: string,
  role: string,
  member: string,
  condition: CompiledBindingCondition | undefined,
): Decision {
  const grant: GrantingBinding =
    condition === undefined
      ? { resource, role, member }
      : {
          resource,
          role,
          member,
          condition: Object.freeze(
            condition.title === undefined
              ? { expression: condition.expression }
              : { title: condition.title, expression: condition.expression },
          ),
        }
  return Object.freeze({
    allowed: true,
    grantedBy: Object.freeze([Object.freeze(grant)]),
    conditionErrors: NO_ERRORS,
  })
}
