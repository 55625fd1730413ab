// Where a trusted issuer's login sends the browser back (/console/oidc-callback?code=…&state=…):
// completes the sign-in (auth/oidc-login.ts) and goes to the projects list, or back to the
// sign-in page saying in words why it was refused.
import { useEffect } from 'react'
import { finishOidcLogin } from '../auth/oidc-login.js'
import { getSession, signIn, signOut, type Session } from '../auth/session.js'
import { describeError } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'
import { navigate } from '../router.js'

/** One completion per return (React's StrictMode runs effects twice; a state is good once). */
let finishing: { search: string; done: Promise<Session> } | undefined

export function OidcCallbackPage({ query }: { query: URLSearchParams }) {
  useEffect(() => {
    const search = query.toString()
    if (finishing?.search !== search) finishing = { search, done: finishOidcLogin(query) }
    let live = true
    finishing.done.then(
      (session) => {
        if (!live) return
        signIn(session)
        navigate('/', { replace: true })
      },
      (err: unknown) => {
        if (!live) return
        // A forged return (a link to the callback) must not sign out whoever is signed in here.
        if (getSession() === undefined) signOut(describeError(err).message)
        navigate('/', { replace: true })
      },
    )
    return () => {
      live = false
    }
  }, [query])
  return (
    <main className="sign-in" id="main">
      <h1>Signing in…</h1>
      <Loading />
    </main>
  )
}
