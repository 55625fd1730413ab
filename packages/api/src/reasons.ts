// The error reasons the API client raises itself (client side: they never come from the server),
// registered in core's catalog so that listReasons() and docs/errors.md cover them.
// INVALID_PATH_VARIABLE is registered beside its thrower in route-template.ts.
import { Code, registerReasons } from '@runiam/core/errors'

export const API_CLIENT_REASONS = {
  CONNECTION_FAILED: {
    code: Code.UNAVAILABLE,
    doc: 'Client: the runiam server could not be reached (refused, DNS, reset…).',
  },
  BAD_RESPONSE: {
    code: Code.INTERNAL,
    doc: 'Client: a success response whose body is not the JSON the method returns.',
  },
  OPERATION_NOT_DONE: {
    code: Code.DEADLINE_EXCEEDED,
    doc: 'Client: a long-running operation came back unfinished (runiam does not poll).',
  },
} as const

registerReasons(API_CLIENT_REASONS)
