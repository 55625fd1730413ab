// The bulk actions over a list's selection: "Grant access" (add principals in roles) and "Remove
// access", on every selected resource at once; the form and its per-resource results open below.
// ProjectRunPage shows it in the info panel when several resources are selected.
import { useState } from 'react'
import { KIND_INFO, refKey, type RunKind, type RunRef } from '../api/run-resources.js'
import { BulkPermissionsPanel, type BulkAction } from './bulk-permissions-panel.js'
import './actions.css'

export function BulkActionsBar({
  kind,
  selected,
  onDone,
}: {
  kind: RunKind
  selected: readonly RunRef[]
  onDone?: () => void
}) {
  const [open, setOpen] = useState<{ action: BulkAction; refs: RunRef[] } | undefined>()
  const info = KIND_INFO[kind]
  const n = selected.length
  const what = `${n} ${n === 1 ? info.singular : info.plural.toLowerCase()}`
  return (
    <div className="bulk-actions">
      <div
        className="toolbar"
        role="toolbar"
        aria-label={`Bulk actions on selected ${info.plural.toLowerCase()}`}
      >
        <button
          type="button"
          disabled={n === 0 || open !== undefined}
          onClick={() => setOpen({ action: 'add', refs: [...selected] })}
        >
          Grant access{n === 0 ? '' : ` to ${what}`}
        </button>
        <button
          type="button"
          disabled={n === 0 || open !== undefined}
          onClick={() => setOpen({ action: 'remove', refs: [...selected] })}
        >
          Remove access{n === 0 ? '' : ` from ${what}`}
        </button>
        {n === 0 ? (
          <span className="hint">
            Select {info.plural.toLowerCase()} with their check boxes to change who has access to
            all of them at once.
          </span>
        ) : null}
      </div>
      {open === undefined ? null : (
        <BulkPermissionsPanel
          key={`${open.action}:${open.refs.map(refKey).join()}`}
          kind={kind}
          action={open.action}
          refs={open.refs}
          onClose={() => setOpen(undefined)}
          {...(onDone === undefined ? {} : { onDone })}
        />
      )}
    </div>
  )
}
