// A service's Security tab (its own address, so it can be linked and reloaded): who may call the
// service, public or through IAM. Opened from the service's page (its Security tab link).
import { SecurityTab } from '../components/security-tab.js'
import { ServiceTabs } from '../components/service-tabs.js'
import { href, Link } from '../router.js'

export function ServiceSecurityPage({
  project,
  location,
  name,
}: {
  project: string
  location: string
  name: string
}) {
  return (
    <section>
      <p className="breadcrumb">
        <Link to={href('projects', project, 'run', 'services')}>Services of {project}</Link>
      </p>
      <h1>Service {name}</h1>
      <p className="subtitle">Region {location}</p>
      <ServiceTabs project={project} location={location} name={name} current="security" />
      <SecurityTab serviceRef={{ kind: 'services', project, location, name }} />
    </section>
  )
}
