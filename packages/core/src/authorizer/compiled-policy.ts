// compilePolicy: turns one resource's allow policy into the index the authorizer reads. Conditions
// are compiled here, once; the permission → member index is built lazily, per permission, the first
// time that permission is checked on this policy (an eager index of every permission of every role
// would cost ~50 entries per binding across ten thousands of policies, for permissions that are
// mostly never checked). Only permissions some known role holds are ever indexed, so the index is
// bounded by the catalog whatever callers ask.
import { compileCondition } from '../conditions/index.js'
import { normalizeMember } from '../members/member.js'
import type { CompiledCondition, ConditionResult } from '../conditions/types.js'
import type { Policy } from '../policy/types.js'
import { InternTable } from './intern-table.js'
import { isGrantablePermission, rolePermissionSet } from './role-index.js'
import type { Decision, GrantingBinding } from './types.js'

/** A policy compiled for checks. Build with compilePolicy; never construct by hand. */
export interface CompiledPolicy {
  /** Full resource name the policy is attached to, e.g. projects/p or organizations/123. */
  readonly resource: string
  readonly etag?: string
  /** The bindings as compiled (conditions included), in policy order. */
  readonly bindings: readonly CompiledBinding[]
}

export interface CompiledBinding {
  readonly role: string
  readonly members: readonly string[]
  readonly condition?: CompiledBindingCondition
}

export interface CompiledBindingCondition {
  readonly title?: string
  readonly expression: string
  /** Evaluates the condition; a condition that failed to compile always returns its error. */
  readonly evaluate: CompiledCondition['evaluate']
  /** evaluate() within `budget` work units, also reporting the work spent. */
  readonly evaluateMetered: CompiledCondition['evaluateMetered']
}

/** A conditional binding as seen by one member for one permission. */
export interface ConditionalGrant {
  readonly resource: string
  readonly binding: CompiledBinding
  readonly condition: CompiledBindingCondition
  /** The decision returned when this grant decides alone (frozen, shared). */
  readonly allow: Decision
}

/** What grants one permission to one member when some of it is conditional. */
export interface MemberGrants {
  /** Set when some unconditional binding grants the permission to this member. */
  allow: Decision | undefined
  readonly conditional: ConditionalGrant[]
}

/**
 * One permission's slice of a policy: member → what grants it to that member. A member granted
 * only unconditionally maps straight to its (frozen, shared) allow Decision, so the allow path
 * is two Map lookups per level and touches nothing else; a Map subclass rather than a wrapper
 * object saves one more pointer hop on a path dominated by cache misses.
 */
export class PermissionGrants extends Map<string, Decision | MemberGrants> {
  hasConditional = false
}

const NO_GRANTS = new PermissionGrants()
const NO_ERRORS = Object.freeze([]) as readonly never[]

/**
 * The permissions of a custom role (`projects/P/roles/R`, `organizations/O/roles/R`) as the
 * caller knows them, or undefined when it grants nothing (unknown, deleted, disabled, or not in
 * the policy's hierarchy). Called while a permission's index is built, so synchronously: the
 * caller loads the roles a policy names before compiling it.
 */
export type CustomRoleResolver = (role: string) => ReadonlySet<string> | undefined

export interface CompileOptions {
  /**
   * Resolves custom roles; without it a custom role grants nothing. A compiled policy keeps what
   * it resolved: when a custom role changes, compile the policies that bind it again.
   */
  readonly customRoles?: CustomRoleResolver
}

/** The implementation behind CompiledPolicy; only this folder sees it. */
export class PolicyIndex implements CompiledPolicy {
  readonly resource: string
  readonly etag?: string
  readonly bindings: readonly CompiledBinding[]
  // The first permissions checked on this policy sit in the object itself: with tens of
  // thousands of policies the index is cache-cold, and a hit here avoids the two memory reads of
  // a Map lookup (the Map and its table). Checked permissions are few (invoke, get, …).
  #k0: string | undefined = undefined
  #g0: PermissionGrants = NO_GRANTS
  #k1: string | undefined = undefined
  #g1: PermissionGrants = NO_GRANTS
  #k2: string | undefined = undefined
  #g2: PermissionGrants = NO_GRANTS
  // Made only when a fourth permission is checked: most of a large index never gets there.
  #byPermission: Map<string, PermissionGrants> | undefined = undefined
  readonly #customRoles: CustomRoleResolver | undefined

  constructor(
    resource: string,
    etag: string | undefined,
    bindings: readonly CompiledBinding[],
    customRoles?: CustomRoleResolver,
  ) {
    this.resource = resource
    if (etag !== undefined) this.etag = etag
    this.bindings = bindings
    this.#customRoles = customRoles
  }

  /** A role's permissions: predefined from the catalog, custom through the resolver. */
  #permissionsOf(role: string): ReadonlySet<string> | undefined {
    return rolePermissionSet(role) ?? this.#customRoles?.(role)
  }

  /** What grants `permission` on this policy, built on first use and kept. */
  grantsFor(permission: string): PermissionGrants {
    if (this.#k0 === permission) return this.#g0
    if (this.#k1 === permission) return this.#g1
    if (this.#k2 === permission) return this.#g2
    const known = this.#byPermission?.get(permission)
    if (known !== undefined) return known
    if (!isGrantablePermission(permission)) return NO_GRANTS
    const built = this.#build(permission)
    if (this.#k0 === undefined) {
      this.#k0 = permission
      this.#g0 = built
    } else if (this.#k1 === undefined) {
      this.#k1 = permission
      this.#g1 = built
    } else if (this.#k2 === undefined) {
      this.#k2 = permission
      this.#g2 = built
    } else {
      ;(this.#byPermission ??= new Map()).set(permission, built)
    }
    return built
  }

  #build(permission: string): PermissionGrants {
    const byMember = new PermissionGrants()
    const grantsOf = (member: string): MemberGrants => {
      const known = byMember.get(member)
      if (known !== undefined && !isDecision(known)) return known
      const grants: MemberGrants = { allow: known, conditional: [] }
      byMember.set(member, grants)
      return grants
    }
    for (const binding of this.bindings) {
      if (this.#permissionsOf(binding.role)?.has(permission) !== true) continue
      for (const member of binding.members) {
        const condition = binding.condition
        if (condition === undefined) {
          // Compat: conditional bindings never override an unconditional one (IAM Conditions
          // overview); the first unconditional binding in policy order is the one reported.
          const known = byMember.get(member)
          if (known !== undefined && (isDecision(known) || known.allow !== undefined)) continue
          const allow = allowDecision({ resource: this.resource, role: binding.role, member })
          if (known === undefined) byMember.set(member, allow)
          else known.allow = allow
        } else {
          byMember.hasConditional = true
          const grants = grantsOf(member)
          const grant = grantOf(this.resource, binding.role, member, condition)
          grants.conditional.push({
            resource: this.resource,
            binding,
            condition,
            allow: allowDecision(grant),
          })
        }
      }
    }
    return byMember.size === 0 ? NO_GRANTS : byMember
  }
}

/**
 * How many distinct members, roles and conditions compiled policies share before the tables start
 * over (each entry is a few hundred bytes at most; a server's distinct members are far fewer).
 */
const INTERN_LIMIT = 1 << 18

/** One member as every compiled policy holds it. */
interface InternedMember {
  /** The normalised member string, held once. */
  readonly member: string
  /** [member], frozen: the members of every single-member binding naming it. */
  readonly alone: readonly string[]
  /** role → the frozen unconditional binding `{ role, members: alone }`, shared by every policy. */
  readonly plain: Map<string, CompiledBinding>
}

const members = new InternTable<InternedMember>(INTERN_LIMIT)
const roles = new InternTable<string>(INTERN_LIMIT)
const conditions = new InternTable<CompiledBindingCondition>(INTERN_LIMIT)

function newMember(member: string): InternedMember {
  return { member, alone: Object.freeze([member]), plain: new Map() }
}

/** The interned member for `raw`, normalised (`user:Alice@Example.com` → `user:alice@example.com`). */
function internMember(raw: string): InternedMember {
  return members.get(raw, (key) => {
    const normal = normalizeMember(key)
    return normal === key ? newMember(key) : members.get(normal, newMember)
  })
}

const keepRole = (role: string): string => role

/**
 * Compiles a resource's policy for checks. Never throws for a stored policy: a condition that
 * does not compile (it passed validation under another version, say) grants nothing and is
 * reported as a condition error whenever it would have decided a check.
 *
 * Member and role strings, single-member unconditional bindings and compiled conditions are
 * interned across policies (InternTable): compiled bindings are frozen, so sharing them is
 * invisible except in memory (a million services × 10 bindings).
 */
export function compilePolicy(
  resource: string,
  policy: Policy,
  options: CompileOptions = {},
): CompiledPolicy {
  const source = policy.bindings ?? []
  const bindings = new Array<CompiledBinding>(source.length)
  for (let i = 0; i < source.length; i++) {
    const binding = source[i] as (typeof source)[number]
    const role = roles.get(binding.role, keepRole)
    // Canonical stored policies are already normalised; normalising again keeps a caller that
    // compiles a hand-written policy from silently missing `user:Alice@Example.com`.
    const only =
      binding.members.length === 1 ? internMember(binding.members[0] as string) : undefined
    if (only !== undefined && binding.condition === undefined) {
      let shared = only.plain.get(role)
      if (shared === undefined) {
        shared = Object.freeze({ role, members: only.alone })
        only.plain.set(role, shared)
      }
      bindings[i] = shared
      continue
    }
    const compiledMembers =
      only !== undefined
        ? only.alone
        : Object.freeze(binding.members.map((m) => internMember(m).member))
    bindings[i] =
      binding.condition === undefined
        ? Object.freeze({ role, members: compiledMembers })
        : Object.freeze({
            role,
            members: compiledMembers,
            condition: internCondition(binding.condition),
          })
  }
  return new PolicyIndex(resource, policy.etag, Object.freeze(bindings), options.customRoles)
}

/** The compiled condition for a title and expression, shared by every binding that has both. */
function internCondition(expr: {
  readonly expression: string
  readonly title?: string
}): CompiledBindingCondition {
  // Length-prefixed title: no title/expression pair can be mistaken for another.
  const key =
    expr.title === undefined
      ? `-${expr.expression}`
      : `${expr.title.length}:${expr.title}${expr.expression}`
  return conditions.get(key, () => compileBindingCondition(expr))
}

function compileBindingCondition(expr: {
  readonly expression: string
  readonly title?: string
}): CompiledBindingCondition {
  let evaluateMetered: CompiledCondition['evaluateMetered']
  try {
    const compiled = compileCondition(expr.expression)
    // The contract says evaluate never throws; a check must not crash if one ever does.
    evaluateMetered = (attributes, budget) => {
      try {
        return compiled.evaluateMetered(attributes, budget)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        return { result: { ok: false, error: message }, cost: 0 }
      }
    }
  } catch (error) {
    const failed = Object.freeze({
      result: Object.freeze({
        ok: false,
        error: `condition does not compile: ${error instanceof Error ? error.message : String(error)}`,
      }) as ConditionResult,
      cost: 0,
    })
    evaluateMetered = () => failed
  }
  const evaluate: CompiledCondition['evaluate'] = (attributes) => evaluateMetered(attributes).result
  return Object.freeze(
    expr.title === undefined
      ? { expression: expr.expression, evaluate, evaluateMetered }
      : { title: expr.title, expression: expr.expression, evaluate, evaluateMetered },
  )
}

function grantOf(
  resource: string,
  role: string,
  member: string,
  condition: CompiledBindingCondition,
): GrantingBinding {
  const shown =
    condition.title === undefined
      ? { expression: condition.expression }
      : { title: condition.title, expression: condition.expression }
  return { resource, role, member, condition: Object.freeze(shown) }
}

/** Tells a member's plain allow Decision from its MemberGrants (Decisions carry `allowed`). */
export function isDecision(x: Decision | MemberGrants): x is Decision {
  return (x as Partial<Decision>).allowed !== undefined
}

function allowDecision(grant: GrantingBinding): Decision {
  return Object.freeze({
    allowed: true,
    grantedBy: Object.freeze([Object.freeze(grant)]),
    conditionErrors: NO_ERRORS,
  })
}
