// '@runiam/core/analyzer': Cloud Asset's analyzeIamPolicy over runiam's own data, pure (no I/O).
// Kept out of '@runiam/core' like the authorizer: it reads compiled policies (CEL conditions).
import './reasons.js'
export * from './types.js'
export {
  readAnalysisQuery,
  invalidQuery,
  parseScope,
  MAX_ACCESS_SELECTORS,
} from './analysis-query.js'
export type { AnalysisOptions, AnalysisRequest } from './analysis-query.js'
export { parseFullResourceName, toFullResourceName } from './full-resource-name.js'
export type { ParsedFullResourceName } from './full-resource-name.js'
export { PolicyAnalyzer } from './policy-analyzer.js'
export type { AnalyzerQuery, Grant } from './policy-analyzer.js'
export type { DenyLookup } from './deny-step.js'
