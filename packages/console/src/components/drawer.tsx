// A panel that slides in from the right for a form (edit a principal's roles, grant access), as
// Google's console does: a dialog with a heading, focus moved into it, Escape or Cancel closes it.
import { useEffect, useId, useRef, type ReactNode } from 'react'
import '../iam-pages.css'

export function Drawer(props: { title: string; onClose: () => void; children: ReactNode }) {
  const { title, onClose, children } = props
  const id = useId()
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null
    const el = ref.current
    const first = el?.querySelector<HTMLElement>('input, select, textarea, button')
    first?.focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose()
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      // Back where the user was (the pencil or Grant access), for keyboard users.
      if (opener?.isConnected === true) opener.focus()
    }
  }, [onClose])
  return (
    <div className="drawer-backdrop">
      <div className="drawer" role="dialog" aria-modal="true" aria-labelledby={id} ref={ref}>
        <h2 id={id} className="drawer-title">
          {title}
        </h2>
        {children}
      </div>
    </div>
  )
}

/** A confirmation: a question, a consequence, and the buttons. */
export function ConfirmDialog(props: {
  title: string
  children: ReactNode
  confirmLabel: string
  busy?: boolean
  onConfirm: () => void
  onCancel: () => void
}) {
  const id = useId()
  const ref = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null
    ref.current?.querySelector<HTMLElement>('button')?.focus()
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') props.onCancel()
    }
    window.addEventListener('keydown', onKey)
    return () => {
      window.removeEventListener('keydown', onKey)
      if (opener?.isConnected === true) opener.focus()
    }
  }, [props.onCancel])
  return (
    <div className="drawer-backdrop center">
      <div className="confirm" role="alertdialog" aria-modal="true" aria-labelledby={id} ref={ref}>
        <h2 id={id}>{props.title}</h2>
        {props.children}
        <div className="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          <button
            type="button"
            className="danger"
            disabled={props.busy === true}
            onClick={props.onConfirm}
          >
            {props.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  )
}
