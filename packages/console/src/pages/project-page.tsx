// A project's Cloud Run page (tabs Services, Jobs, Worker pools). This is the smallest list the
// bulk actions need (check boxes, the services' Authentication column); the full lists and the
// info panel come with the resource lists (console-shell), which take the same two pieces:
// <BulkActionsBar> for the selection and <PublicAccessCell> for the column.
import { useState } from 'react'
import { useLoad } from '../api/use-load.js'
import { BulkActionsBar } from '../components/bulk-actions-bar.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import { PublicAccessCell } from '../components/public-access-cell.js'
import { listRunResources, resourceKey, RUN_KINDS, type RunKind } from '../iam/run-resources.js'
import { href, Link } from '../router.js'

const SLUGS: Readonly<Record<RunKind, string>> = {
  services: 'services',
  jobs: 'jobs',
  workerPools: 'worker-pools',
}

export function kindOfSlug(slug: string): RunKind | undefined {
  return (Object.keys(SLUGS) as RunKind[]).find((k) => SLUGS[k] === slug)
}

export function ProjectPage({ project, kind = 'services' }: { project: string; kind?: RunKind }) {
  const info = RUN_KINDS[kind]
  const list = useLoad(() => listRunResources(project, kind), [project, kind])
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set())
  const [generation, setGeneration] = useState(0)
  const resources = list.state === 'ready' ? list.value : []
  const chosen = resources.filter((r) => selected.has(resourceKey(r)))
  const toggle = (key: string) => {
    const next = new Set(selected)
    if (next.has(key)) next.delete(key)
    else next.add(key)
    setSelected(next)
  }
  const all = resources.length > 0 && chosen.length === resources.length
  return (
    <section>
      <h1>Cloud Run</h1>
      <p className="subtitle">Project {project}</p>
      <nav className="detail-tabs" aria-label="Cloud Run resources">
        {(Object.keys(SLUGS) as RunKind[]).map((k) => (
          <Link
            key={k}
            to={href('projects', project, 'run', SLUGS[k])}
            aria-current={k === kind ? 'page' : undefined}
          >
            {RUN_KINDS[k].label}
          </Link>
        ))}
      </nav>
      {list.state === 'loading' ? <Loading label={`Loading ${info.label.toLowerCase()}…`} /> : null}
      {list.state === 'error' ? <ErrorPanel error={list.error} onRetry={list.reload} /> : null}
      {list.state === 'ready' && resources.length === 0 ? (
        <p className="hint">This project has no {info.label.toLowerCase()}.</p>
      ) : null}
      {resources.length > 0 ? (
        <>
          <BulkActionsBar
            key={kind}
            kind={kind}
            selected={chosen}
            onDone={() => setGeneration((g) => g + 1)}
          />
          <table className="table" aria-label={info.label}>
            <thead>
              <tr>
                <th scope="col" className="check">
                  <input
                    type="checkbox"
                    aria-label={`Select all ${info.label.toLowerCase()}`}
                    checked={all}
                    onChange={() =>
                      setSelected(all ? new Set() : new Set(resources.map(resourceKey)))
                    }
                  />
                </th>
                <th scope="col">Name</th>
                <th scope="col">Region</th>
                {kind === 'services' ? <th scope="col">Authentication</th> : null}
              </tr>
            </thead>
            <tbody>
              {resources.map((r) => (
                <tr key={resourceKey(r)} aria-selected={selected.has(resourceKey(r))}>
                  <td className="check">
                    <input
                      type="checkbox"
                      aria-label={`Select ${info.noun} ${r.name}`}
                      checked={selected.has(resourceKey(r))}
                      onChange={() => toggle(resourceKey(r))}
                    />
                  </td>
                  <td>
                    {kind === 'services' ? (
                      <Link
                        to={href(
                          'projects',
                          project,
                          'locations',
                          r.location,
                          'services',
                          r.name,
                          'security',
                        )}
                      >
                        {r.name}
                      </Link>
                    ) : (
                      r.name
                    )}
                  </td>
                  <td>{r.location}</td>
                  {kind === 'services' ? (
                    <td>
                      <PublicAccessCell
                        service={r}
                        invokerIamDisabled={r.invokerIamDisabled}
                        generation={generation}
                      />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  )
}
