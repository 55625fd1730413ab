// node-postgres errors → IamError, once, inside the engine (DESIGN: driver → IamError in the store).
import { Code, IamError, isIamError } from '@runiam/core'
import { contention, internal, sanitize, unavailable } from '../internal/errors.js'

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Serialization failure or deadlock: the whole transaction may simply be run again. */
export function isRetryablePgError(error: unknown): boolean {
  const code = codeOf(error)
  return code === '40001' || code === '40P01'
}

/** The connection is gone or was never made: the client must not go back to the pool. */
export function isPgConnectionError(error: unknown): boolean {
  const code = codeOf(error)
  if (code !== undefined) {
    return (
      NETWORK_CODES.has(code) ||
      code.startsWith('08') || // connection exception
      code.startsWith('28') || // invalid authorization
      code === '3D000' || // database does not exist
      code === '53300' || // too many connections
      code === '57P01' || // admin shutdown
      code === '57P02' || // crash shutdown
      code === '57P03' // cannot connect now
    )
  }
  const message = error instanceof Error ? error.message : ''
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  )
}

export function translatePgError(error: unknown): IamError {
  if (isIamError(error)) return error
  if (codeOf(error) === '23505') {
    return new IamError(Code.ALREADY_EXISTS, 'ALREADY_EXISTS', 'The record already exists.', {
      cause: sanitize(error),
    })
  }
  if (isRetryablePgError(error)) return contention(error)
  if (isPgConnectionError(error)) return unavailable(error)
  return internal(error)
}
