// Sign-in through a trusted OIDC issuer's login page: authorization code + PKCE (S256). The
// server says which issuers offer it (/console/login-options.json, public settings only). Before
// leaving for the issuer, a fresh state, nonce and code verifier are kept in sessionStorage; on the
// way back (/console/oidc-callback) the state must match, the code is exchanged through the
// server (/console/oidc-token, which POSTs to the configured token endpoint), and the ID token's
// nonce, issuer and audience must be ours before it is kept as the session's bearer. The server's
// API then verifies it in full (signature, issuer, audience, expiry) on every call.
import { createClient } from '@runiam/api/client'
import type { Session } from './session.js'

export const CALLBACK_PATH = '/oidc-callback'
const PENDING_KEY = 'runiam.console.oidc-pending'
/** A login left for the issuer longer ago than this is refused on return. */
const PENDING_MAX_AGE_MS = 10 * 60_000

export interface OidcLogin {
  readonly issuer: string
  readonly displayName: string
  readonly clientId: string
  readonly authorizationEndpoint: string
}

interface Pending {
  readonly issuer: string
  readonly clientId: string
  readonly state: string
  readonly nonce: string
  readonly verifier: string
  readonly startedAt: number
}

const origin = (): string => window.location.origin
const redirectUri = (): string => `${origin()}/console${CALLBACK_PATH}`

export async function loadOidcLogins(): Promise<OidcLogin[]> {
  const res = await fetch(`${origin()}/console/login-options.json`)
  if (!res.ok) throw new Error(`The server's login options answered HTTP ${res.status}.`)
  const doc = (await res.json()) as { logins?: unknown }
  return Array.isArray(doc.logins) ? (doc.logins as OidcLogin[]) : []
}

function base64url(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes) s += String.fromCharCode(b)
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

const random = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)))

/** Leaves for the issuer's login page; comes back to the callback route. */
export async function startOidcLogin(login: OidcLogin): Promise<void> {
  const pending: Pending = {
    issuer: login.issuer,
    clientId: login.clientId,
    state: random(),
    nonce: random(),
    verifier: random(),
    startedAt: Date.now(),
  }
  const challenge = base64url(
    new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode(pending.verifier)),
    ),
  )
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending))
  const url = new URL(login.authorizationEndpoint)
  url.search = new URLSearchParams({
    ...Object.fromEntries(url.searchParams),
    response_type: 'code',
    client_id: login.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid email',
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString()
  window.location.assign(url.href)
}

/** The pending login, removed: a state is good for one return only. */
function takePending(): Pending | undefined {
  const text = sessionStorage.getItem(PENDING_KEY)
  sessionStorage.removeItem(PENDING_KEY)
  if (text === null) return undefined
  try {
    return JSON.parse(text) as Pending
  } catch {
    return undefined
  }
}

function claimsOf(jwt: string): Record<string, unknown> {
  try {
    const part = jwt.split('.')[1] ?? ''
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/')
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))
    const claims = JSON.parse(json) as unknown
    if (typeof claims === 'object' && claims !== null) return claims as Record<string, unknown>
  } catch {
    // Falls through to the refusal below.
  }
  throw new Error('The issuer answered something that is not an ID token.')
}

/** Completes the login from the callback's query; throws with the reason in words. */
export async function finishOidcLogin(query: URLSearchParams): Promise<Session> {
  const pending = takePending()
  if (pending === undefined) {
    throw new Error(
      'This sign-in was not started from this tab (or was already used): sign in again.',
    )
  }
  if (query.get('state') !== pending.state) {
    throw new Error('The sign-in was refused: its state does not match the one this tab sent.')
  }
  // The issuer's error, believed (and shown) only with this tab's state: a crafted link cannot
  // put its words on the sign-in page.
  const error = query.get('error')
  if (error !== null) {
    const said = query.get('error_description')
    const description = said === null ? undefined : said.slice(0, 200)
    throw new Error(
      error === 'access_denied'
        ? `The sign-in was denied at the issuer${description === undefined ? '' : `: ${description}`}.`
        : `The issuer refused the sign-in: ${error.slice(0, 60)}${description === undefined ? '' : ` (${description})`}.`,
    )
  }
  if (Date.now() - pending.startedAt > PENDING_MAX_AGE_MS) {
    throw new Error('The sign-in took too long and has expired: sign in again.')
  }
  const code = query.get('code')
  if (code === null || code === '') throw new Error('The issuer sent no authorization code.')
  const res = await fetch(`${origin()}/console/oidc-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      issuer: pending.issuer,
      code,
      codeVerifier: pending.verifier,
      redirectUri: redirectUri(),
    }),
  })
  const body = (await res.json().catch(() => ({}))) as {
    id_token?: unknown
    error?: { message?: string }
  }
  if (!res.ok || typeof body.id_token !== 'string') {
    throw new Error(body.error?.message ?? `The code exchange answered HTTP ${res.status}.`)
  }
  const idToken = body.id_token
  const claims = claimsOf(idToken)
  if (claims['nonce'] !== pending.nonce) {
    throw new Error(
      'The sign-in was refused: the ID token was not issued for this sign-in (nonce).',
    )
  }
  const aud = claims['aud']
  const audiences = Array.isArray(aud) ? aud : [aud]
  if (claims['iss'] !== pending.issuer || !audiences.includes(pending.clientId)) {
    throw new Error('The sign-in was refused: the ID token is from another issuer or client.')
  }
  const exp = typeof claims['exp'] === 'number' ? claims['exp'] * 1000 : undefined
  if (exp !== undefined && exp <= Date.now()) {
    throw new Error('The ID token has already expired: sign in again.')
  }
  // The server has the last word: any authenticated call verifies the token (401 if not).
  await createClient({ endpoint: origin(), getToken: async () => idToken }).request(
    'POST',
    '/v1/organizations:search',
    { body: {} },
  )
  const email = typeof claims['email'] === 'string' ? claims['email'] : undefined
  return {
    token: idToken,
    email: email ?? (typeof claims['sub'] === 'string' ? claims['sub'] : 'unknown identity'),
    method: 'oidc',
    ...(exp === undefined ? {} : { expiresAt: exp }),
  }
}
