// A project's Cloud Run page: tabs Services, Jobs and Worker pools, each a list with check boxes
// (services with their Authentication column), and the info panel for what is selected, shown or
// hidden with its button: one resource's Permissions tab, or bulk grant/remove on several.
import { Suspense, useMemo, useState } from 'react'
import {
  KIND_INFO,
  refOf,
  RUN_KINDS,
  shortName,
  type RunKind,
  type RunRef,
  type RunResource,
} from '../api/run-resources.js'
import { takeRunList } from '../api/early-run-list.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { InfoPanel } from '../components/info-panel.js'
import { Loading } from '../components/loading.js'
import { PublicAccessCell } from '../components/public-access-cell.js'
import { ResourceTable, type Column } from '../components/resource-table.js'
import { lazyNamed } from '../lazy-named.js'
import { href, Link } from '../router.js'

// The info panel's contents (one resource's permissions, bulk grant/remove: forms, the role
// catalog) are their own chunk, loaded when something is selected: the list shows without them.
const PermissionsPanel = lazyNamed(() =>
  import('../components/permissions/permissions-panel.js').then((m) => m.PermissionsPanel),
)
const BulkActionsBar = lazyNamed(() =>
  import('../components/bulk-actions-bar.js').then((m) => m.BulkActionsBar),
)

/** The services list's columns; `generation` makes the Authentication cells read again. */
function serviceColumns(generation: number): readonly Column[] {
  return [
    {
      header: 'URL',
      className: 'url-column',
      cell: (r) =>
        r.uri === undefined ? (
          ''
        ) : (
          <code className="url" title={r.uri}>
            {r.uri}
          </code>
        ),
    },
    {
      header: 'Authentication',
      className: 'auth-column',
      cell: (r) => {
        const service = refOf('services', r.name)
        return service === undefined ? (
          ''
        ) : (
          <PublicAccessCell
            service={service}
            invokerIamDisabled={r.invokerIamDisabled === true}
            generation={generation}
          />
        )
      },
    },
  ]
}

export function ProjectRunPage({ project, kind }: { project: string; kind: RunKind }) {
  const info = KIND_INFO[kind]
  const list = useLoad(() => takeRunList(project, kind), [project, kind])
  const [selectedByKind, setSelected] = useState<Record<string, ReadonlySet<string>>>({})
  const [panelShown, setPanelShown] = useState(true)
  // Bumped when a bulk change ends, so the Authentication column reads the policies again.
  const [generation, setGeneration] = useState(0)
  // The same columns until `generation` changes, so the list's memoised rows stay as they are.
  const columns = useMemo(() => serviceColumns(generation), [generation])
  const selected = selectedByKind[kind] ?? new Set<string>()
  const resources: readonly RunResource[] = list.state === 'ready' ? list.value : []
  const chosen = resources.filter((r) => selected.has(r.name))
  const refs = chosen.flatMap((r): RunRef[] => {
    const ref = refOf(kind, r.name)
    return ref === undefined ? [] : [ref]
  })
  const only = chosen.length === 1 ? refs[0] : undefined

  return (
    <section className="run-page">
      <div className="page-head">
        <div>
          <h1>Cloud Run</h1>
          <p className="subtitle">
            Project <Link to={href('projects', project)}>{project}</Link>
          </p>
        </div>
        <button
          type="button"
          aria-expanded={panelShown}
          aria-controls="info-panel"
          onClick={() => setPanelShown(!panelShown)}
        >
          {panelShown ? 'Hide info panel' : 'Show info panel'}
        </button>
      </div>
      <nav className="page-tabs" aria-label="Cloud Run resources">
        {RUN_KINDS.map((k) => (
          <Link
            key={k}
            to={href('projects', project, 'run', KIND_INFO[k].slug)}
            aria-current={k === kind ? 'page' : undefined}
          >
            {KIND_INFO[k].plural}
          </Link>
        ))}
      </nav>
      <div className={panelShown ? 'with-panel' : 'without-panel'}>
        <div className="list">
          {list.state === 'loading' ? (
            <Loading label={`Loading ${info.plural.toLowerCase()}…`} />
          ) : null}
          {list.state === 'error' ? <ErrorPanel error={list.error} onRetry={list.reload} /> : null}
          {list.state === 'ready' && resources.length === 0 ? (
            <p className="hint">This project has no {info.plural.toLowerCase()}.</p>
          ) : null}
          {resources.length > 0 ? (
            <ResourceTable
              key={kind}
              kind={kind}
              resources={resources}
              selected={selected}
              onSelect={(names) => setSelected({ ...selectedByKind, [kind]: names })}
              {...(kind === 'services' ? { columns } : {})}
            />
          ) : null}
        </div>
        {panelShown ? (
          <div id="info-panel">
            <InfoPanel
              heading={
                chosen.length === 0
                  ? `No ${info.singular} selected`
                  : chosen.length === 1
                    ? `${info.singular[0]?.toUpperCase()}${info.singular.slice(1)} ${shortName(chosen[0]?.name ?? '')}`
                    : `${chosen.length} ${info.plural.toLowerCase()} selected`
              }
              tabs={[
                {
                  id: 'permissions',
                  label: 'Permissions',
                  render: () => (
                    <Suspense fallback={<Loading />}>
                      {only !== undefined ? (
                        <PermissionsPanel resource={only} key={only.name} />
                      ) : chosen.length === 0 ? (
                        <p className="hint">
                          Select a {info.singular} with its check box to see and change who has
                          access to it.
                        </p>
                      ) : (
                        <BulkActionsBar
                          key={kind}
                          kind={kind}
                          selected={refs}
                          onDone={() => setGeneration((g) => g + 1)}
                        />
                      )}
                    </Suspense>
                  ),
                },
              ]}
            />
          </div>
        ) : null}
      </div>
    </section>
  )
}
