// compileDenyPolicy: a stored (already validated) deny policy → the form evaluateDeny reads: member
// Sets and permission matchers per rule, conditions compiled once (compileCondition caches them).
import { compileCondition } from '../conditions/compile-condition.js'
import { memberOfDenyPrincipal } from './deny-principal.js'
import { permissionMatcher } from './deny-permission.js'
import type { CompiledDenyPolicy, CompiledDenyRule, DenyPolicyContent } from './types.js'

export function compileDenyPolicy(name: string, policy: DenyPolicyContent): CompiledDenyPolicy {
  const rules: CompiledDenyRule[] = policy.rules.map((r, index) => {
    const d = r.denyRule
    const condition =
      d.denialCondition === undefined ? undefined : compileCondition(d.denialCondition.expression)
    return Object.freeze({
      index,
      deniedMembers: new Set((d.deniedPrincipals ?? []).map(memberOfDenyPrincipal)),
      exceptionMembers: new Set((d.exceptionPrincipals ?? []).map(memberOfDenyPrincipal)),
      deniedPermissions: permissionMatcher(d.deniedPermissions ?? []),
      exceptionPermissions: permissionMatcher(d.exceptionPermissions ?? []),
      ...(condition === undefined ? {} : { condition }),
    })
  })
  return Object.freeze({ name, rules: Object.freeze(rules) })
}
