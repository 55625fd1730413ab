// node-postgres errors → IamError, once, inside the engine (DESIGN: driver → IamError in the store).
// Also the two questions the engine asks of a driver error: may the client go back to the pool
// (isPgConnectionError), and is it worth trying again at once (isPgTimeout says no).
import { Code, IamError, isIamError } from '@runiam/core'
import { contention, internal, sanitize, unavailable } from '../internal/errors.js'

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
])

// node-postgres and pg-pool report a dead or unusable connection with plain Errors (no code).
const CONNECTION_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|is not queryable|Client was closed/i

const TIMEOUT_MESSAGES =
  /connection timeout|timeout exceeded when trying to connect|Query read timeout/i

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : ''
}

/** Serialization failure or deadlock: the whole transaction may simply be run again. */
export function isRetryablePgError(error: unknown): boolean {
  const code = codeOf(error)
  return code === '40001' || code === '40P01'
}

/** The connection is gone or was never made: the client must not go back to the pool. */
export function isPgConnectionError(error: unknown): boolean {
  if (isIamError(error)) return error.code === Code.UNAVAILABLE && isPgConnectionError(error.cause)
  const code = codeOf(error)
  if (code !== undefined) {
    return (
      NETWORK_CODES.has(code) ||
      code.startsWith('08') || // connection exception
      code.startsWith('28') || // invalid authorization
      code === '3D000' || // database does not exist
      code === '53300' || // too many connections
      code === '55000' || // (at connect) database is not currently accepting connections
      code === '57P01' || // admin shutdown (pg_terminate_backend, a restarting server)
      code === '57P02' || // crash shutdown
      code === '57P03' // cannot connect now
    )
  }
  return CONNECTION_MESSAGES.test(messageOf(error))
}

/**
 * The database did not answer in time (connect or query timeout, statement_timeout). Retrying at
 * once would only make the caller wait that long again: such failures are reported, not retried.
 */
export function isPgTimeout(error: unknown): boolean {
  if (isIamError(error)) return isPgTimeout(error.cause)
  return codeOf(error) === '57014' || TIMEOUT_MESSAGES.test(messageOf(error))
}

export function translatePgError(error: unknown): IamError {
  if (isIamError(error)) return error
  const code = codeOf(error)
  if (code === '23505') {
    return new IamError(Code.ALREADY_EXISTS, 'ALREADY_EXISTS', 'The record already exists.', {
      cause: sanitize(error),
    })
  }
  if (isRetryablePgError(error)) return contention(error)
  // 55000 is "object not in prerequisite state" in general; only the connect path
  // (translatePgConnectError) may read it as "not accepting connections".
  if (code !== '55000' && isPgConnectionError(error)) return unavailable(error)
  if (code === '57014') return unavailable(error) // statement_timeout: the database is too slow
  return internal(error)
}

/** Whatever stops a connection from being made means the database is unavailable to us. */
export function translatePgConnectError(error: unknown): IamError {
  if (isIamError(error)) return error
  return unavailable(error)
}
