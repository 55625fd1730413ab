// @runiam/core/authorizer: the pure authorizer (DESIGN.md "The authorizer is pure and explains
// itself"; "Policies are compiled once, checked many times").
import './reasons.js'
export * from './types.js'
export { compilePolicy } from './compiled-policy.js'
export type {
  CompileOptions,
  CompiledPolicy,
  CustomRoleResolver,
  CompiledBinding,
  CompiledBindingCondition,
} from './compiled-policy.js'
export {
  allows,
  chainOf,
  check,
  CHECK_CONDITION_BUDGET,
  policiesOf,
  testPermissions,
  type ChainedPolicy,
  type PolicyChain,
} from './check.js'
export { principalSetFor, type PrincipalSetOptions } from './principal-set.js'
