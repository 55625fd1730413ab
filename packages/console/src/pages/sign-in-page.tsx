// Sign-in: with a server in --dev, an email is enough; otherwise a trusted issuer's login (where
// one is configured), a pasted access token, or a service account key file (signed in the
// browser, exchanged at /token).
import { useEffect, useState, type FormEvent } from 'react'
import {
  devSignIn,
  discoverSignIn,
  keyFileSignIn,
  tokenSignIn,
  type SignInOptions,
} from '../auth/sign-in-flows.js'
import { loadOidcLogins, startOidcLogin, type OidcLogin } from '../auth/oidc-login.js'
import { signIn, takeNotice } from '../auth/session.js'
import { describeError } from '../components/error-panel.js'
import { Loading } from '../components/loading.js'

export function SignInPage() {
  const [options, setOptions] = useState<SignInOptions | undefined>()
  const [notice] = useState(() => takeNotice())
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const [email, setEmail] = useState('')
  const [token, setToken] = useState('')
  const [logins, setLogins] = useState<readonly OidcLogin[]>([])

  useEffect(() => {
    loadOidcLogins().then(setLogins, (err: unknown) => setError(describeError(err).message))
  }, [])

  useEffect(() => {
    discoverSignIn().then(setOptions, (err: unknown) => {
      setOptions({ dev: false })
      setError(describeError(err).message)
    })
  }, [])

  async function attempt(run: () => Promise<Parameters<typeof signIn>[0]>): Promise<void> {
    setBusy(true)
    setError(undefined)
    try {
      signIn(await run())
    } catch (err) {
      setError(describeError(err).message)
    } finally {
      setBusy(false)
    }
  }

  const onDev = (e: FormEvent) => {
    e.preventDefault()
    void attempt(() => devSignIn(email))
  }
  const onToken = (e: FormEvent) => {
    e.preventDefault()
    void attempt(() => tokenSignIn(token))
  }
  const onKeyFile = (file: File | undefined) => {
    if (file !== undefined) void attempt(async () => keyFileSignIn(await file.text()))
  }
  const onOidc = (login: OidcLogin) => {
    setBusy(true)
    setError(undefined)
    startOidcLogin(login).catch((err: unknown) => {
      setBusy(false)
      setError(describeError(err).message)
    })
  }

  return (
    <main className="sign-in" id="main">
      <h1>Sign in to runiam</h1>
      {notice === undefined ? null : (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {error === undefined ? null : (
        <p className="error-panel" role="alert">
          {error}
        </p>
      )}
      {options === undefined ? (
        <Loading />
      ) : options.dev ? (
        <form onSubmit={onDev} aria-label="Development sign-in">
          <p className="hint">
            This server runs with <code>--dev</code>: sign in as any account, no password.
          </p>
          <label htmlFor="sign-in-email">Email</label>
          <input
            id="sign-in-email"
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            placeholder="admin@example.com"
          />
          <button type="submit" className="primary" disabled={busy}>
            Sign in
          </button>
        </form>
      ) : (
        <>
          {logins.length === 0 ? null : (
            <>
              <div className="oidc-logins">
                {logins.map((login) => (
                  <button
                    key={login.issuer}
                    type="button"
                    className="primary"
                    disabled={busy}
                    onClick={() => onOidc(login)}
                  >
                    Sign in with {login.displayName}
                  </button>
                ))}
              </div>
              <div className="or">or</div>
            </>
          )}
          <form onSubmit={onToken} aria-label="Token sign-in">
            <label htmlFor="sign-in-token">Access token</label>
            <textarea
              id="sign-in-token"
              rows={4}
              required
              value={token}
              onChange={(e) => setToken(e.target.value)}
              placeholder="runiam auth print-access-token"
            />
            <button type="submit" className="primary" disabled={busy}>
              Sign in with token
            </button>
          </form>
          <div className="or">or</div>
          <div>
            <label htmlFor="sign-in-key-file">Service account key file (JSON)</label>
            <input
              id="sign-in-key-file"
              type="file"
              accept="application/json,.json"
              disabled={busy}
              onChange={(e) => onKeyFile(e.target.files?.[0])}
            />
            <p className="hint">The key stays in this page: it signs a token request here.</p>
          </div>
        </>
      )}
    </main>
  )
}
