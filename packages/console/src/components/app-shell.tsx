// The frame around every signed-in page: the header (product, who is signed in, sign out), the
// left navigation, and the page itself in a <main> landmark.
import type { ReactNode } from 'react'
import { signOut, type Session } from '../auth/session.js'
import { Link, useLocation } from '../router.js'
import '../iam-pages.css'

/** The left navigation's entries; a page adds itself here when it is reachable from anywhere. */
const NAV: readonly { readonly to: string; readonly label: string }[] = [
  { to: '/', label: 'Projects' },
  { to: '/organization/iam', label: 'Organization IAM' },
  { to: '/organization/policies', label: 'Organization policies' },
  { to: '/groups', label: 'Groups' },
  { to: '/access', label: 'Who has access' },
  { to: '/troubleshoot', label: 'Troubleshooter' },
]

/** Inside a project, its own pages (the project comes from the path). */
function projectNav(path: string): { to: string; label: string }[] {
  const m = /^\/projects\/([^/]+)/.exec(path)
  if (m === null) return []
  const base = `/projects/${m[1]}`
  return [
    { to: base, label: 'Cloud Run' },
    { to: `${base}/iam`, label: 'IAM' },
    { to: `${base}/service-accounts`, label: 'Service accounts' },
    { to: `${base}/policies`, label: 'Policies' },
  ]
}

export function AppShell({ session, children }: { session: Session; children: ReactNode }) {
  const { path } = useLocation()
  return (
    <div className="shell">
      <header className="header">
        <Link to="/" className="brand">
          runiam <span className="brand-sub">Cloud Run IAM</span>
        </Link>
        <div className="header-right">
          <span className="who" aria-label="Signed in as">
            {session.email}
          </span>
          <button type="button" className="link-button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav className="sidenav" aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={path === item.to ? 'page' : undefined}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
        <ProjectNav path={path} />
      </nav>
      <main className="content" id="main">
        {children}
      </main>
    </div>
  )
}

function ProjectNav({ path }: { path: string }) {
  const items = projectNav(path)
  if (items.length === 0) return null
  const project = decodeURIComponent(items[0]?.to.split('/')[2] ?? '')
  return (
    <>
      <p className="nav-heading">{project}</p>
      <ul aria-label={`Project ${project}`}>
        {items.map((item) => (
          <li key={item.to}>
            <Link to={item.to} aria-current={path === item.to ? 'page' : undefined}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </>
  )
}
