// A service's Audit tab (its own address, so it can be linked and reloaded): who changed the
// service and its permissions, and what changed — its Cloud Audit Logs entries, newest first.
import { loadAuditTrail } from '../api/audit-trail.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import { formatTime } from '../components/resource-table.js'
import { ServiceTabs } from '../components/service-tabs.js'
import { href, Link } from '../router.js'

export function ServiceAuditPage({
  project,
  location,
  name,
}: {
  project: string
  location: string
  name: string
}) {
  const resourceName = `projects/${project}/locations/${location}/services/${name}`
  const data = useLoad(() => loadAuditTrail(project, resourceName), [resourceName])
  return (
    <section>
      <p className="breadcrumb">
        <Link to={href('projects', project, 'run', 'services')}>Services of {project}</Link>
      </p>
      <h1>Service {name}</h1>
      <p className="subtitle">Region {location}</p>
      <ServiceTabs project={project} location={location} name={name} current="audit" />
      <p>
        Changes to this service and its permissions, newest first (Admin Activity audit log). Reads
        need <code>logging.logEntries.list</code> on the project.
      </p>
      {data.state === 'loading' ? <Loading /> : null}
      {data.state === 'error' ? <ErrorPanel error={data.error} onRetry={data.reload} /> : null}
      {data.state === 'ready' && data.value.length === 0 ? <p>No audit entries yet.</p> : null}
      {data.state === 'ready' && data.value.length > 0 ? (
        <table className="table" aria-label="Audit trail">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
              <th>Outcome</th>
              <th>Changes</th>
            </tr>
          </thead>
          <tbody>
            {data.value.map((row) => (
              <tr key={row.insertId}>
                <td>{formatTime(row.timestamp)}</td>
                <td>{row.principal}</td>
                <td>{row.method}</td>
                <td>{row.denied ? 'Denied' : row.error === undefined ? 'Done' : 'Failed'}</td>
                <td>
                  {row.changes.map((c) => (
                    <div key={c}>{c}</div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  )
}
