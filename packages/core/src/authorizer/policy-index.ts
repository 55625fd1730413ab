// PolicyIndex: one compiled policy as the authorizer reads it — one flat array (the policy object
// is itself that array: its elements are the plan), nothing built per permission. A check asks "does a binding whose role holds this permission
// name one of the caller's members?" by reading the plan front to back (a role is one bit test in
// the permission's role bitset, role-index.ts), or, in a large policy, by looking the caller's few
// members up in a member → pairs map built at compile time. A million policies fit in no cache:
// one array read in order costs a few cache misses, where walking binding objects, their member
// arrays and per-permission maps costs one miss per pointer.
//
// The plan holds, for every binding in policy order and each of its members, a pair
// `code, member`: code = condition << 17 | member bit << 12 | role slot << 1 | starts-a-binding,
// the member bit being memberBit(member) (member-bit.ts): a pair whose bit is not in the caller's
// mask names none of the caller's members, rejected without reading the caller's Set. A role slot below
// PREDEFINED_ROLE_COUNT is a predefined role's id; above it, a custom role of this policy (what it
// holds was resolved at compile time). condition 0 is unconditional, k is the policy's k-th
// conditional binding, whose compiled condition follows the pairs in the same array. The public
// `bindings` are decoded from the plan on demand.
import type { Binding } from '../policy/types.js'
import type {
  CompiledBinding,
  CompiledBindingCondition,
  CompiledPolicy,
  CustomRoleResolver,
} from './compiled-policy.js'
import { InternTable } from './intern-table.js'
import { internCondition } from './interned-conditions.js'
import { internMember } from './interned-members.js'
import {
  hasRole,
  PREDEFINED_ROLE_COUNT,
  predefinedRoleId,
  predefinedRoleName,
  type RoleBits,
} from './role-index.js'
import type { Decision, GrantingBinding } from './types.js'

const START = 1
const SLOT_SHIFT = 1
const SLOT_MASK = 0x7ff
const BIT_SHIFT = 12
const BIT_MASK = 31
const CONDITION_SHIFT = 17
/** Codes at or above this carry a condition. */
const CONDITIONAL = 1 << CONDITION_SHIFT
/**
 * Role slots and conditional bindings a policy may have. Validation allows 1,500 members per
 * policy (MAX_MEMBERS), so a stored policy never comes near; a hand-written one beyond them is a
 * RangeError.
 */
const MAX_SLOTS = SLOT_MASK + 1
const MAX_CONDITIONS = (1 << (30 - CONDITION_SHIFT)) - 1

/**
 * Policies with more member pairs than this get a member → pairs map: the caller's few members
 * are looked up instead of every pair being walked (a project's policy may hold hundreds).
 */
const SCAN_LIMIT = 32

const NO_ERRORS = Object.freeze([]) as readonly never[]

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

/** What a plan's slots hold: codes, members, compiled conditions, and the Decisions made. */
type Slot = number | string | CompiledBindingCondition | Decision | undefined

/**
 * The implementation behind CompiledPolicy; only this folder sees it.
 *
 * It is an Array (its elements are the plan) so that a check reads the policy and its plan from
 * one object and one contiguous store: at a million policies each separate object is one more
 * cache and TLB miss (measured: a separate plan array cost ~25 % more per check). The elements:
 * the pairs [0, 2 × pairs), the compiled conditions [2 × pairs, +conditions), and, once the
 * policy has decided a check, one Decision slot per pair after them.
 */
export class PolicyIndex extends Array<Slot> implements CompiledPolicy {
  // Array methods that make new arrays (map, filter, …) make plain ones.
  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }

  readonly resource: string
  readonly etag?: string
  readonly #pairs: number
  /** Where the Decision slots start: 2 × pairs + conditions. */
  readonly #decisions: number
  /** By role slot - PREDEFINED_ROLE_COUNT. */
  readonly #custom: readonly CustomSlot[] | undefined
  /** Large policies only: member → its pair numbers (pair p is at [2p]), ascending. */
  readonly #byMember: Map<string, number[]> | undefined

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
    let conditional = 0
    for (const b of bindings) {
      pairs += b.members.length
      if (b.condition !== undefined) conditional++
    }
    if (conditional > MAX_CONDITIONS) throw new RangeError('a policy with too many conditions')
    super(2 * pairs + conditional)
    this.resource = resource
    if (etag !== undefined) this.etag = etag
    let custom: CustomSlot[] | undefined
    let at = 0
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
      if (b.condition !== undefined) {
        this[2 * pairs + condition] = internCondition(b.condition)
        code |= ++condition << CONDITION_SHIFT
      }
      for (const member of b.members) {
        // Canonical stored policies are already normalised; normalising again keeps a caller
        // that compiles a hand-written policy from silently missing `user:Alice@Example.com`.
        const interned = internMember(member)
        this[at++] = code | (interned.bit << BIT_SHIFT)
        this[at++] = interned.member
        code &= ~START
      }
    }
    this.#pairs = pairs
    this.#decisions = 2 * pairs + conditional
    this.#custom = custom
    this.#byMember = pairs > SCAN_LIMIT ? indexByMember(this, pairs) : undefined
  }

  /** The bindings as compiled, in policy order (decoded from the plan: for explanations). */
  get bindings(): readonly CompiledBinding[] {
    const end = 2 * this.#pairs
    const out: CompiledBinding[] = []
    for (let at = 0; at < end;) {
      const code = this[at] as number
      const members: string[] = []
      do {
        members.push(this[at + 1] as string)
        at += 2
      } while (at < end && ((this[at] as number) & START) === 0)
      const slot = (code >> SLOT_SHIFT) & SLOT_MASK
      const condition = this.#conditionOf(code)
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

  /** How many member pairs the plan holds (one per member of each binding). */
  get pairs(): number {
    return this.#pairs
  }

  /**
   * The first pair, in policy order, whose binding grants `permission` to one of `members`
   * unconditionally; otherwise -2 when some conditional binding might grant it (its role holds
   * it and it names one of the members), -1 when nothing can. `mask`: memberMask(members).
   */
  unconditional(
    roles: RoleBits,
    permission: string,
    members: ReadonlySet<string>,
    mask: number,
  ): number {
    const byMember = this.#byMember
    let conditional = false
    if (byMember === undefined) {
      const end = 2 * this.#pairs
      for (let at = 0; at < end; at += 2) {
        const code = this[at] as number
        if (((mask >>> ((code >> BIT_SHIFT) & BIT_MASK)) & 1) === 0) continue
        if (!this.#holds((code >> SLOT_SHIFT) & SLOT_MASK, roles, permission)) continue
        if (!members.has(this[at + 1] as string)) continue
        if (code < CONDITIONAL) return at >> 1
        conditional = true
      }
      return conditional ? -2 : -1
    }
    let best = -1
    for (const member of members) {
      const listed = byMember.get(member)
      if (listed === undefined) continue
      for (let k = 0; k < listed.length; k++) {
        const pair = listed[k] as number
        if (best >= 0 && pair >= best) break
        const code = this[2 * pair] as number
        if (!this.#holds((code >> SLOT_SHIFT) & SLOT_MASK, roles, permission)) continue
        if (code >= CONDITIONAL) {
          conditional = true
          continue
        }
        best = pair
        break
      }
    }
    return best >= 0 ? best : conditional ? -2 : -1
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
    const code = this[2 * pair] as number
    if (code < CONDITIONAL) return 0
    if (!this.#holds((code >> SLOT_SHIFT) & SLOT_MASK, roles, permission)) return 0
    if (!members.has(this[2 * pair + 1] as string)) return 0
    return code >> CONDITION_SHIFT
  }

  /** The condition with number k (≥ 1). */
  condition(k: number): CompiledBindingCondition {
    return this[2 * this.#pairs + k - 1] as CompiledBindingCondition
  }

  /** The role of a pair's binding. */
  roleAt(pair: number): string {
    return this.#roleOf(((this[2 * pair] as number) >> SLOT_SHIFT) & SLOT_MASK)
  }

  /** The frozen allow Decision naming a pair's binding and member (made once, then kept). */
  allowAt(pair: number): Decision {
    const known = this[this.#decisions + pair] as Decision | undefined
    if (known !== undefined) return known
    const made = allowDecision(
      this.resource,
      this.roleAt(pair),
      this[2 * pair + 1] as string,
      this.#conditionOf(this[2 * pair] as number),
    )
    this[this.#decisions + pair] = made
    return made
  }

  #holds(slot: number, roles: RoleBits, permission: string): boolean {
    if (slot < PREDEFINED_ROLE_COUNT) return hasRole(roles, slot)
    return this.#custom?.[slot - PREDEFINED_ROLE_COUNT]?.permissions?.has(permission) === true
  }

  #roleOf(slot: number): string {
    return slot < PREDEFINED_ROLE_COUNT
      ? predefinedRoleName(slot)
      : (this.#custom?.[slot - PREDEFINED_ROLE_COUNT] as CustomSlot).role
  }

  #conditionOf(code: number): CompiledBindingCondition | undefined {
    return code < CONDITIONAL ? undefined : this.condition(code >> CONDITION_SHIFT)
  }
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

function indexByMember(plan: readonly Slot[], pairs: number): Map<string, number[]> {
  const byMember = new Map<string, number[]>()
  for (let at = 0; at < 2 * pairs; at += 2) {
    const member = plan[at + 1] as string
    const listed = byMember.get(member)
    if (listed === undefined) byMember.set(member, [at >> 1])
    else listed.push(at >> 1)
  }
  return byMember
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
