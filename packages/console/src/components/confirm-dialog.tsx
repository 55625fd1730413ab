// A modal confirmation (the browser's own <dialog>: focus stays inside, Escape cancels, screen
// readers announce it by its title). Used for "Allow public access" before anything is made public.
import { useEffect, useId, useRef, type ReactNode } from 'react'

export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  danger = false,
}: {
  title: string
  children: ReactNode
  confirmLabel: string
  onConfirm: () => void
  onCancel: () => void
  danger?: boolean
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog !== null && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      className="dialog confirm-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault()
        onCancel()
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div className="dialog-body">{children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} autoFocus>
          Cancel
        </button>
        <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  )
}

/** Google's confirmation before a public principal (allUsers, allAuthenticatedUsers) is granted. */
export function ConfirmPublicAccess({
  members,
  onConfirm,
  onCancel,
}: {
  members: readonly string[]
  onConfirm: () => void
  onCancel: () => void
}) {
  return (
    <ConfirmDialog
      title="Allow public access?"
      confirmLabel="Allow public access"
      danger
      onConfirm={onConfirm}
      onCancel={onCancel}
    >
      <p>
        Are you sure you want to make this resource public? Adding{' '}
        {members.map((m, i) => (
          <span key={m}>
            {i > 0 ? ' and ' : ''}
            <code>{m}</code>
          </span>
        ))}{' '}
        will make it public: anyone on the internet will be able to access it.
      </p>
    </ConfirmDialog>
  )
}
