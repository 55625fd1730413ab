// The tabs of a service's own pages: its details and permissions, its Security tab and its Audit
// tab (each its own address, so it can be linked and reloaded).
import { href, Link } from '../router.js'

export function ServiceTabs(props: {
  project: string
  location: string
  name: string
  current: 'details' | 'security' | 'audit'
}) {
  const at = ['projects', props.project, 'locations', props.location, 'services', props.name]
  return (
    <nav className="page-tabs" aria-label="Service">
      <Link to={href(...at)} aria-current={props.current === 'details' ? 'page' : undefined}>
        Details and permissions
      </Link>
      <Link
        to={href(...at, 'security')}
        aria-current={props.current === 'security' ? 'page' : undefined}
      >
        Security
      </Link>
      <Link to={href(...at, 'audit')} aria-current={props.current === 'audit' ? 'page' : undefined}>
        Audit
      </Link>
    </nav>
  )
}
