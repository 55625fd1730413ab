// The ways into the console: the development login (server in --dev), a pasted access token, or a
// service account key file whose JWT is signed here in the browser (the key never leaves the
// page) and exchanged at the server's token endpoint (the JWT-bearer grant, as gcloud does).
// Sign-in through a trusted OIDC issuer's login page is in oidc-login.ts.
import { createClient } from '@runiam/api/client'
import { importPKCS8, SignJWT } from 'jose'
import { CLOUD_PLATFORM_SCOPE, DEV_LOGIN_GRANT, JWT_BEARER_GRANT } from '../api/wire.js'
import type { Session } from './session.js'

const origin = (): string => window.location.origin

/** What the server offers, read from its OpenID discovery document. */
export interface SignInOptions {
  /** The server runs with --dev: any email signs in, no password. */
  readonly dev: boolean
}

export async function discoverSignIn(): Promise<SignInOptions> {
  const res = await fetch(`${origin()}/.well-known/openid-configuration`)
  if (!res.ok) throw new Error(`The server's discovery document answered HTTP ${res.status}.`)
  const doc = (await res.json()) as { grant_types_supported?: unknown }
  const grants = Array.isArray(doc.grant_types_supported) ? doc.grant_types_supported : []
  return { dev: grants.includes(DEV_LOGIN_GRANT) }
}

function expiresAt(expiresIn: number | undefined): { expiresAt?: number } {
  return expiresIn === undefined ? {} : { expiresAt: Date.now() + expiresIn * 1000 }
}

export async function devSignIn(email: string): Promise<Session> {
  const tokens = await createClient({ endpoint: origin() }).devLogin(email.trim())
  return {
    token: tokens.access_token,
    email: email.trim(),
    method: 'dev',
    ...expiresAt(tokens.expires_in),
  }
}

/** The claims of a JWT, unverified (the server verifies; this only reads email and expiry). */
function jwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1]
  if (part === undefined) return undefined
  try {
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/')
    const json = new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))
    const claims = JSON.parse(json) as unknown
    return typeof claims === 'object' && claims !== null
      ? (claims as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** A pasted access token: checked against the server before it is kept. */
export async function tokenSignIn(raw: string): Promise<Session> {
  const token = raw.trim().replace(/^Bearer\s+/i, '')
  if (token === '') throw new Error('Paste an access token.')
  const claims = jwtClaims(token)
  const email = typeof claims?.['email'] === 'string' ? claims['email'] : undefined
  const exp = typeof claims?.['exp'] === 'number' ? claims['exp'] * 1000 : undefined
  // Any authenticated call tells whether the server accepts the token (401 if not).
  await createClient({ endpoint: origin(), getToken: async () => token }).request(
    'POST',
    '/v1/organizations:search',
    { body: {} },
  )
  return {
    token,
    email: email ?? 'unknown identity',
    method: 'token',
    ...(exp === undefined ? {} : { expiresAt: exp }),
  }
}

interface KeyFile {
  type?: unknown
  client_email?: unknown
  private_key?: unknown
  private_key_id?: unknown
  token_uri?: unknown
}

/** A service account key file (JSON): a JWT signed here, exchanged for an access token. */
export async function keyFileSignIn(text: string): Promise<Session> {
  let key: KeyFile
  try {
    key = JSON.parse(text) as KeyFile
  } catch {
    throw new Error('The file is not JSON: choose a service account key file.')
  }
  const { client_email: email, private_key: pem, private_key_id: kid, token_uri: tokenUri } = key
  if (key.type !== 'service_account' || typeof email !== 'string' || typeof pem !== 'string') {
    throw new Error(
      'This is not a service account key file (it needs "type": "service_account", client_email and private_key).',
    )
  }
  const audience = typeof tokenUri === 'string' ? tokenUri : `${origin()}/token`
  let assertion: string
  try {
    const privateKey = await importPKCS8(pem, 'RS256')
    assertion = await new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(typeof kid === 'string' ? { kid } : {}) })
      .setIssuer(email)
      .setSubject(email)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey)
  } catch (err) {
    throw new Error(`The key file's private key cannot sign: ${(err as Error).message}`)
  }
  // Always this server's token endpoint: the page may talk to its own origin only (CSP).
  const res = await fetch(`${origin()}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
  })
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: string
    expires_in?: number
    error?: string
    error_description?: string
  }
  if (!res.ok || typeof body.access_token !== 'string') {
    throw new Error(
      `The server refused the key file: ${body.error_description ?? body.error ?? `HTTP ${res.status}`}`,
    )
  }
  return { token: body.access_token, email, method: 'key-file', ...expiresAt(body.expires_in) }
}
