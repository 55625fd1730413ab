// The error reasons of Cloud Logging's entries.list, registered so docs/errors.md can cover them.
import { Code, registerReasons } from '@runiam/core'

export const LOGGING_REASONS = {
  UNSUPPORTED_LOG_FILTER: {
    code: Code.INVALID_ARGUMENT,
    doc: 'entries:list: a filter clause runiam does not evaluate (regular expressions, bare words, or a field outside the subset of docs/audit.md).',
  },
  INVALID_LOG_REQUEST: {
    code: Code.INVALID_ARGUMENT,
    doc: 'entries:list: a malformed request (resourceNames, orderBy, pageSize, pageToken) or filter (syntax, length, nesting).',
  },
} as const

registerReasons(LOGGING_REASONS)
