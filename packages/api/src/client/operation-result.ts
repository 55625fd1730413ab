// Unwraps a finished google.longrunning.Operation: its response, or its error as an IamError.
import { Code, IamError, codeName, type Code as CodeT, type ErrorDetail } from '@runiam/core/errors'
import type { Operation } from './types.js'

function isCode(n: unknown): n is CodeT {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 16
}

/**
 * The typed `response` of a done operation. Compat: the Operation's embedded `error` is a
 * google.rpc.Status with a numeric code (not an HTTP status). runiam's operations are done when
 * returned; one that is not is reported rather than polled.
 */
export function operationResult<T = unknown>(op: Operation): T | undefined {
  if (op.error !== undefined) {
    const code = isCode(op.error.code) ? op.error.code : Code.UNKNOWN
    const details = (op.error.details ?? []) as readonly ErrorDetail[]
    throw new IamError(code, codeName(code), op.error.message || `Operation [${op.name}] failed.`, {
      details,
    })
  }
  if (op.done !== true) {
    throw new IamError(
      Code.DEADLINE_EXCEEDED,
      'OPERATION_NOT_DONE',
      `Operation [${op.name}] has not finished.`,
    )
  }
  return op.response as T | undefined
}
