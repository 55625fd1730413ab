// The error reason of '@runiam/core/analyzer', registered in core's catalog when the analyzer entry
// point is loaded (docs/errors.md lists it).
import { Code } from '../errors/code.js'
import { registerReasons } from '../errors/reasons.js'

export const ANALYZER_REASONS = {
  INVALID_ANALYSIS_QUERY: {
    code: Code.INVALID_ARGUMENT,
    doc: 'analyzeIamPolicy: a malformed analysisQuery (no selector, a bad scope, full resource name, identity, role or permission, more than 10 roles and permissions, or options the selectors forbid).',
  },
} as const

registerReasons(ANALYZER_REASONS)
