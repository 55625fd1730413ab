// Google's JSON error envelope (google.rpc.Status as the ESF front end serialises it):
// IamError → `{error:{code:HTTP, message, status, details, errors}}` on the server, and the
// reverse in the API client. Compat: reference §3.4 and google-client-libraries §6.
import {
  Code,
  codeName,
  httpStatusOf,
  IamError,
  type CodeName,
  type ErrorDetail,
} from '@runiam/core'

export const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo'

export interface LegacyError {
  readonly message: string
  readonly domain: string
  readonly reason: string
}

export interface ErrorEnvelope {
  readonly error: {
    readonly code: number
    readonly message: string
    readonly status: CodeName
    readonly details?: readonly ErrorDetail[]
    readonly errors?: readonly LegacyError[]
  }
}

export interface EncodeOptions {
  /** ErrorInfo domain, e.g. `run.googleapis.com`. */
  readonly domain?: string
  /** Overrides the HTTP status (e.g. 405, which no google.rpc code maps to). */
  readonly httpStatus?: number
}

/** The legacy `errors[].reason` Google's older front ends put beside the status. */
function legacyReason(code: Code): string {
  switch (code) {
    case Code.INVALID_ARGUMENT:
    case Code.OUT_OF_RANGE:
      return 'badRequest'
    case Code.FAILED_PRECONDITION:
      return 'failedPrecondition'
    case Code.UNAUTHENTICATED:
      return 'required'
    case Code.PERMISSION_DENIED:
      return 'forbidden'
    case Code.NOT_FOUND:
      return 'notFound'
    case Code.ALREADY_EXISTS:
      return 'alreadyExists'
    case Code.ABORTED:
      return 'aborted'
    case Code.RESOURCE_EXHAUSTED:
      return 'rateLimitExceeded'
    case Code.UNIMPLEMENTED:
      return 'notImplemented'
    case Code.UNAVAILABLE:
      return 'backendError'
    default:
      return 'backendError'
  }
}

/** The HTTP status and body for an error. */
export function encodeError(
  err: IamError,
  options: EncodeOptions = {},
): { status: number; body: ErrorEnvelope } {
  const status = options.httpStatus ?? httpStatusOf(err.code)
  const details: ErrorDetail[] = []
  if (!err.details.some((d) => d['@type'] === ERROR_INFO_TYPE)) {
    details.push({
      '@type': ERROR_INFO_TYPE,
      reason: err.reason,
      domain: options.domain ?? 'runiam.dev',
      metadata: { ...err.metadata },
    })
  }
  details.push(...err.details)
  return {
    status,
    body: {
      error: {
        code: status,
        message: err.message,
        status: err.status,
        details,
        errors: [{ message: err.message, domain: 'global', reason: legacyReason(err.code) }],
      },
    },
  }
}

/** google-gax's mapping from an HTTP status to a code, used when the body carries no status. */
function codeOfHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.INVALID_ARGUMENT
    case 401:
      return Code.UNAUTHENTICATED
    case 403:
      return Code.PERMISSION_DENIED
    case 404:
      return Code.NOT_FOUND
    case 409:
      return Code.ABORTED
    case 416:
      return Code.OUT_OF_RANGE
    case 429:
      return Code.RESOURCE_EXHAUSTED
    case 499:
      return Code.CANCELLED
    case 501:
      return Code.UNIMPLEMENTED
    case 503:
      return Code.UNAVAILABLE
    case 504:
      return Code.DEADLINE_EXCEEDED
    default:
      return status >= 500 ? Code.INTERNAL : status >= 400 ? Code.FAILED_PRECONDITION : Code.UNKNOWN
  }
}

function isCodeName(s: unknown): s is CodeName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(Code, s)
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** An IamError from an HTTP error response (status and raw body text), whatever the body is. */
export function decodeErrorBody(httpStatus: number, bodyText: string): IamError {
  let parsed: unknown
  try {
    parsed = JSON.parse(bodyText)
  } catch {
    parsed = undefined
  }
  const e = isRecord(parsed) ? parsed['error'] : undefined
  if (!isRecord(e)) {
    const code = codeOfHttpStatus(httpStatus)
    const text = bodyText.trim()
    return new IamError(code, codeName(code), text === '' ? `HTTP ${httpStatus}` : text, {
      metadata: { httpStatus: String(httpStatus) },
    })
  }
  // The status string beats the HTTP number, as in google-gax.
  const rawStatus = e['status']
  const code = isCodeName(rawStatus) ? Code[rawStatus] : codeOfHttpStatus(httpStatus)
  const message = typeof e['message'] === 'string' ? e['message'] : `HTTP ${httpStatus}`
  const details = Array.isArray(e['details'])
    ? e['details'].filter((d): d is ErrorDetail => isRecord(d) && typeof d['@type'] === 'string')
    : []
  const info = details.find((d) => d['@type'] === ERROR_INFO_TYPE)
  let reason: string = codeName(code)
  let metadata: Record<string, string> = {}
  if (info !== undefined) {
    if (typeof info['reason'] === 'string' && info['reason'] !== '') reason = info['reason']
    const md = info['metadata']
    if (isRecord(md)) {
      metadata = Object.fromEntries(
        Object.entries(md).filter((kv): kv is [string, string] => typeof kv[1] === 'string'),
      )
    }
  }
  return new IamError(code, reason, message, {
    metadata,
    details: details.filter((d) => d !== info),
  })
}
