// A failed call, in words a person understands, with the server's own message (Google's envelope
// decoded by @runiam/api into an IamError) and a way to try again.
import { isIamError } from '@runiam/core/errors'

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
