// The contract of the authorizer (DESIGN.md "The authorizer is pure and explains itself").
// Implemented in this folder; imported only through '@runiam/core/authorizer'.
import type { RequestAttributes } from '../conditions/types.js'
import type { DenyDecision } from '../deny/types.js'

/** Everything a caller is: its own member, its groups, domain:, allAuthenticatedUsers, allUsers. */
export interface PrincipalSet {
  readonly members: ReadonlySet<string>
}

/** A binding that granted the permission. */
export interface GrantingBinding {
  readonly resource: string
  readonly role: string
  readonly member: string
  /** Present when the binding was conditional (and its condition evaluated to true). */
  readonly condition?: { readonly title?: string; readonly expression: string }
}

/** A conditional binding that would have granted, but whose condition failed to evaluate. */
export interface ConditionFailure {
  readonly resource: string
  readonly role: string
  readonly expression: string
  readonly error: string
}

export interface Decision {
  readonly allowed: boolean
  /** The binding(s) that decided it (empty when denied). */
  readonly grantedBy: readonly GrantingBinding[]
  readonly conditionErrors: readonly ConditionFailure[]
  /**
   * Present when a deny policy refused before the allow policies were read (then `allowed` is
   * false and grantedBy empty): the denying rules, from '@runiam/core/deny' evaluateDeny.
   */
  readonly deny?: DenyDecision
}

export interface CheckRequest {
  readonly principals: PrincipalSet
  readonly permission: string
  /** Full name of the resource checked, e.g. projects/p/locations/l/services/s. */
  readonly resource: string
  readonly attributes: RequestAttributes
}
