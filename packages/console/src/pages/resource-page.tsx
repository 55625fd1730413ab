// One Cloud Run resource (opened from its name in a list): what it is, and its permissions; a
// service also has its Security tab (pages/service-security-page.tsx).
import { getRun, KIND_INFO, type RunRef } from '../api/run-resources.js'
import { useLoad } from '../api/use-load.js'
import { ErrorPanel } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import { PermissionsPanel } from '../components/permissions/permissions-panel.js'
import { formatTime } from '../components/resource-table.js'
import { ServiceTabs } from '../components/service-tabs.js'
import { href, Link } from '../router.js'

export function ResourcePage({ resource }: { resource: RunRef }) {
  const info = KIND_INFO[resource.kind]
  const data = useLoad(
    () => getRun(resource),
    [resource.kind, resource.project, resource.location, resource.name],
  )
  return (
    <section>
      <p className="breadcrumb">
        <Link to={href('projects', resource.project, 'run', info.slug)}>
          {info.plural} of {resource.project}
        </Link>
      </p>
      <h1>
        {info.singular[0]?.toUpperCase()}
        {info.singular.slice(1)} {resource.name}
      </h1>
      <p className="subtitle">Region {resource.location}</p>
      {resource.kind === 'services' ? (
        <ServiceTabs
          project={resource.project}
          location={resource.location}
          name={resource.name}
          current="details"
        />
      ) : null}
      {data.state === 'loading' ? <Loading /> : null}
      {data.state === 'error' ? <ErrorPanel error={data.error} onRetry={data.reload} /> : null}
      {data.state === 'ready' ? (
        <dl className="facts">
          {data.value.uri === undefined ? null : (
            <>
              <dt>URL</dt>
              <dd>
                <code>{data.value.uri}</code>
              </dd>
            </>
          )}
          <dt>Resource name</dt>
          <dd>
            <code>{data.value.name}</code>
          </dd>
          {data.value.creator === undefined ? null : (
            <>
              <dt>Created by</dt>
              <dd>{data.value.creator}</dd>
            </>
          )}
          {data.value.updateTime === undefined ? null : (
            <>
              <dt>Last changed</dt>
              <dd>
                {formatTime(data.value.updateTime)}
                {data.value.lastModifier === undefined ? '' : ` by ${data.value.lastModifier}`}
              </dd>
            </>
          )}
        </dl>
      ) : null}
      <h2>Permissions</h2>
      <PermissionsPanel resource={resource} />
    </section>
  )
}
