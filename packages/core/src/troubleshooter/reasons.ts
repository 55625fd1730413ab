// The error reason of '@runiam/core/troubleshooter', registered in core's catalog when the
// troubleshooter entry point is loaded (docs/errors.md lists it).
import { Code } from '../errors/code.js'
import { registerReasons } from '../errors/reasons.js'

export const TROUBLESHOOTER_REASONS = {
  INVALID_ACCESS_TUPLE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'iam:troubleshoot: a malformed accessTuple (missing or oversized principal, permission or fullResourceName; a principal that is not a user or service account email; an unknown permission; a full resource name that is not an organization, project, service, job or worker pool; a bad conditionContext).',
  },
} as const

registerReasons(TROUBLESHOOTER_REASONS)
