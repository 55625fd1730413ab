// The v1 and v2alpha1 answers, as mappings of the v3 one: allow policies only, v1's enum names.
// Compat: google/cloud/policytroubleshooter/v1 explanations.proto (AccessState, BindingExplanation
// with `memberships` and no conditionExplanation, response `errors`); v2alpha1 adds
// `conditionExplanation` and has no `errors` (reference §2.2).
import type {
  AllowAccessState,
  AllowBindingExplanation,
  HeuristicRelevance,
  MembershipMatchingState,
  TroubleshootIamPolicyResponse,
} from './types.js'

type V1Access = 'GRANTED' | 'NOT_GRANTED' | 'UNKNOWN_CONDITIONAL' | 'UNKNOWN_INFO_DENIED'

export interface V1BindingExplanation {
  readonly access: V1Access
  readonly role: string
  readonly rolePermission: string
  readonly rolePermissionRelevance: 'NORMAL' | 'HIGH'
  readonly memberships: Readonly<
    Record<string, { membership: string; relevance: 'NORMAL' | 'HIGH' }>
  >
  readonly relevance: 'NORMAL' | 'HIGH'
  readonly condition?: AllowBindingExplanation['condition']
  readonly conditionExplanation?: {
    readonly value?: boolean
    readonly evaluationStates: readonly { start: number; end: number; value?: boolean }[]
  }
}

export interface V1TroubleshootResponse {
  readonly access: V1Access
  readonly explainedPolicies: readonly {
    readonly access: V1Access
    readonly fullResourceName?: string
    readonly policy?: unknown
    readonly bindingExplanations?: readonly V1BindingExplanation[]
    readonly relevance: 'NORMAL' | 'HIGH'
  }[]
  readonly errors?: readonly { code: number; message: string }[]
}

const ACCESS: Record<AllowAccessState, V1Access> = {
  ALLOW_ACCESS_STATE_GRANTED: 'GRANTED',
  ALLOW_ACCESS_STATE_NOT_GRANTED: 'NOT_GRANTED',
  ALLOW_ACCESS_STATE_UNKNOWN_CONDITIONAL: 'UNKNOWN_CONDITIONAL',
  ALLOW_ACCESS_STATE_UNKNOWN_INFO: 'UNKNOWN_INFO_DENIED',
}

const MEMBERSHIP: Record<MembershipMatchingState, string> = {
  MEMBERSHIP_MATCHED: 'MEMBERSHIP_INCLUDED',
  MEMBERSHIP_NOT_MATCHED: 'MEMBERSHIP_NOT_INCLUDED',
  MEMBERSHIP_UNKNOWN_INFO: 'MEMBERSHIP_UNKNOWN_INFO_DENIED',
  MEMBERSHIP_UNKNOWN_UNSUPPORTED: 'MEMBERSHIP_UNKNOWN_UNSUPPORTED',
}

const relevance = (r: HeuristicRelevance): 'NORMAL' | 'HIGH' =>
  r === 'HEURISTIC_RELEVANCE_HIGH' ? 'HIGH' : 'NORMAL'

function binding(b: AllowBindingExplanation, withCondition: boolean): V1BindingExplanation {
  const memberships: Record<string, { membership: string; relevance: 'NORMAL' | 'HIGH' }> = {}
  for (const [m, e] of Object.entries(b.memberships)) {
    memberships[m] = { membership: MEMBERSHIP[e.membership], relevance: relevance(e.relevance) }
  }
  const c = b.conditionExplanation
  return {
    access: ACCESS[b.allowAccessState],
    role: b.role,
    rolePermission:
      b.rolePermission === 'ROLE_PERMISSION_UNKNOWN_INFO'
        ? 'ROLE_PERMISSION_UNKNOWN_INFO_DENIED'
        : b.rolePermission,
    rolePermissionRelevance: relevance(b.rolePermissionRelevance),
    memberships,
    relevance: relevance(b.relevance),
    ...(b.condition === undefined ? {} : { condition: b.condition }),
    ...(withCondition && c !== undefined
      ? {
          conditionExplanation: {
            ...(c.value === undefined ? {} : { value: c.value }),
            evaluationStates: c.evaluationStates.map((s) => ({
              start: s.start,
              end: s.end,
              ...(s.value === undefined ? {} : { value: s.value }),
            })),
          },
        }
      : {}),
  }
}

function map(v3: TroubleshootIamPolicyResponse, withCondition: boolean): V1TroubleshootResponse {
  const allow = v3.allowPolicyExplanation
  return {
    access: ACCESS[allow.allowAccessState],
    explainedPolicies: allow.explainedPolicies.map((p) => ({
      access: ACCESS[p.allowAccessState],
      ...(p.fullResourceName === undefined ? {} : { fullResourceName: p.fullResourceName }),
      ...(p.policy === undefined ? {} : { policy: p.policy }),
      ...(p.bindingExplanations === undefined
        ? {}
        : { bindingExplanations: p.bindingExplanations.map((b) => binding(b, withCondition)) }),
      relevance: relevance(p.relevance),
    })),
  }
}

/** v1: allow policies only (deny is not part of v1's answer). */
export function toV1Response(v3: TroubleshootIamPolicyResponse): V1TroubleshootResponse {
  return { ...map(v3, false), errors: [] }
}

/** v2alpha1 (`gcloud policy-troubleshoot iam`): v1 plus conditionExplanation, no errors. */
export function toV2alpha1Response(v3: TroubleshootIamPolicyResponse): V1TroubleshootResponse {
  return map(v3, true)
}
