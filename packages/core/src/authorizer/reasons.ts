// The error reason of '@runiam/core/authorizer', registered in core's catalog when the authorizer
// entry point is loaded.
import { Code } from '../errors/code.js'
import { registerReasons } from '../errors/reasons.js'

export const AUTHORIZER_REASONS = {
  INVALID_PRINCIPAL: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A caller principal (or one of its groups) that is not a valid member string.',
  },
} as const

registerReasons(AUTHORIZER_REASONS)
