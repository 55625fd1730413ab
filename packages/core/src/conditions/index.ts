// '@runiam/core/conditions': IAM Conditions (CEL via @bufbuild/cel plus a write-time checker).
// Kept out of '@runiam/core' so that importing the core does not load the CEL engine.
import './reasons.js'
export type {
  CompiledCondition,
  ConditionResult,
  MeteredResult,
  RequestAttributes,
} from './types.js'
export { compileCondition, COMPILED_CACHE_SIZE } from './compile-condition.js'
export {
  countLogicalOperators,
  EVALUATION_BUDGET,
  MAX_ATTRIBUTE_LENGTH,
  MAX_EXPRESSION_LENGTH,
  MAX_EXPRESSION_NODES,
  MAX_EXPRESSION_REGEX_SIZE,
  MAX_LOGICAL_OPERATORS,
  MAX_MATCH_INPUT_LENGTH,
  MAX_NESTING_DEPTH,
  MAX_REGEX_PROGRAM_SIZE,
} from './limits.js'
export { validateConditionExpr } from './validate-condition-expr.js'
export type { ConditionExprInput } from './validate-condition-expr.js'
