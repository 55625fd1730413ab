// The error reason of '@runiam/core/conditions', registered in core's catalog when the conditions
// entry point is loaded (it is kept out of '@runiam/core' so the CLI does not load CEL).
import { Code } from '../errors/code.js'
import { registerReasons } from '../errors/reasons.js'

export const CONDITION_REASONS = {
  INVALID_CONDITION: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A condition expression that is empty, too long, too complex, or not valid IAM CEL.',
  },
} as const

registerReasons(CONDITION_REASONS)
