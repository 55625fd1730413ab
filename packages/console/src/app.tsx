// The console app: the sign-in page until there is a session (or the OIDC callback, on the way
// back from an issuer's login), then the shell around the page the
// route table matches. The browser tab's title follows the page.
import { Suspense, useEffect } from 'react'
import { EXPIRED_NOTICE } from './api/console-api.js'
import { signOut, useSession } from './auth/session.js'
import { AppShell } from './components/app-shell.js'
import { CALLBACK_PATH } from './auth/oidc-login.js'
import { Loading } from './components/loading.js'
import { lazyNamed } from './lazy-named.js'
import { NotFoundPage } from './pages/not-found-page.js'
import { matchRoute, useLocation } from './router.js'
import { ROUTES } from './routes.js'

// Signing in (with jose for key files and OIDC) is its own chunk: a signed-in visit skips it.
const SignInPage = lazyNamed(() => import('./pages/sign-in-page.js').then((m) => m.SignInPage))
const OidcCallbackPage = lazyNamed(() =>
  import('./pages/oidc-callback-page.js').then((m) => m.OidcCallbackPage),
)

export function App() {
  const session = useSession()
  const { path, query } = useLocation()
  const match = matchRoute(ROUTES, path)
  const title =
    session === undefined ? 'Sign in' : (match?.route.title(match.params) ?? 'Not found')
  useEffect(() => {
    document.title = `${title} – runiam`
  }, [title])
  // A session ends when its token does, even on a page that makes no call in between.
  const expiresAt = session?.expiresAt
  useEffect(() => {
    if (expiresAt === undefined) return
    const timer = setTimeout(
      () => signOut(EXPIRED_NOTICE),
      Math.min(2 ** 31 - 1, Math.max(0, expiresAt - Date.now() - 5_000)),
    )
    return () => clearTimeout(timer)
  }, [expiresAt])
  // The return from a trusted issuer's login page, whether or not a session exists yet.
  if (path === CALLBACK_PATH)
    return (
      <Suspense fallback={<Loading />}>
        <OidcCallbackPage query={query} />
      </Suspense>
    )
  if (session === undefined)
    return (
      <Suspense fallback={<Loading />}>
        <SignInPage />
      </Suspense>
    )
  return (
    <AppShell session={session}>
      <Suspense fallback={<Loading />}>
        {match === undefined ? <NotFoundPage /> : match.route.render(match.params, query)}
      </Suspense>
    </AppShell>
  )
}
