// troubleshoot: Policy Troubleshooter v3 for one principal, permission and resource, pure. The
// verdict is the authorizer's own: check() over the policies the caller may see, with the same
// principal set and attributes (UNKNOWN ones absent). The explanation around it (each policy on
// the path, each binding's role, members and condition) is explain-binding.ts's, and agrees with
// check() binding by binding (troubleshoot.prop.test.ts).
import { check } from '../authorizer/check.js'
import type { CompiledBinding } from '../authorizer/compiled-policy.js'
import type { Decision, GrantingBinding } from '../authorizer/types.js'
import { explainBinding, toRequestAttributes } from './explain-binding.js'
import type {
  AllowAccessState,
  AllowBindingExplanation,
  DenyPolicyExplanation,
  ExplainedAllowPolicy,
  OverallAccessState,
  TroubleshootInput,
  TroubleshootIamPolicyResponse,
} from './types.js'

const HIGH = 'HEURISTIC_RELEVANCE_HIGH'
const NORMAL = 'HEURISTIC_RELEVANCE_NORMAL'

/**
 * Google's empty deny explanation, for when no deny explainer is given (no deny policies).
 * Wiring point: pass TroubleshootInput.deny built over '@runiam/core/deny' evaluateDeny.
 */
export const NO_DENY: DenyPolicyExplanation = Object.freeze({
  denyAccessState: 'DENY_ACCESS_STATE_NOT_DENIED',
  explainedResources: Object.freeze([]),
  relevance: NORMAL,
  permissionDeniable: false,
})

/** Most to least decisive: the state a set of explanations adds up to when none grants. */
const UNKNOWN_ORDER: readonly AllowAccessState[] = [
  'ALLOW_ACCESS_STATE_UNKNOWN_INFO',
  'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL',
]

function combine(states: readonly AllowAccessState[]): AllowAccessState {
  if (states.includes('ALLOW_ACCESS_STATE_GRANTED')) return 'ALLOW_ACCESS_STATE_GRANTED'
  for (const s of UNKNOWN_ORDER) if (states.includes(s)) return s
  return 'ALLOW_ACCESS_STATE_NOT_GRANTED'
}

/** Whether `binding` of the policy on `resource` is the one check() reported. */
function isDeciding(resource: string, binding: CompiledBinding, grant: GrantingBinding): boolean {
  return (
    grant.resource === resource &&
    grant.role === binding.role &&
    binding.members.includes(grant.member) &&
    grant.condition?.expression === binding.condition?.expression
  )
}

/**
 * Explains whether `input.principals` holds `input.permission` on `input.resource`.
 *
 * Compat: policytroubleshooter v3 TroubleshootIamPolicy. A policy the caller may not read is
 * reported as ALLOW_ACCESS_STATE_UNKNOWN_INFO without its name, policy or bindings, and is not
 * given to check(): the verdict never depends on what the caller may not see.
 */
export function troubleshoot(input: TroubleshootInput): TroubleshootIamPolicyResponse {
  const attributes = toRequestAttributes(input)
  const visible = input.policies.filter((p) => p.visible)
  const decision: Decision = check(
    {
      principals: input.principals,
      permission: input.permission,
      resource: input.resource,
      attributes,
    },
    visible.map((p) => p.compiled),
  )
  const grant = decision.grantedBy[0]
  let decidingSeen = false
  const explained: ExplainedAllowPolicy[] = input.policies.map((p) => {
    if (!p.visible) {
      return { allowAccessState: 'ALLOW_ACCESS_STATE_UNKNOWN_INFO', relevance: HIGH }
    }
    const resource = p.compiled.resource
    const bindings: AllowBindingExplanation[] = p.compiled.bindings.map((b) => {
      let e = explainBinding(resource, b, input, attributes)
      if (grant !== undefined && !decidingSeen && isDeciding(resource, b, grant)) {
        decidingSeen = true
        // check() decided: its binding is the one shown as granting (the property test holds
        // explainBinding to the same answer on its own).
        e = { ...e, allowAccessState: 'ALLOW_ACCESS_STATE_GRANTED', relevance: HIGH }
      } else if (!decision.allowed && e.allowAccessState === 'ALLOW_ACCESS_STATE_GRANTED') {
        // check() ran out of its whole-check condition budget before this binding: it granted
        // nothing, and neither may the explanation.
        e = { ...e, allowAccessState: 'ALLOW_ACCESS_STATE_NOT_GRANTED' }
      }
      return e
    })
    const state = combine(bindings.map((b) => b.allowAccessState))
    return {
      allowAccessState: state,
      fullResourceName: p.fullResourceName,
      bindingExplanations: bindings,
      relevance: bindings.some((b) => b.relevance === HIGH) ? HIGH : NORMAL,
      policy: p.policy ?? {},
    }
  })
  const allowState: AllowAccessState = decision.allowed
    ? 'ALLOW_ACCESS_STATE_GRANTED'
    : combine(
        explained.map((p) => p.allowAccessState).filter((s) => s !== 'ALLOW_ACCESS_STATE_GRANTED'),
      )
  const deny =
    input.deny?.({
      principal: input.accessTuple.principal,
      principals: input.principals,
      permission: input.permission,
      fullResourceName: input.accessTuple.fullResourceName,
      attributes: input.attributes,
      groupsKnown: input.groupsKnown,
    }) ?? NO_DENY
  return {
    overallAccessState: overall(allowState, deny),
    accessTuple: input.accessTuple,
    allowPolicyExplanation: {
      allowAccessState: allowState,
      explainedPolicies: explained,
      relevance: deny.denyAccessState === 'DENY_ACCESS_STATE_DENIED' ? NORMAL : HIGH,
    },
    denyPolicyExplanation: deny,
  }
}

/** Compat: deny is evaluated before allow; a certain deny wins over any allow. */
function overall(allow: AllowAccessState, deny: DenyPolicyExplanation): OverallAccessState {
  const d = deny.denyAccessState
  if (d === 'DENY_ACCESS_STATE_DENIED') return 'CANNOT_ACCESS'
  if (allow === 'ALLOW_ACCESS_STATE_NOT_GRANTED') return 'CANNOT_ACCESS'
  if (allow === 'ALLOW_ACCESS_STATE_UNKNOWN_INFO' || d === 'DENY_ACCESS_STATE_UNKNOWN_INFO')
    return 'UNKNOWN_INFO'
  if (
    allow === 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL' ||
    d === 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL'
  )
    return 'UNKNOWN_CONDITIONAL'
  return 'CAN_ACCESS'
}
