// The organization and its projects: the console's home. Each project opens its Cloud Run page.
import type { ListProjectsResponse, Project } from '@runiam/api/client'
import { api } from '../api/console-api.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import { href, Link } from '../router.js'

interface Organization {
  readonly name: string
  readonly displayName?: string
}

async function loadAll(): Promise<{ organizations: Organization[]; projects: Project[] }> {
  const projects: Project[] = []
  let pageToken: string | undefined
  do {
    const page: ListProjectsResponse = await api().listProjects(pageToken)
    projects.push(...(page.projects ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  const orgs = await api()
    .request<{ organizations?: Organization[] }>('POST', '/v1/organizations:search', { body: {} })
    .catch(() => ({ organizations: [] }))
  projects.sort((a, b) => a.projectId.localeCompare(b.projectId))
  return { organizations: orgs.organizations ?? [], projects }
}

export function ProjectsPage() {
  const data = useLoad(loadAll, [])
  const org = data.state === 'ready' ? data.value.organizations[0] : undefined
  return (
    <section>
      <h1>Projects</h1>
      {org === undefined ? null : (
        <p className="subtitle">
          Organization: <strong>{org.displayName ?? org.name}</strong>
        </p>
      )}
      {data.state === 'loading' ? <Loading label="Loading projects…" /> : null}
      {data.state === 'error' ? <ErrorPanel error={data.error} onRetry={data.reload} /> : null}
      {data.state === 'ready' ? (
        data.value.projects.length === 0 ? (
          <p>You can see no projects. Ask an owner to grant you a role on one.</p>
        ) : (
          <table className="table" aria-label="Projects">
            <thead>
              <tr>
                <th scope="col">Project ID</th>
                <th scope="col">Name</th>
                <th scope="col">Number</th>
              </tr>
            </thead>
            <tbody>
              {data.value.projects.map((p) => (
                <tr key={p.projectId}>
                  <td>
                    <Link to={href('projects', p.projectId)}>{p.projectId}</Link>
                  </td>
                  <td>{p.name ?? ''}</td>
                  <td>{p.projectNumber ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </section>
  )
}
