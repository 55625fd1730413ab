// The IamErrors both engines throw, built in one place so SQLite and PostgreSQL say exactly the same
// thing for the same situation (the contract suite compares codes, reasons and messages).
import { Code, IamError, isIamError } from '@runiam/core'

/** A create whose key is taken. */
export function alreadyExists(what: string, key: string): IamError {
  return new IamError(Code.ALREADY_EXISTS, 'ALREADY_EXISTS', `${what} '${key}' already exists.`, {
    metadata: { name: key },
  })
}

/** An update or delete of something that is not there. */
export function notFound(what: string, key: string): IamError {
  return new IamError(Code.NOT_FOUND, 'NOT_FOUND', `${what} '${key}' was not found.`, {
    metadata: { name: key },
  })
}

// Compat: google.iam.v1.IAMPolicy.SetIamPolicy answers a stale etag with 409 ABORTED and this text.
export function policyEtagMismatch(requested: string, current: string): IamError {
  return new IamError(
    Code.ABORTED,
    'ETAG_MISMATCH',
    'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff. ' +
      `The request's ETag '${requested}' did not match the current policy's ETag '${current}'.`,
    { metadata: { requestEtag: requested, currentEtag: current } },
  )
}

/** Compare-and-set on a Run resource (update with `etag`) lost the race. */
export function resourceEtagMismatch(name: string, requested: string, current: string): IamError {
  return new IamError(
    Code.ABORTED,
    'ETAG_MISMATCH',
    `The request's etag '${requested}' did not match the current etag '${current}' of resource '${name}'. ` +
      'Read the resource again and retry.',
    { metadata: { name, requestEtag: requested, currentEtag: current } },
  )
}

export function invalidArgument(reason: string, message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, reason, message)
}

/** The database cannot be reached (connection refused, dropped, too many clients…). */
export function unavailable(cause: unknown): IamError {
  return new IamError(
    Code.UNAVAILABLE,
    'STORE_UNAVAILABLE',
    'The database is unavailable. Please retry later.',
    { cause: sanitize(cause) },
  )
}

/**
 * The connection died after COMMIT was sent and the database could not be asked how it ended: the
 * change may or may not be saved. Never reported as success; the caller reads before retrying.
 */
export function commitUnknown(cause: unknown): IamError {
  return new IamError(
    Code.UNAVAILABLE,
    'STORE_COMMIT_UNKNOWN',
    'The database connection was lost while committing; the change may or may not have been saved. ' +
      'Read the current state before retrying.',
    { cause: sanitize(cause) },
  )
}

/** The database did not answer a health check in time. */
export function pingTimeout(ms: number): IamError {
  return new IamError(
    Code.UNAVAILABLE,
    'STORE_UNAVAILABLE',
    `The database is unavailable: it did not answer within ${ms} ms.`,
  )
}

/** Writers kept colliding (serialization failures, deadlocks, a busy database) past our retries. */
export function contention(cause: unknown): IamError {
  return new IamError(
    Code.ABORTED,
    'STORE_CONTENTION',
    'The transaction was aborted because of concurrent writes. Please retry with exponential backoff.',
    { cause: sanitize(cause) },
  )
}

/** Anything the engine did not expect. The driver's error survives only as a plain cause. */
export function internal(cause: unknown): IamError {
  if (isIamError(cause)) return cause
  return new IamError(Code.INTERNAL, 'STORE_INTERNAL', 'Internal error in the store.', {
    cause: sanitize(cause),
  })
}

/**
 * Driver error objects hold sockets, statements and connection parameters; keeping them alive in a
 * cause chain leaks those (and may print them). Keep a plain Error with the facts that matter.
 */
export function sanitize(cause: unknown): unknown {
  if (isIamError(cause)) return cause
  if (cause instanceof Error) {
    const plain = new Error(cause.message)
    plain.name = cause.name
    if (cause.stack !== undefined) plain.stack = cause.stack
    const code = (cause as { code?: unknown }).code
    if (typeof code === 'string' || typeof code === 'number') {
      Object.defineProperty(plain, 'code', { value: code, enumerable: true })
    }
    return plain
  }
  return cause
}

/** Misuse of the Store API by its caller: a bug, not a user error. */
export function misuse(message: string): IamError {
  return new IamError(Code.INTERNAL, 'BUG', message)
}
