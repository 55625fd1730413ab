// evaluateDeny: whether deny policies refuse a permission to a caller, and which rules did. Pure;
// runs before the allow check (authorizer/check.ts) on every decision path.
import type { PrincipalSet } from '../authorizer/types.js'
import { EVALUATION_BUDGET } from '../conditions/limits.js'
import type { ConditionResult, RequestAttributes } from '../conditions/types.js'
import { matchesPermission } from './deny-permission.js'
import type {
  CompiledDenyPolicy,
  DenyConditionFailure,
  DenyDecision,
  DenyingRule,
} from './types.js'

/**
 * Work units all denialConditions of one evaluation may spend together (as the allow check's
 * CHECK_CONDITION_BUDGET): 500 rules with costly conditions must not make one decision slow.
 * A condition met after it is spent is not evaluated and counts as an error: its rule denies.
 */
export const DENY_CONDITION_BUDGET = 2 * EVALUATION_BUDGET

export const NOT_DENIED: DenyDecision = Object.freeze({
  denied: false,
  by: Object.freeze([]),
  conditionErrors: Object.freeze([]),
})

function anyOf(members: ReadonlySet<string>, of: ReadonlySet<string>): boolean {
  // Iterate the smaller side: rules name few principals, callers hold a handful of members.
  if (of.size < members.size) {
    for (const m of of) if (members.has(m)) return true
  } else {
    for (const m of members) if (of.has(m)) return true
  }
  return false
}

const BUDGET_SPENT: ConditionResult = Object.freeze({
  ok: false,
  error: `not evaluated: the denial conditions evaluated before it used up this decision's budget of ${DENY_CONDITION_BUDGET.toLocaleString('en-US')} units of work`,
})

/**
 * Only the rules that can deny `permission` (matching deniedPermissions, not
 * exceptionPermissions), rule indexes kept: what a caller caches per chain and permission so the
 * decision path walks only those (the gateway asks one permission, run.routes.invoke).
 */
export function narrowDenyPolicies(
  policies: readonly CompiledDenyPolicy[],
  permission: string,
): readonly CompiledDenyPolicy[] {
  const out: CompiledDenyPolicy[] = []
  for (const policy of policies) {
    const rules = policy.rules.filter(
      (r) =>
        matchesPermission(r.deniedPermissions, permission) &&
        !matchesPermission(r.exceptionPermissions, permission),
    )
    if (rules.length > 0)
      out.push(Object.freeze({ name: policy.name, rules: Object.freeze(rules) }))
  }
  return Object.freeze(out)
}

/**
 * The deny decision for `permission` (IAM v1 name, e.g. `run.routes.invoke`) given the deny
 * policies attached to the resource's ancestors (any order).
 *
 * Compat: IAM deny semantics (reference §4.4): a rule denies when the permission matches
 * deniedPermissions and not exceptionPermissions, a caller member is in deniedPrincipals (a user,
 * their groups, allUsers for public:all) and none is in exceptionPrincipals, and its
 * denialCondition is absent or true. Any denying rule denies.
 *
 * A denialCondition that fails to evaluate makes its rule deny (fail closed; runiam's choice,
 * docs/deny-policies.md): the failure is in conditionErrors and the rule in `by`. Every denying
 * rule is reported, not only the first, so the answer explains itself.
 */
export function evaluateDeny(
  principals: PrincipalSet,
  permission: string,
  attributes: RequestAttributes,
  policies: readonly CompiledDenyPolicy[],
): DenyDecision {
  let by: DenyingRule[] | undefined
  let errors: DenyConditionFailure[] | undefined
  const members = principals.members
  let budget = DENY_CONDITION_BUDGET
  for (const policy of policies) {
    for (const rule of policy.rules) {
      if (!matchesPermission(rule.deniedPermissions, permission)) continue
      if (matchesPermission(rule.exceptionPermissions, permission)) continue
      if (!anyOf(members, rule.deniedMembers)) continue
      if (rule.exceptionMembers.size > 0 && anyOf(members, rule.exceptionMembers)) continue
      if (rule.condition !== undefined) {
        let result: ConditionResult
        if (budget > 0) {
          const metered = rule.condition.evaluateMetered(
            attributes,
            Math.min(EVALUATION_BUDGET, budget),
          )
          budget -= metered.cost
          result = metered.result
        } else {
          result = BUDGET_SPENT
        }
        if (result.ok && !result.value) continue
        if (!result.ok) {
          ;(errors ??= []).push(
            Object.freeze({
              policy: policy.name,
              ruleIndex: rule.index,
              expression: rule.condition.expression,
              error: result.error,
            }),
          )
        }
      }
      ;(by ??= []).push(Object.freeze({ policy: policy.name, ruleIndex: rule.index }))
    }
  }
  if (by === undefined) return NOT_DENIED
  return Object.freeze({
    denied: true,
    by: Object.freeze(by),
    conditionErrors: Object.freeze(errors ?? []),
  })
}
