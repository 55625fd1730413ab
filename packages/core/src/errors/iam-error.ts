// The one error type of runiam. Every layer throws IamError; each boundary translates it once
// (store: driver → IamError; admin: IamError → Google's envelope; api client: envelope → IamError;
// CLI: IamError → "ERROR: (runiam.…) STATUS: message").
import { Code, codeName, type CodeName } from './code.js'

/** A google.rpc detail message in proto3 JSON form (always carries "@type"). */
export interface ErrorDetail {
  readonly '@type': string
  readonly [key: string]: unknown
}

export interface IamErrorOptions {
  readonly metadata?: Readonly<Record<string, string>>
  readonly details?: readonly ErrorDetail[]
  readonly cause?: unknown
}

export class IamError extends Error {
  readonly code: Code
  /** Machine-readable reason in UPPER_SNAKE (AIP-193), listed in docs/errors.md. */
  readonly reason: string
  readonly metadata: Readonly<Record<string, string>>
  readonly details: readonly ErrorDetail[]

  constructor(code: Code, reason: string, message: string, options: IamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'IamError'
    this.code = code
    this.reason = reason
    this.metadata = options.metadata ?? {}
    this.details = options.details ?? []
  }

  get status(): CodeName {
    return codeName(this.code)
  }

  /** Wraps anything thrown: an IamError stays itself, anything else becomes INTERNAL. */
  static from(thrown: unknown): IamError {
    if (isIamError(thrown)) return thrown
    return new IamError(Code.INTERNAL, 'INTERNAL', 'Internal error encountered.', {
      cause: thrown,
    })
  }
}

/** Structural check, so errors from a duplicated copy of this module are recognised too. */
export function isIamError(x: unknown): x is IamError {
  return (
    x instanceof IamError ||
    (typeof x === 'object' &&
      x !== null &&
      (x as { name?: unknown }).name === 'IamError' &&
      typeof (x as { code?: unknown }).code === 'number' &&
      typeof (x as { reason?: unknown }).reason === 'string')
  )
}

/** A bug: something that cannot happen did. */
export function bug(message: string): never {
  throw new IamError(Code.INTERNAL, 'BUG', message)
}
