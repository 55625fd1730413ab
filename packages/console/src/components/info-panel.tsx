// The info panel at the top right of a resource list: tabs about the selected resources (the
// Permissions tab first; more tabs plug in through `tabs`), hidden and shown with the list's
// Show/Hide info panel button.
import { useId, useState, type ReactNode } from 'react'

export interface InfoTab {
  readonly id: string
  readonly label: string
  readonly render: () => ReactNode
}

export function InfoPanel(props: { heading: string; tabs: readonly InfoTab[] }) {
  const [active, setActive] = useState(props.tabs[0]?.id ?? '')
  const id = useId()
  const current = props.tabs.find((t) => t.id === active) ?? props.tabs[0]
  return (
    <aside className="info-panel" aria-label="Info panel">
      <h2 className="info-heading">{props.heading}</h2>
      <div role="tablist" className="tabs" aria-label="Info panel tabs">
        {props.tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`${id}-${t.id}-tab`}
            aria-selected={t.id === current?.id}
            aria-controls={`${id}-${t.id}-panel`}
            tabIndex={t.id === current?.id ? 0 : -1}
            onClick={() => setActive(t.id)}
            onKeyDown={(e) => {
              const i = props.tabs.findIndex((x) => x.id === t.id)
              const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0
              if (step === 0) return
              const next = props.tabs[(i + step + props.tabs.length) % props.tabs.length]
              if (next !== undefined) {
                setActive(next.id)
                document.getElementById(`${id}-${next.id}-tab`)?.focus()
              }
            }}
          >
            {t.label}
          </button>
        ))}
      </div>
      {current === undefined ? null : (
        <div
          role="tabpanel"
          id={`${id}-${current.id}-panel`}
          aria-labelledby={`${id}-${current.id}-tab`}
          className="tab-panel"
        >
          {current.render()}
        </div>
      )}
    </aside>
  )
}
