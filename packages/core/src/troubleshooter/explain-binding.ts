// One allow-policy binding explained for one principal and permission: does its role hold the
// permission, which of its members match the principal, and what its condition evaluates to.
// The pieces are the authorizer's own: the principal set it matches members against (exact
// interned strings), the role permissions policies were compiled with, and the compiled CEL
// condition's evaluate(). troubleshoot.ts takes the verdict from check() itself.
import type { CompiledBinding } from '../authorizer/compiled-policy.js'
import type { ConditionResult, RequestAttributes } from '../conditions/types.js'
import { operandStates, topLevelOperands } from './condition-states.js'
import type {
  AllowAccessState,
  AllowBindingExplanation,
  ConditionExplanation,
  ExplainedCondition,
  MembershipExplanation,
  TroubleshootInput,
} from './types.js'

const HIGH = 'HEURISTIC_RELEVANCE_HIGH'
const NORMAL = 'HEURISTIC_RELEVANCE_NORMAL'
/** google.rpc.Code values used in condition errors. */
const INVALID_ARGUMENT = 3

/** What a condition evaluated to: a value, UNKNOWN (it needs an attribute not supplied), or an error. */
export type ConditionOutcome =
  | { readonly kind: 'value'; readonly value: boolean }
  | { readonly kind: 'unknown'; readonly message: string }
  | { readonly kind: 'error'; readonly message: string }

/**
 * The one permission decided per request to a service, with request.host and request.path (the
 * gateway's). Every other permission is decided on admin calls, which carry neither: for those
 * host and path are absent (a condition reading them errors, as in the real decision), never
 * UNKNOWN, whatever the troubleshooting request says.
 */
const PER_REQUEST_PERMISSION = 'run.routes.invoke'

/** What the attributes of a condition depend on: the request's and the permission checked. */
export type AttributeSource = Pick<TroubleshootInput, 'attributes' | 'permission'>

/** The runiam attributes a troubleshooting request supplies; UNKNOWN ones are absent (time: NaN). */
export function toRequestAttributes(input: AttributeSource): RequestAttributes {
  const a = input.attributes
  const perRequest = input.permission === PER_REQUEST_PERMISSION
  return {
    timeMs: a.timeMs ?? Number.NaN,
    ...(a.host === undefined || !perRequest ? {} : { host: a.host }),
    ...(a.path === undefined || !perRequest ? {} : { path: a.path }),
  }
}

/** The request.* attributes an expression reads that the request left UNKNOWN. */
export function unknownAttributesIn(expression: string, input: AttributeSource): string[] {
  const a = input.attributes
  const perRequest = input.permission === PER_REQUEST_PERMISSION
  const out: string[] = []
  if (a.timeMs === undefined && /\brequest\s*\.\s*time\b/.test(expression)) out.push('request.time')
  if (perRequest && a.host === undefined && /\brequest\s*\.\s*host\b/.test(expression))
    out.push('request.host')
  if (perRequest && a.path === undefined && /\brequest\s*\.\s*path\b/.test(expression))
    out.push('request.path')
  return out
}

/**
 * Evaluates a condition as check() does (same compiled condition, same attributes). A result
 * is sound even with UNKNOWN attributes: an absent attribute is a CEL error, which `||`/`&&`
 * absorb only when the other side decides alone. An error from a condition that reads an
 * UNKNOWN attribute is UNKNOWN, not an error.
 */
export function evaluateCondition(
  condition: Pick<NonNullable<CompiledBinding['condition']>, 'expression' | 'evaluate'>,
  attributes: RequestAttributes,
  input: AttributeSource,
): ConditionOutcome {
  const result: ConditionResult = condition.evaluate(attributes)
  if (result.ok) return { kind: 'value', value: result.value }
  const unknown = unknownAttributesIn(condition.expression, input)
  if (unknown.length > 0) {
    return {
      kind: 'unknown',
      message: `The condition reads ${unknown.join(', ')}, which the request did not supply.`,
    }
  }
  return { kind: 'error', message: result.error }
}

/**
 * The condition's explanation: its value (or errors) and the evaluation states of its top-level
 * operands (condition-states.ts), or of the whole expression when it does not split.
 */
export function explainCondition(
  expression: string,
  outcome: ConditionOutcome,
  attributes: RequestAttributes,
  input: AttributeSource,
): ConditionExplanation {
  const end = Math.max(0, expression.length - 1)
  const operands = outcome.kind === 'error' ? undefined : topLevelOperands(expression)
  if (outcome.kind === 'value') {
    const states =
      operands === undefined
        ? [{ start: 0, end, value: outcome.value }]
        : operandStates(operands, attributes, (text) => unknownAttributesIn(text, input))
    return { value: outcome.value, evaluationStates: states }
  }
  const errors = [{ code: INVALID_ARGUMENT, message: outcome.message }]
  const states =
    operands === undefined
      ? [{ start: 0, end, errors }]
      : operandStates(operands, attributes, (text) => unknownAttributesIn(text, input))
  return { errors, evaluationStates: states }
}

/** The binding explained; `outcome` is given when the caller already evaluated its condition. */
export function explainBinding(
  resource: string,
  binding: CompiledBinding,
  input: TroubleshootInput,
  attributes: RequestAttributes,
): AllowBindingExplanation {
  const included = input.rolePermissions(resource, binding.role)?.has(input.permission) === true
  const members = input.principals.members
  const memberships: Record<string, MembershipExplanation> = {}
  let matched = false
  let unknown = false
  for (const m of binding.members) {
    let state: MembershipExplanation['membership']
    if (members.has(m)) {
      state = 'MEMBERSHIP_MATCHED'
      matched = true
    } else if (!input.groupsKnown && m.startsWith('group:')) {
      state = 'MEMBERSHIP_UNKNOWN_INFO'
      unknown = true
    } else {
      state = 'MEMBERSHIP_NOT_MATCHED'
    }
    memberships[m] = {
      membership: state,
      relevance: state === 'MEMBERSHIP_NOT_MATCHED' ? NORMAL : HIGH,
    }
  }
  const combined: MembershipExplanation = matched
    ? { membership: 'MEMBERSHIP_MATCHED', relevance: HIGH }
    : unknown
      ? { membership: 'MEMBERSHIP_UNKNOWN_INFO', relevance: HIGH }
      : { membership: 'MEMBERSHIP_NOT_MATCHED', relevance: NORMAL }
  // Conditions are evaluated only where they can matter: the role holds the permission.
  const condition = binding.condition
  const outcome =
    condition !== undefined && included
      ? evaluateCondition(condition, attributes, input)
      : undefined
  let state: AllowAccessState
  if (!included || (!matched && !unknown)) state = 'ALLOW_ACCESS_STATE_NOT_GRANTED'
  else if (outcome?.kind === 'error' || (outcome?.kind === 'value' && !outcome.value))
    state = 'ALLOW_ACCESS_STATE_NOT_GRANTED'
  else if (!matched) state = 'ALLOW_ACCESS_STATE_UNKNOWN_INFO'
  else if (outcome?.kind === 'unknown') state = 'ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL'
  else state = 'ALLOW_ACCESS_STATE_GRANTED'
  const relevant = included && (matched || unknown)
  return {
    allowAccessState: state,
    role: binding.role,
    rolePermission: included ? 'ROLE_PERMISSION_INCLUDED' : 'ROLE_PERMISSION_NOT_INCLUDED',
    rolePermissionRelevance: included ? HIGH : NORMAL,
    combinedMembership: combined,
    memberships,
    relevance: relevant ? HIGH : NORMAL,
    ...conditionFields(condition, outcome, attributes, input),
  }
}

/**
 * The `condition` (and, when it was evaluated, `conditionExplanation`) fields of a binding or
 * deny rule explanation; none without a condition.
 */
export function conditionFields(
  condition:
    | { readonly expression: string; readonly title?: string; readonly description?: string }
    | undefined,
  outcome: ConditionOutcome | undefined,
  attributes: RequestAttributes,
  input: AttributeSource,
): { condition?: ExplainedCondition; conditionExplanation?: ConditionExplanation } {
  if (condition === undefined) return {}
  return {
    condition: {
      ...(condition.title === undefined ? {} : { title: condition.title }),
      ...(condition.description === undefined ? {} : { description: condition.description }),
      expression: condition.expression,
    },
    ...(outcome === undefined
      ? {}
      : {
          conditionExplanation: explainCondition(condition.expression, outcome, attributes, input),
        }),
  }
}
