// A failed call, in words a person understands, with the server's own message (Google's envelope
// decoded by @runiam/api into an IamError) and a way to try again.
import { isIamError, type IamError } from '@runiam/core/errors'

/**
 * The organization policy constraint a refusal names, read from its details (the client decodes
 * the envelope's details, not ErrorInfo's metadata): ErrorInfo.metadata.constraint, or a
 * PreconditionFailure violation of type constraints/….
 */
function violatedConstraint(err: IamError): string | undefined {
  if (typeof err.metadata['constraint'] === 'string') return err.metadata['constraint']
  for (const d of err.details) {
    const meta = d['metadata'] as Record<string, unknown> | undefined
    if (typeof meta?.['constraint'] === 'string') return meta['constraint']
    const violations = d['violations']
    if (!Array.isArray(violations)) continue
    for (const v of violations as { type?: unknown }[])
      if (typeof v.type === 'string' && v.type.startsWith('constraints/')) return v.type
  }
  return undefined
}

/** A sentence for the kind of failure, then the server's message. */
export function describeError(err: unknown): { title: string; message: string } {
  if (isIamError(err)) {
    const titles: Record<string, string> = {
      PERMISSION_DENIED: 'You do not have permission to do this',
      UNAUTHENTICATED: 'You are not signed in',
      NOT_FOUND: 'Not found',
      ABORTED: 'Someone else changed this at the same time',
      ALREADY_EXISTS: 'It already exists',
      INVALID_ARGUMENT: 'The server did not accept this',
      FAILED_PRECONDITION: 'This is not allowed here',
      UNAVAILABLE: 'The server cannot be reached',
    }
    // An organization policy's refusal names its constraint (FAILED_PRECONDITION, metadata).
    const constraint = violatedConstraint(err)
    if (err.status === 'FAILED_PRECONDITION' && constraint !== undefined)
      return {
        title: `An organization policy does not allow this (${constraint})`,
        message: err.message,
      }
    return { title: titles[err.status] ?? 'Something went wrong', message: err.message }
  }
  return {
    title: 'Something went wrong',
    message: err instanceof Error ? err.message : String(err),
  }
}

export function ErrorPanel({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, message } = describeError(error)
  return (
    <div className="error-panel" role="alert">
      <strong>{title}</strong>
      <p>{message}</p>
      {onRetry === undefined ? null : (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  )
}
