// The frame around every signed-in page: the header (product, who is signed in, sign out), the
// left navigation, and the page itself in a <main> landmark.
import type { ReactNode } from 'react'
import { signOut, type Session } from '../auth/session.js'
import { Link, useLocation } from '../router.js'

/** The left navigation's entries; a page adds itself here when it is reachable from anywhere. */
const NAV: readonly { readonly to: string; readonly label: string }[] = [
  { to: '/', label: 'Projects' },
]

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
      </nav>
      <main className="content" id="main">
        {children}
      </main>
    </div>
  )
}
