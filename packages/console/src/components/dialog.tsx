// A modal dialog on the browser's own <dialog> (showModal): role=dialog, the page behind it
// inert, Tab kept inside, Escape closes; focus goes to the first field (or `initialFocus`) and
// back to what had it when the dialog closes.
import { useEffect, useId, useRef, type ReactNode } from 'react'

export function Dialog(props: {
  title: string
  onClose: () => void
  children: ReactNode
  /** The buttons, right-aligned at the bottom. */
  actions: ReactNode
  wide?: boolean
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const onClose = useRef(props.onClose)
  onClose.current = props.onClose
  useEffect(() => {
    const dialog = ref.current
    if (dialog === null) return
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null
    if (!dialog.open) dialog.showModal()
    const first = dialog.querySelector<HTMLElement>(
      '[data-autofocus], input:not([disabled]), textarea:not([disabled]), select:not([disabled]), button:not([disabled])',
    )
    first?.focus()
    const cancel = (e: Event) => {
      e.preventDefault()
      onClose.current()
    }
    dialog.addEventListener('cancel', cancel)
    return () => {
      dialog.removeEventListener('cancel', cancel)
      if (dialog.open) dialog.close()
      opener?.focus()
    }
  }, [])
  return (
    <dialog
      ref={ref}
      className={props.wide === true ? 'dialog wide' : 'dialog'}
      aria-labelledby={titleId}
    >
      <h2 id={titleId} className="dialog-title">
        {props.title}
      </h2>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">{props.actions}</div>
    </dialog>
  )
}
