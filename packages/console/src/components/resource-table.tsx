// A list of Cloud Run resources: a check box per row (selects it for the info panel), the name
// as a link (opens the resource), its region and when and by whom it was last changed. Pages add
// columns through `columns` (a service's URL or public state, for example).
import { memo, useCallback, useRef, type ReactNode } from 'react'
import {
  KIND_INFO,
  refOf,
  shortName,
  type RunKind,
  type RunResource,
} from '../api/run-resources.js'
import { href, Link } from '../router.js'
import { useProgressiveCount } from './use-progressive-count.js'

/** One formatter for every cell: `Date.toLocaleString` with options builds a new one per call
 * (about 2 ms each in Chromium: 1,000 rows spent 1.9 s of the Services page's main thread). */
let timeFormat: Intl.DateTimeFormat | undefined

/** A date and time, short and in the reader's locale ('' for a text that is not a date). */
export function formatTime(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  timeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
  return timeFormat.format(date)
}

export interface Column {
  readonly header: string
  readonly cell: (resource: RunResource) => ReactNode
  /** The column's class (on its header and cells): its width in the fixed layout. */
  readonly className?: string
}

export function ResourceTable(props: {
  kind: RunKind
  resources: readonly RunResource[]
  selected: ReadonlySet<string>
  onSelect: (names: ReadonlySet<string>) => void
  columns?: readonly Column[]
}) {
  const { kind, resources, selected, columns } = props
  const info = KIND_INFO[kind]
  const all = resources.length > 0 && resources.every((r) => selected.has(r.name))
  // A long list shows its first screenful at once and the rest in steps, each its own task, so
  // the page paints and answers a click while a thousand rows are still being built (1,000 rows:
  // several hundred ms of script and layout, which as one task held up the first click). "Select
  // all" and the selection count every resource, rendered yet or not.
  const count = useProgressiveCount(resources.length)
  const shown = count < resources.length ? resources.slice(0, count) : resources
  // Rows are memoised: checking one box re-renders that row, not the thousand others. The
  // toggle reads the latest selection through a ref, so it is the same function for every render.
  const latest = useRef({ selected, onSelect: props.onSelect })
  latest.current = { selected, onSelect: props.onSelect }
  const toggle = useCallback((name: string) => {
    const next = new Set(latest.current.selected)
    if (next.has(name)) next.delete(name)
    else next.add(name)
    latest.current.onSelect(next)
  }, [])
  return (
    <table className="table resource-table" aria-label={info.plural}>
      <thead>
        <tr>
          <th scope="col" className="check">
            <input
              type="checkbox"
              aria-label={`Select all ${info.plural.toLowerCase()}`}
              checked={all}
              onChange={() =>
                props.onSelect(all ? new Set() : new Set(resources.map((r) => r.name)))
              }
            />
          </th>
          <th scope="col">Name</th>
          <th scope="col" className="region">
            Region
          </th>
          {(columns ?? []).map((c) => (
            <th scope="col" key={c.header} className={c.className}>
              {c.header}
            </th>
          ))}
          <th scope="col" className="last-changed">
            Last changed
          </th>
        </tr>
      </thead>
      <tbody>
        {shown.map((r) => (
          <ResourceRow
            key={r.name}
            kind={kind}
            resource={r}
            checked={selected.has(r.name)}
            onToggle={toggle}
            columns={columns}
          />
        ))}
      </tbody>
    </table>
  )
}

const ResourceRow = memo(function ResourceRow({
  kind,
  resource: r,
  checked,
  onToggle,
  columns,
}: {
  kind: RunKind
  resource: RunResource
  checked: boolean
  onToggle: (name: string) => void
  columns: readonly Column[] | undefined
}) {
  const info = KIND_INFO[kind]
  const ref = refOf(kind, r.name)
  const name = shortName(r.name)
  return (
    <tr className={checked ? 'selected' : undefined}>
      <td className="check">
        <input
          type="checkbox"
          aria-label={`Select ${info.singular} ${name}`}
          checked={checked}
          onChange={() => onToggle(r.name)}
        />
      </td>
      <td>
        {ref === undefined ? (
          name
        ) : (
          <Link to={href('projects', ref.project, 'locations', ref.location, info.slug, ref.name)}>
            {name}
          </Link>
        )}
      </td>
      <td className="region">{ref?.location ?? ''}</td>
      {(columns ?? []).map((c) => (
        <td key={c.header} className={c.className}>
          {c.cell(r)}
        </td>
      ))}
      <td className="last-changed">
        {r.updateTime === undefined ? '' : formatTime(r.updateTime)}
        {r.lastModifier === undefined || r.lastModifier === '' ? null : (
          <div className="hint">{r.lastModifier}</div>
        )}
      </td>
    </tr>
  )
})
