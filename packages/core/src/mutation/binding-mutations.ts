// gcloud's client-side add-iam-policy-binding / remove-iam-policy-binding, as pure functions over a
// policy read with version 3. I/O (prompting, reading files) stays with the caller: a change that
// needs the user to pick a condition returns kind 'conditionRequired' instead of prompting.
import type { IamError } from '../errors/iam-error.js'
import { iamError } from '../errors/reasons.js'
import { normalizeMember } from '../members/member.js'
import { isBasicRole } from '../roles/catalog.js'
import type { Binding, Expr, Policy } from '../policy/types.js'
import type { ConditionArgument } from './condition-argument.js'

export interface AddBindingRequest {
  readonly member: string
  readonly role: string
  /** undefined: --condition not given; 'None': explicitly no condition. */
  readonly condition?: ConditionArgument | undefined
  /** gcloud's enable_condition: true for services and worker pools, false for jobs. */
  readonly conditionsEnabled: boolean
}

export interface RemoveBindingRequest extends AddBindingRequest {
  /** --all: remove the member from every binding of the role, whatever its condition. */
  readonly all?: boolean | undefined
}

export type BindingChange =
  | {
      readonly kind: 'updated'
      readonly policy: Policy
      /** gcloud's warning when the first conditional binding is added. */
      readonly warning?: string
    }
  | {
      /**
       * The policy has conditions and no --condition was given: ask the user to choose among
       * `choices` (undefined = no condition), or, non-interactive, throw `error`.
       */
      readonly kind: 'conditionRequired'
      readonly choices: readonly (Expr | undefined)[]
      readonly error: IamError
    }

/** Whether any binding of the policy has a condition. */
export function policyHasConditions(policy: Policy): boolean {
  return (policy.bindings ?? []).some((b) => b.condition !== undefined)
}

/** gcloud compares conditions by expression, title and description; None ≡ no condition. */
function sameCondition(a: Expr | undefined, b: Expr | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return (
    a.expression === b.expression &&
    (a.title ?? '') === (b.title ?? '') &&
    (a.description ?? '') === (b.description ?? '')
  )
}

function hasMember(b: Binding, member: string): boolean {
  const m = normalizeMember(member)
  return b.members.some((x) => normalizeMember(x) === m)
}

function copyBindings(policy: Policy): Binding[] {
  return (policy.bindings ?? []).map((b) => ({ ...b, members: [...b.members] }))
}

function withBindings(policy: Policy, bindings: Binding[]): Policy {
  const out: Policy = { ...policy }
  if (bindings.length > 0) out.bindings = bindings
  else delete out.bindings
  return out
}

/** Distinct conditions, in first-seen order (undefined = an unconditional binding). */
function distinctConditions(bindings: readonly Binding[]): (Expr | undefined)[] {
  const out: (Expr | undefined)[] = []
  for (const b of bindings) {
    if (!out.some((c) => sameCondition(c, b.condition))) out.push(b.condition)
  }
  return out
}

// Compat: gcloud iam_util non-interactive errors.
const ADD_PROHIBITED =
  'Adding a binding without specifying a condition to a policy containing conditions is ' +
  'prohibited in non-interactive mode. Run the command again with `--condition=None`'
const REMOVE_PROHIBITED =
  'Removing a binding without specifying a condition from a policy containing conditions is ' +
  'prohibited in non-interactive mode. Run the command again with `--condition=None` to remove ' +
  'a binding without condition or run command with `--all` to remove all bindings of the ' +
  'specified principal and role.'

const FIRST_CONDITION_WARNING =
  'Adding binding with condition to a policy without condition will change the behavior of ' +
  'add-iam-policy-binding and remove-iam-policy-binding commands.'

/** Adds member to role (under a condition), as gcloud add-iam-policy-binding does. */
// Compat: gcloud iam_util.AddBindingToIamPolicy / AddBindingToIamPolicyWithCondition.
export function addBinding(policy: Policy, req: AddBindingRequest): BindingChange {
  const bindings = copyBindings(policy)
  if (!req.conditionsEnabled) {
    if (bindings.some((b) => b.role === req.role && hasMember(b, req.member))) {
      return { kind: 'updated', policy: withBindings(policy, bindings) }
    }
    const first = bindings.find((b) => b.role === req.role)
    if (first !== undefined) first.members.push(req.member)
    else bindings.push({ role: req.role, members: [req.member] })
    return { kind: 'updated', policy: withBindings(policy, bindings) }
  }

  const hadConditions = policyHasConditions(policy)
  if (req.condition === undefined && hadConditions) {
    return {
      kind: 'conditionRequired',
      choices: distinctConditions(bindings),
      error: iamError('CONDITION_REQUIRED', ADD_PROHIBITED),
    }
  }
  const condition = req.condition === 'None' ? undefined : req.condition
  if (condition !== undefined && isBasicRole(req.role)) {
    throw iamError(
      'CONDITION_ON_BASIC_ROLE',
      'Binding with a condition and a basic role is not allowed. Basic roles are ' +
        '`roles/editor`, `roles/owner`, and `roles/viewer`.',
    )
  }
  const match = bindings.find((b) => b.role === req.role && sameCondition(b.condition, condition))
  if (match !== undefined) {
    if (!hasMember(match, req.member)) match.members.push(req.member)
  } else {
    const b: Binding = { role: req.role, members: [req.member] }
    if (condition !== undefined) b.condition = condition
    bindings.push(b)
  }
  const result = withBindings(policy, bindings)
  return condition !== undefined && !hadConditions
    ? { kind: 'updated', policy: result, warning: FIRST_CONDITION_WARNING }
    : { kind: 'updated', policy: result }
}

function removeMember(b: Binding, member: string): void {
  const m = normalizeMember(member)
  b.members = b.members.filter((x) => normalizeMember(x) !== m)
}

/** Removes member from role (under a condition, or --all), as gcloud remove-iam-policy-binding. */
// Compat: gcloud iam_util.RemoveBindingFromIamPolicy / RemoveBindingFromIamPolicyWithCondition.
export function removeBinding(policy: Policy, req: RemoveBindingRequest): BindingChange {
  const bindings = copyBindings(policy)
  const holding = bindings.filter((b) => b.role === req.role && hasMember(b, req.member))
  const done = (): BindingChange => ({
    kind: 'updated',
    policy: withBindings(
      policy,
      bindings.filter((b) => b.members.length > 0),
    ),
  })

  if (!req.conditionsEnabled) {
    if (holding.length === 0) {
      throw iamError(
        'BINDING_NOT_FOUND',
        'Policy binding with the specified principal and role not found!',
      )
    }
    for (const b of holding) removeMember(b, req.member)
    return done()
  }
  if (req.all === true) {
    if (holding.length === 0) {
      throw iamError(
        'BINDING_NOT_FOUND',
        'Policy bindings with the specified principal and role not found!',
      )
    }
    for (const b of holding) removeMember(b, req.member)
    return done()
  }
  if (req.condition === undefined && policyHasConditions(policy)) {
    return {
      kind: 'conditionRequired',
      choices: distinctConditions(holding),
      error: iamError('CONDITION_REQUIRED', REMOVE_PROHIBITED),
    }
  }
  const condition = req.condition === 'None' ? undefined : req.condition
  const match = holding.find((b) => sameCondition(b.condition, condition))
  if (match === undefined) {
    throw iamError(
      'BINDING_NOT_FOUND',
      'Policy binding with the specified principal, role, and condition not found!',
    )
  }
  removeMember(match, req.member)
  return done()
}
