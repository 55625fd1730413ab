// compilePolicy and the compiled policy's public shape. The work is PolicyIndex's (policy-index.ts):
// conditions are compiled once (interned-conditions.ts), custom roles resolved once, predefined
// roles become ids tested against a permission's role bitset (role-index.ts). Nothing is built
// per permission and nothing waits for the first check, so a policy costs what its bindings cost.
import type { CompiledCondition } from '../conditions/types.js'
import type { Policy } from '../policy/types.js'
import { PolicyIndex } from './policy-index.js'

/** A policy compiled for checks. Build with compilePolicy; never construct by hand. */
export interface CompiledPolicy {
  /** Full resource name the policy is attached to, e.g. projects/p or organizations/123. */
  readonly resource: string
  readonly etag?: string
  /** The bindings as compiled (conditions included), in policy order. */
  readonly bindings: readonly CompiledBinding[]
}

export interface CompiledBinding {
  readonly role: string
  readonly members: readonly string[]
  readonly condition?: CompiledBindingCondition
}

export interface CompiledBindingCondition {
  readonly title?: string
  readonly expression: string
  /** Evaluates the condition; a condition that failed to compile always returns its error. */
  readonly evaluate: CompiledCondition['evaluate']
  /** evaluate() within `budget` work units, also reporting the work spent. */
  readonly evaluateMetered: CompiledCondition['evaluateMetered']
}

/**
 * The permissions of a custom role (`projects/P/roles/R`, `organizations/O/roles/R`) as the
 * caller knows them, or undefined when it grants nothing (unknown, deleted, disabled, or not in
 * the policy's hierarchy). Called while the policy is compiled, so synchronously: the caller
 * loads the roles a policy names before compiling it.
 */
export type CustomRoleResolver = (role: string) => ReadonlySet<string> | undefined

export interface CompileOptions {
  /**
   * Resolves custom roles; without it a custom role grants nothing. A compiled policy keeps what
   * it resolved: when a custom role changes, compile the policies that bind it again.
   */
  readonly customRoles?: CustomRoleResolver
}

/**
 * Compiles a resource's policy for checks. Never throws for a stored policy: a condition that
 * does not compile (it passed validation under another version, say) grants nothing and is
 * reported as a condition error whenever it would have decided a check. (A hand-written policy
 * with over 2,000 distinct custom roles or 8,000 conditions, far beyond validation's limits, is
 * a RangeError.)
 *
 * Member strings, custom role names and compiled conditions are interned across policies
 * (InternTable), so a million policies hold each once; what a policy holds of its own is one flat
 * plan (policy-index.ts). A custom role's permissions are resolved here, for this policy.
 */
export function compilePolicy(
  resource: string,
  policy: Policy,
  options: CompileOptions = {},
): CompiledPolicy {
  return new PolicyIndex(resource, policy.etag, policy.bindings ?? [], options.customRoles)
}
