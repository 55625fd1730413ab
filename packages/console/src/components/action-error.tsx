// A failed change, said in words with the server's message. A concurrent change (409 ABORTED)
// offers "Reload and retry": read the resource afresh and apply the same change to what is there
// now, instead of overwriting someone else's edit.
import { Code, isIamError } from '@runiam/core/errors'
import { describeError } from './error-panel.js'

export function isConcurrentChange(err: unknown): boolean {
  return isIamError(err) && err.code === Code.ABORTED
}

export function ActionError({
  error,
  onReloadRetry,
  busy = false,
}: {
  error: unknown
  /** Offered when the error is a concurrent change. */
  onReloadRetry?: () => void
  busy?: boolean
}) {
  const { title, message } = describeError(error)
  const conflict = isConcurrentChange(error)
  return (
    <div className="error-panel" role="alert">
      <strong>{title}</strong>
      <p>{message}</p>
      {conflict ? (
        <p className="hint">
          Someone changed it after this page read it. Reload to see their change and apply yours on
          top of it.
        </p>
      ) : null}
      {conflict && onReloadRetry !== undefined ? (
        <button type="button" onClick={onReloadRetry} disabled={busy}>
          Reload and retry
        </button>
      ) : null}
    </div>
  )
}
