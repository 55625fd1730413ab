// IAM v2 deny-policy JSON shapes. Declared once, in @runiam/core/deny (validation and evaluation
// read them); re-exported here as types only, so importing @runiam/api does not load CEL.
// Compat: google.iam.v2.Policy, PolicyRule, DenyRule, ListPoliciesResponse.
import type { DenyPolicy } from '@runiam/core/deny'
export type { DenyCondition, DenyPolicy, DenyRule, PolicyRule } from '@runiam/core/deny'

/** google.iam.v2.ListPoliciesResponse: metadata only, `rules` omitted (Compat: ListPolicies). */
export interface ListDenyPoliciesResponse {
  readonly policies?: readonly Omit<DenyPolicy, 'rules'>[]
  readonly nextPageToken?: string
}
