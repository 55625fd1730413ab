// Google's error envelope → IamError: the api client's one translation boundary (DESIGN.md).
import { Code, IamError, type CodeName, type ErrorDetail } from '@runiam/core/errors'

const byHttpStatus: Readonly<Record<number, Code>> = {
  400: Code.INVALID_ARGUMENT,
  401: Code.UNAUTHENTICATED,
  403: Code.PERMISSION_DENIED,
  404: Code.NOT_FOUND,
  409: Code.ABORTED,
  429: Code.RESOURCE_EXHAUSTED,
  499: Code.CANCELLED,
  500: Code.INTERNAL,
  501: Code.UNIMPLEMENTED,
  503: Code.UNAVAILABLE,
  504: Code.DEADLINE_EXCEEDED,
}

function isCodeName(s: unknown): s is CodeName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(Code, s)
}

/** The code an HTTP status stands for when the body says nothing better. */
export function codeFromHttpStatus(status: number): Code {
  const known = byHttpStatus[status]
  if (known !== undefined) return known
  if (status >= 500) return Code.UNKNOWN
  if (status >= 400) return Code.FAILED_PRECONDITION
  return Code.UNKNOWN
}

function reasonOf(details: readonly ErrorDetail[], fallback: string): string {
  for (const d of details) {
    if (
      d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo' &&
      typeof d['reason'] === 'string'
    )
      return d['reason']
  }
  return fallback
}

/**
 * Decodes a failed HTTP response body. Compat: Google's envelope `{error:{code,message,status,
 * details}}`; the canonical `status` string wins over the HTTP code (409 is both ALREADY_EXISTS
 * and ABORTED). OAuth token errors `{error, error_description}` and non-JSON bodies are handled.
 */
export function decodeError(httpStatus: number, bodyText: string): IamError {
  let body: unknown
  try {
    body = JSON.parse(bodyText)
  } catch {
    body = undefined
  }
  const envelope =
    typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined
  if (typeof envelope === 'object' && envelope !== null) {
    const e = envelope as { code?: unknown; message?: unknown; status?: unknown; details?: unknown }
    const code = isCodeName(e.status) ? Code[e.status] : codeFromHttpStatus(httpStatus)
    const details = Array.isArray(e.details)
      ? (e.details.filter(
          (d) => typeof d === 'object' && d !== null && typeof d['@type'] === 'string',
        ) as ErrorDetail[])
      : []
    const message = typeof e.message === 'string' ? e.message : `HTTP ${httpStatus}`
    const fallbackReason = isCodeName(e.status) ? e.status : `HTTP_${httpStatus}`
    return new IamError(code, reasonOf(details, fallbackReason), message, { details })
  }
  if (typeof envelope === 'string') {
    // OAuth 2.0 token endpoint error (RFC 6749 §5.2).
    const desc = (body as { error_description?: unknown }).error_description
    const code = httpStatus === 401 ? Code.UNAUTHENTICATED : codeFromHttpStatus(httpStatus)
    return new IamError(
      code,
      envelope.toUpperCase(),
      typeof desc === 'string' && desc !== '' ? `${envelope}: ${desc}` : envelope,
    )
  }
  const text = bodyText.trim().slice(0, 500)
  return new IamError(
    codeFromHttpStatus(httpStatus),
    `HTTP_${httpStatus}`,
    text === '' ? `HTTP ${httpStatus}` : `HTTP ${httpStatus}: ${text}`,
  )
}
