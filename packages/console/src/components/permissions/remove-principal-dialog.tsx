// The trash can's confirmation: remove the principal from this role, or (checked) from every
// role on this resource; then Remove.
import { useState } from 'react'
import { Dialog } from '../dialog.js'
import { ErrorPanel } from '../error-panel.js'

export function RemovePrincipalDialog(props: {
  member: string
  roleTitle: string
  resourceLabel: string
  /** How many roles the member holds on the resource (the "all roles" choice when > 1). */
  roleCount: number
  onRemove: (all: boolean) => Promise<void>
  onClose: () => void
}) {
  const [all, setAll] = useState(false)
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  async function remove(): Promise<void> {
    setBusy(true)
    setError(undefined)
    try {
      await props.onRemove(all)
      props.onClose()
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }
  return (
    <Dialog
      title="Remove principal?"
      onClose={props.onClose}
      actions={
        <>
          <button type="button" onClick={props.onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
            {busy ? 'Removing…' : 'Remove'}
          </button>
        </>
      }
    >
      <p>
        <strong>{props.member}</strong> will lose the role <strong>{props.roleTitle}</strong> on{' '}
        {props.resourceLabel}.
      </p>
      <label className="check-label">
        <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} />
        Remove this principal from all roles on this resource
        {props.roleCount > 1 ? ` (${props.roleCount} roles)` : ''}
      </label>
      {error === undefined ? null : <ErrorPanel error={error} />}
    </Dialog>
  )
}
