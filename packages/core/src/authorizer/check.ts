// check, allows and testPermissions: the one decision function behind testIamPermissions,
// admin-call authorization and the invoker gateway (allows: the same verdict without the
// explanation). Pure: everything it reads is an argument.
//
// Order of work, so the common case costs one Map lookup, a few bit tests per binding and a few
// Set lookups per level, and allocates nothing:
//   1. the permission's role bitset (role-index.ts): a permission no known role holds is denied
//      at once;
//   2. every level's unconditional grants for the caller's members (a hit returns the frozen
//      Decision that policy keeps for that binding and member, made the first time it decided;
//      allows returns true and reads no Decision);
//   3. only then, conditional bindings, in the order the policies were given, within one work
//      budget for the whole check (a policy may hold many conditional bindings, each bounded by
//      the conditions' own per-evaluation budget: their sum must be bounded too).
import { EVALUATION_BUDGET } from '../conditions/limits.js'
import type { ConditionResult, RequestAttributes } from '../conditions/types.js'
import type { CompiledPolicy } from './compiled-policy.js'
import { PolicyIndex } from './policy-index.js'
import { callerHashes, memberMask } from './principal-set.js'
import { rolesHolding, type RoleBits } from './role-index.js'
import type { CheckRequest, ConditionFailure, Decision } from './types.js'

/**
 * Work units (the conditions' EVALUATION_BUDGET units) all condition evaluations of one check may
 * spend together: two worst-case conditions, ~2 ms. Conditions met after it is spent are not
 * evaluated; their bindings grant nothing and are reported in conditionErrors. testPermissions
 * shares one such budget across all the permissions it checks.
 */
export const CHECK_CONDITION_BUDGET = 2 * EVALUATION_BUDGET

/** What is left of a check's condition budget; shared by the checks of one testPermissions. */
interface ConditionBudget {
  remaining: number
}

const BUDGET_SPENT: ConditionResult = Object.freeze({
  ok: false,
  error: `not evaluated: the conditions evaluated before it used up this check's budget of ${CHECK_CONDITION_BUDGET.toLocaleString('en-US')} units of work`,
})

/**
 * A resource's allow policies as check, allows and testPermissions read them: a list (the
 * resource's and its ancestors'; any order decides alike, most specific first explains best), or
 * one policy bound to its ancestors' by chainOf.
 */
export type PolicyChain = readonly CompiledPolicy[] | ChainedPolicy

/** A resource's own compiled policy, bound to the policies it inherits (chainOf). */
export interface ChainedPolicy extends CompiledPolicy {
  /** Its ancestors' policies, most specific first. */
  readonly inherited: readonly CompiledPolicy[]
}

/**
 * `own` (a resource's compiled policy) followed by `inherited` (its ancestors' policies, most
 * specific first), as one value for check, allows and testPermissions: the policy itself keeps
 * the list, so a check reads no chain object of its own (at a million resources each such
 * object is one more cache and TLB miss per check; share one `inherited` list among the
 * resources with the same ancestors and it stays in cache). A policy keeps one binding: binding
 * it again replaces the earlier one, and every value chainOf returned for it then reads the new
 * ancestors. So bind a policy only to its own resource's ancestors, as they are now.
 */
export function chainOf(own: CompiledPolicy, inherited: readonly CompiledPolicy[]): ChainedPolicy {
  const index = own as PolicyIndex
  index.inherit(inherited)
  return index
}

/**
 * Whether a chain is one bound policy (chainOf) rather than a list. By its constructor, which for
 * a chain of a known hidden class is a map check: `instanceof` walks a plain list's prototype
 * chain to its end (Array.prototype, Object.prototype) on every check. A list is a plain array.
 */
function isBound(policies: PolicyChain): policies is PolicyIndex {
  return policies.constructor === PolicyIndex
}

/** A chain's policies as a list, most specific first: for a bound chain, a copy made now. */
export function policiesOf(policies: PolicyChain): readonly CompiledPolicy[] {
  if (!isBound(policies)) return policies as readonly CompiledPolicy[]
  return [policies, ...policies.inherited]
}

/** How many policies a chain holds. */
function levels(policies: PolicyChain): number {
  return isBound(policies)
    ? 1 + policies.inherited.length
    : (policies as readonly CompiledPolicy[]).length
}

/** A chain's policy at `level` (0: the most specific, as firstUnconditional counts). */
function levelAt(policies: PolicyChain, level: number): PolicyIndex {
  if (!isBound(policies)) {
    return (policies as readonly CompiledPolicy[])[level] as PolicyIndex
  }
  return level === 0 ? policies : (policies.inherited[level - 1] as PolicyIndex)
}

const DENIED: Decision = Object.freeze({
  allowed: false,
  grantedBy: Object.freeze([]),
  conditionErrors: Object.freeze([]),
})

/**
 * Whether the principals hold the permission on the resource, given the allow policies of the
 * resource and its ancestors (any order; a grant at any level allows).
 *
 * Compat: IAM allow-policy semantics: a binding grants when its role holds the permission, one of
 * its members is in the caller's principal set, and it has no condition or its condition is true.
 * A condition that errors grants nothing (Cloud IAM: "the condition will never allow access") and
 * is reported in conditionErrors; this function never throws for stored data. When denied,
 * conditionErrors lists every erroring binding that would otherwise have granted; when allowed,
 * grantedBy holds the deciding binding and conditionErrors those met before it.
 */
export function check(request: CheckRequest, policies: PolicyChain): Decision {
  return checkWithin(request, policies, undefined)
}

/**
 * Whether the principals hold the permission: exactly check(request, policies).allowed, without
 * the explanation. The invoker gateway's path: an unconditional grant (the common case) is
 * answered from the plans alone, never touching or making a Decision (at a million policies that
 * object is one more cache miss per check); only when a conditional binding might grant is the
 * explaining path taken. testIamPermissions, the troubleshooter and the admin API's errors use
 * check().
 */
export function allows(request: CheckRequest, policies: PolicyChain): boolean {
  const roles = rolesHolding(request.permission)
  if (roles === undefined) return false
  const level = firstUnconditional(roles, request.permission, request.principals.members, policies)
  if (level !== MAYBE_CONDITIONAL) return level >= 0
  return checkConditional(
    roles,
    request.permission,
    request.principals.members,
    request.attributes,
    policies,
    { remaining: CHECK_CONDITION_BUDGET },
  ).allowed
}

/** `budget`: the one shared by testPermissions; undefined: a fresh one, made only if needed. */
function checkWithin(
  request: CheckRequest,
  policies: PolicyChain,
  budget: ConditionBudget | undefined,
): Decision {
  const permission = request.permission
  const roles = rolesHolding(permission)
  if (roles === undefined) return DENIED
  const members = request.principals.members
  const level = firstUnconditional(roles, permission, members, policies)
  if (level >= 0) return levelAt(policies, level).allowAt(foundPair)
  if (level === NOTHING) return DENIED
  return checkConditional(
    roles,
    permission,
    members,
    request.attributes,
    policies,
    budget ?? { remaining: CHECK_CONDITION_BUDGET },
  )
}

/** firstUnconditional's answers when no unconditional grant was found. */
const NOTHING = -1
const MAYBE_CONDITIONAL = -2

/** The pair of the grant firstUnconditional found last (set only when it returns a level). */
let foundPair = 0

/**
 * Step 2 for check and allows alike: the first level (index into `policies`) with an
 * unconditional grant of the permission to one of `members`, its pair left in foundPair;
 * otherwise MAYBE_CONDITIONAL when some conditional binding might grant it, NOTHING when none can.
 */
function firstUnconditional(
  roles: RoleBits,
  permission: string,
  members: ReadonlySet<string>,
  policies: PolicyChain,
): number {
  const mask = memberMask(members)
  const hashes = callerHashes(members)
  let conditional = false
  // A bound chain: its own policy first (level 0), then what it inherits (levels 1, 2, …).
  let first = 0
  let rest: readonly CompiledPolicy[]
  if (isBound(policies)) {
    const pair = policies.unconditional(roles, permission, members, mask, hashes)
    if (pair >= 0) {
      foundPair = pair
      return 0
    }
    if (pair === -2) conditional = true
    first = 1
    rest = policies.inherited
  } else {
    rest = policies as readonly CompiledPolicy[]
  }
  for (let i = 0; i < rest.length; i++) {
    const pair = (rest[i] as PolicyIndex).unconditional(roles, permission, members, mask, hashes)
    if (pair >= 0) {
      foundPair = pair
      return first + i
    }
    if (pair === -2) conditional = true
  }
  return conditional ? MAYBE_CONDITIONAL : NOTHING
}

function checkConditional(
  roles: RoleBits,
  permission: string,
  members: ReadonlySet<string>,
  attributes: RequestAttributes,
  policies: PolicyChain,
  budget: ConditionBudget,
): Decision {
  let errors: ConditionFailure[] | undefined
  const count = levels(policies)
  for (let level = 0; level < count; level++) {
    const index = levelAt(policies, level)
    // A binding naming several of the caller's members is evaluated (and reported) once.
    let last = 0
    for (let pair = 0; pair < index.pairs; pair++) {
      const k = index.conditionalCandidate(pair, roles, permission, members)
      if (k === 0 || k === last) continue
      last = k
      const condition = index.condition(k)
      let result: ConditionResult
      if (budget.remaining > 0) {
        const metered = condition.evaluateMetered(
          attributes,
          Math.min(EVALUATION_BUDGET, budget.remaining),
        )
        budget.remaining -= metered.cost
        result = metered.result
      } else {
        result = BUDGET_SPENT
      }
      if (result.ok) {
        if (!result.value) continue
        const allow = index.allowAt(pair)
        if (errors === undefined) return allow
        return Object.freeze({
          allowed: true,
          grantedBy: allow.grantedBy,
          conditionErrors: Object.freeze(errors),
        })
      }
      ;(errors ??= []).push(
        Object.freeze({
          resource: index.resource,
          role: index.roleAt(pair),
          expression: condition.expression,
          error: result.error,
        }),
      )
    }
  }
  if (errors === undefined) return DENIED
  return Object.freeze({
    allowed: false,
    grantedBy: DENIED.grantedBy,
    conditionErrors: Object.freeze(errors),
  })
}

/**
 * The subset of `permissions` the principals hold on the resource, in request order.
 * Compat: testIamPermissions answers with the permissions held and never fails for ones not held.
 */
export function testPermissions(
  request: Omit<CheckRequest, 'permission'>,
  permissions: readonly string[],
  policies: PolicyChain,
): string[] {
  const held: string[] = []
  const budget: ConditionBudget = { remaining: CHECK_CONDITION_BUDGET }
  for (const permission of permissions) {
    const decision = checkWithin(
      {
        principals: request.principals,
        permission,
        resource: request.resource,
        attributes: request.attributes,
      },
      policies,
      budget,
    )
    if (decision.allowed) held.push(permission)
  }
  return held
}
