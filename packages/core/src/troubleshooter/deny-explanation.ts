// The deny side of the troubleshooter: Google's v3 denyPolicyExplanation over the deny policies
// attached to the resource's project and organization. The verdict is evaluateDeny's own (the
// function every real decision runs first) over the policies the caller may see; the explanation
// around it (each attachment point, policy and rule: principals, permissions, denialCondition)
// agrees with it rule by rule (troubleshoot.prop.test.ts).
import { evaluateDeny } from '../deny/evaluate-deny.js'
import {
  matchesPermission,
  parseDenyPermission,
  permissionMatcher,
  toDenyPermission,
} from '../deny/deny-permission.js'
import { memberOfDenyPrincipal } from '../deny/deny-principal.js'
import type { CompiledDenyRule, DenyRule } from '../deny/types.js'
import type { RequestAttributes } from '../conditions/types.js'
import {
  conditionFields,
  evaluateCondition,
  toRequestAttributes,
  type AttributeSource,
} from './explain-binding.js'
import type {
  DenyAccessState,
  DenyAttachment,
  DenyExplainer,
  DenyRuleExplanation,
  ExplainedDenyPolicy,
  ExplainedDenyResource,
  MembershipExplanation,
  PermissionPatternExplanation,
} from './types.js'

const HIGH = 'HEURISTIC_RELEVANCE_HIGH'
const NORMAL = 'HEURISTIC_RELEVANCE_NORMAL'

/** Most to least decisive: what a set of deny states adds up to. */
const ORDER: readonly DenyAccessState[] = [
  'DENY_ACCESS_STATE_DENIED',
  'DENY_ACCESS_STATE_UNKNOWN_INFO',
  'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL',
]

function combine(states: readonly DenyAccessState[]): DenyAccessState {
  for (const s of ORDER) if (states.includes(s)) return s
  return 'DENY_ACCESS_STATE_NOT_DENIED'
}

const relevanceOf = (
  s: DenyAccessState,
): 'HEURISTIC_RELEVANCE_HIGH' | 'HEURISTIC_RELEVANCE_NORMAL' =>
  s === 'DENY_ACCESS_STATE_NOT_DENIED' ? NORMAL : HIGH

/** Compat: permissionDeniable — whether deny policies can name the permission at all. */
function deniable(permission: string): boolean {
  try {
    parseDenyPermission(toDenyPermission(permission))
    return true
  } catch {
    return false
  }
}

interface Query {
  readonly principals: { readonly members: ReadonlySet<string> }
  readonly groupsKnown: boolean
}

/** Each written principal matched against the principal set, and the combined state. */
function explainPrincipals(
  written: readonly string[],
  query: Query,
): { combined: MembershipExplanation; each: Record<string, MembershipExplanation> } {
  const each: Record<string, MembershipExplanation> = {}
  let matched = false
  let unknown = false
  for (const p of written) {
    const member = memberOfDenyPrincipal(p)
    let state: MembershipExplanation['membership'] = 'MEMBERSHIP_NOT_MATCHED'
    if (query.principals.members.has(member)) {
      state = 'MEMBERSHIP_MATCHED'
      matched = true
    } else if (!query.groupsKnown && member.startsWith('group:')) {
      state = 'MEMBERSHIP_UNKNOWN_INFO'
      unknown = true
    }
    each[p] = { membership: state, relevance: state === 'MEMBERSHIP_NOT_MATCHED' ? NORMAL : HIGH }
  }
  const combined: MembershipExplanation = matched
    ? { membership: 'MEMBERSHIP_MATCHED', relevance: HIGH }
    : unknown
      ? { membership: 'MEMBERSHIP_UNKNOWN_INFO', relevance: HIGH }
      : { membership: 'MEMBERSHIP_NOT_MATCHED', relevance: NORMAL }
  return { combined, each }
}

/** Each written permission pattern matched against the v1 permission, and the combined state. */
function explainPermissions(
  written: readonly string[],
  permission: string,
): { combined: PermissionPatternExplanation; each: Record<string, PermissionPatternExplanation> } {
  const each: Record<string, PermissionPatternExplanation> = {}
  let any = false
  for (const p of written) {
    const hit = matchesPermission(permissionMatcher([p]), permission)
    any ||= hit
    each[p] = hit
      ? { permissionMatchingState: 'PERMISSION_PATTERN_MATCHED', relevance: HIGH }
      : { permissionMatchingState: 'PERMISSION_PATTERN_NOT_MATCHED', relevance: NORMAL }
  }
  return {
    combined: any
      ? { permissionMatchingState: 'PERMISSION_PATTERN_MATCHED', relevance: HIGH }
      : { permissionMatchingState: 'PERMISSION_PATTERN_NOT_MATCHED', relevance: NORMAL },
    each,
  }
}

/**
 * One rule explained. `denied`: evaluateDeny counted it as denying (it decides, as check() does
 * for allow); the explanation then says DENIED, or UNKNOWN_CONDITIONAL when it denied only
 * because its condition needs an attribute the request left UNKNOWN, or UNKNOWN_INFO when an
 * exception principal is a group whose members the caller may not read.
 */
function explainRule(
  written: DenyRule,
  rule: CompiledDenyRule,
  denied: boolean,
  query: Query & AttributeSource,
  attributes: RequestAttributes,
): DenyRuleExplanation {
  const deniedPermissions = explainPermissions(written.deniedPermissions ?? [], query.permission)
  const exceptionPermissions = explainPermissions(
    written.exceptionPermissions ?? [],
    query.permission,
  )
  const deniedPrincipals = explainPrincipals(written.deniedPrincipals ?? [], query)
  const exceptionPrincipals = explainPrincipals(written.exceptionPrincipals ?? [], query)
  const permissionApplies =
    deniedPermissions.combined.permissionMatchingState === 'PERMISSION_PATTERN_MATCHED' &&
    exceptionPermissions.combined.permissionMatchingState !== 'PERMISSION_PATTERN_MATCHED'
  const principalApplies =
    deniedPrincipals.combined.membership !== 'MEMBERSHIP_NOT_MATCHED' &&
    exceptionPrincipals.combined.membership !== 'MEMBERSHIP_MATCHED'
  // The condition is evaluated only where it can matter (as for allow bindings).
  const outcome =
    rule.condition !== undefined && permissionApplies && principalApplies
      ? evaluateCondition(rule.condition, attributes, query)
      : undefined
  const unknownInfo =
    deniedPrincipals.combined.membership === 'MEMBERSHIP_UNKNOWN_INFO' ||
    exceptionPrincipals.combined.membership === 'MEMBERSHIP_UNKNOWN_INFO'
  let state: DenyAccessState
  if (denied) {
    if (unknownInfo) state = 'DENY_ACCESS_STATE_UNKNOWN_INFO'
    else if (outcome?.kind === 'unknown') state = 'DENY_ACCESS_STATE_UNKNOWN_CONDITIONAL'
    else state = 'DENY_ACCESS_STATE_DENIED'
  } else if (
    permissionApplies &&
    principalApplies &&
    unknownInfo &&
    !(outcome?.kind === 'value' && !outcome.value)
  ) {
    // Only a group the caller may not read could make it deny.
    state = 'DENY_ACCESS_STATE_UNKNOWN_INFO'
  } else {
    state = 'DENY_ACCESS_STATE_NOT_DENIED'
  }
  const condition = written.denialCondition
  return {
    denyAccessState: state,
    combinedDeniedPermission: deniedPermissions.combined,
    deniedPermissions: deniedPermissions.each,
    combinedExceptionPermission: exceptionPermissions.combined,
    exceptionPermissions: exceptionPermissions.each,
    combinedDeniedPrincipal: deniedPrincipals.combined,
    deniedPrincipals: deniedPrincipals.each,
    combinedExceptionPrincipal: exceptionPrincipals.combined,
    exceptionPrincipals: exceptionPrincipals.each,
    relevance: relevanceOf(state),
    ...conditionFields(condition, outcome, attributes, query),
  }
}

/**
 * A DenyExplainer over `attachments` (the resource's project, then its organization).
 *
 * Compat: policytroubleshooter v3 DenyPolicyExplanation. An attachment point whose deny policies
 * the caller may not read is `{denyAccessState: DENY_ACCESS_STATE_UNKNOWN_INFO}` without name or
 * policies, and is not given to evaluateDeny: the verdict never depends on what the caller may
 * not see (it can then only be UNKNOWN_INFO, never a certain CAN_ACCESS).
 */
export function denyExplainer(attachments: readonly DenyAttachment[]): DenyExplainer {
  return (query) => {
    const attributes = toRequestAttributes(query)
    const visible = attachments.filter((a) => a.visible).flatMap((a) => a.policies)
    const decision = evaluateDeny(
      query.principals,
      query.permission,
      attributes,
      visible.map((p) => p.compiled),
    )
    const denying = new Set(decision.by.map((d) => `${d.ruleIndex}@${d.policy}`))
    const resources: ExplainedDenyResource[] = attachments.map((a) => {
      if (!a.visible) return { denyAccessState: 'DENY_ACCESS_STATE_UNKNOWN_INFO', relevance: HIGH }
      const policies: ExplainedDenyPolicy[] = a.policies.map(({ compiled, policy }) => {
        const rules = compiled.rules.map((rule) =>
          explainRule(
            policy.rules[rule.index]?.denyRule ?? {},
            rule,
            denying.has(`${rule.index}@${compiled.name}`),
            query,
            attributes,
          ),
        )
        const state = combine(rules.map((r) => r.denyAccessState))
        return {
          denyAccessState: state,
          policy,
          ruleExplanations: rules,
          relevance: relevanceOf(state),
        }
      })
      const state = combine(policies.map((p) => p.denyAccessState))
      return {
        denyAccessState: state,
        fullResourceName: a.fullResourceName,
        explainedPolicies: policies,
        relevance: relevanceOf(state),
      }
    })
    const state = combine(resources.map((r) => r.denyAccessState))
    return {
      denyAccessState: state,
      explainedResources: resources,
      relevance: relevanceOf(state),
      permissionDeniable: deniable(query.permission),
    }
  }
}
