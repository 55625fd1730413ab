// The HTTP face of runiam's identity layer: OpenID discovery, the JWKS, and the OAuth 2 token
// endpoint. Errors here are OAuth's JSON shape ({error, error_description}), as Google's token
// endpoint answers, not the IAM envelope.
import { DEV_LOGIN_GRANT, JWKS_PATH, JWT_BEARER_GRANT, TOKEN_PATH } from '@runiam/api'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { JWK } from 'jose'
import { isValidEmail } from '@runiam/core'
import { classifyHost } from '../services/run/upstream-policy.js'
import type { Issuer } from './issuer.js'
import type { GrantOutcome } from './jwt-bearer-grant.js'

export interface IdentityRoutesOptions {
  readonly issuer: Issuer
  readonly jwks: () => Promise<{ keys: JWK[] }>
  /**
   * How long relying parties may cache the JWKS, seconds: less than the signing key activation
   * delay, so every cache holds a rotated key before any token carries it. Default 300.
   */
  readonly jwksMaxAgeSeconds?: number
  /** Development identity: the dev-login grant is accepted. */
  readonly dev: boolean
  log?(entry: Record<string, unknown>): void
  /** The JWT-bearer grant for service account key files (createJwtBearerGrant). */
  jwtBearer?(assertion: string): Promise<GrantOutcome>
  /** How request bodies are read or declined: http/read-body.ts, wired in by main.ts. */
  readonly bodies: RequestBodies
}

/** So that a client trickling a body cannot hold a connection of the token endpoint open. */
export interface RequestBodies {
  /**
   * The body, at most `limit` bytes, within the server's body deadline: rejects when it is
   * larger; destroys the request (closing the connection) when the client is too slow.
   */
  read(req: IncomingMessage, limit: number): Promise<Buffer>
  /** Answering without reading the body: the connection closes after the answer. */
  decline(req: IncomingMessage, res: ServerResponse): void
}

const MAX_FORM_BYTES = 64 * 1024

function sendJson(res: ServerResponse, status: number, body: unknown, cache = 'no-store'): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': cache,
  })
  res.end(text)
}

function oauthError(res: ServerResponse, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description })
}

async function readForm(
  req: IncomingMessage,
  bodies: RequestBodies,
): Promise<URLSearchParams | undefined> {
  let text: string
  try {
    text = (await bodies.read(req, MAX_FORM_BYTES)).toString('utf8')
  } catch {
    return undefined
  }
  const type = req.headers['content-type'] ?? ''
  if (type.includes('application/json')) {
    try {
      const obj = JSON.parse(text) as Record<string, unknown>
      return new URLSearchParams(
        Object.entries(obj).filter((e): e is [string, string] => typeof e[1] === 'string'),
      )
    } catch {
      return undefined
    }
  }
  return new URLSearchParams(text)
}

/**
 * Whether a request's Host header names this machine's loopback (localhost, *.localhost, 127.x,
 * [::1]). A browser always sends the name it resolved, and a web page cannot set it, so a page
 * that rebinds its own DNS name to 127.0.0.1 (DNS rebinding) still says its own name here.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === '') return false
  try {
    return classifyHost(new URL(`http://${host}`).hostname) === 'loopback'
  } catch {
    return false
  }
}

/** Whether `host` (a Host header) is the host of runiam's own issuer URL (--issuer-url). */
function isIssuerHost(host: string | undefined, issuerUrl: string): boolean {
  if (host === undefined || host === '') return false
  try {
    return new URL(`http://${host}`).host === new URL(issuerUrl).host
  } catch {
    return false
  }
}

/** Returns a handler that answers identity paths and returns false for every other path. */
export function createIdentityRoutes(options: IdentityRoutesOptions) {
  const { issuer } = options
  const jwksMaxAge = options.jwksMaxAgeSeconds ?? 300
  const discovery = () => ({
    issuer: issuer.issuer,
    jwks_uri: `${issuer.issuer}${JWKS_PATH}`,
    token_endpoint: `${issuer.issuer}${TOKEN_PATH}`,
    id_token_signing_alg_values_supported: ['RS256'],
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    grant_types_supported: [...(options.dev ? [DEV_LOGIN_GRANT] : []), JWT_BEARER_GRANT],
    claims_supported: ['aud', 'email', 'email_verified', 'exp', 'iat', 'iss', 'sub'],
  })

  async function token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      options.bodies.decline(req, res)
      return oauthError(res, 405, 'invalid_request', 'Use POST.')
    }
    const form = await readForm(req, options.bodies)
    if (form === undefined) {
      // Too large (or, after the deadline, a destroyed request nobody will read the answer of).
      options.bodies.decline(req, res)
      return oauthError(res, 400, 'invalid_request', 'Malformed or too large request body.')
    }
    const grant = form.get('grant_type') ?? ''
    if (grant === DEV_LOGIN_GRANT) {
      if (!options.dev) {
        return oauthError(
          res,
          400,
          'unsupported_grant_type',
          'Development login is only available when the server runs with --dev.',
        )
      }
      // --dev listens on loopback only, but a web page whose DNS name is rebound to 127.0.0.1
      // reaches it from the developer's browser as its own origin: it could mint an owner's
      // token here, read it, and run commands through local processes. Its requests carry its
      // own name as Host, so only a loopback Host (or the host of --issuer-url, which the
      // operator chose) gets a dev login.
      const host = req.headers.host
      if (!isLoopbackHost(host) && !isIssuerHost(host, issuer.issuer)) {
        options.log?.({ event: 'dev_login_refused', host: String(host ?? '').slice(0, 200) })
        return oauthError(
          res,
          400,
          'invalid_request',
          `Development login is only served at a loopback address (localhost, 127.0.0.1, [::1]) or the host of --issuer-url; this request was addressed to host [${String(host ?? '').slice(0, 200)}].`,
        )
      }
      const subject = (form.get('subject') ?? '').trim()
      if (!isValidEmail(subject)) {
        return oauthError(
          res,
          400,
          'invalid_request',
          `Invalid subject [${subject}]: expected an email address.`,
        )
      }
      const audience = form.get('audience') ?? issuer.issuer
      const { token: accessToken, expiresIn } = await issuer.signAccessToken(subject)
      const idToken = await issuer.signIdToken(subject, audience)
      options.log?.({ event: 'token_issued', grant: 'dev-login', email: subject })
      return sendJson(res, 200, {
        access_token: accessToken,
        id_token: idToken,
        token_type: 'Bearer',
        expires_in: expiresIn,
      })
    }
    if (grant === JWT_BEARER_GRANT && options.jwtBearer !== undefined) {
      const outcome = await options.jwtBearer(form.get('assertion') ?? '')
      if (!outcome.ok) return oauthError(res, outcome.status, outcome.error, outcome.description)
      options.log?.({ event: 'token_issued', grant: 'jwt-bearer', email: outcome.email })
      return sendJson(res, 200, outcome.body)
    }
    return oauthError(res, 400, 'unsupported_grant_type', `Unsupported grant_type [${grant}].`)
  }

  return async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
  ): Promise<boolean> {
    if (path === '/.well-known/openid-configuration') {
      options.bodies.decline(req, res)
      sendJson(res, 200, discovery(), 'public, max-age=300')
      return true
    }
    if (path === JWKS_PATH || path === '/.well-known/jwks.json') {
      options.bodies.decline(req, res)
      sendJson(res, 200, await options.jwks(), `public, max-age=${jwksMaxAge}`)
      return true
    }
    if (path === TOKEN_PATH) {
      await token(req, res)
      return true
    }
    return false
  }
}
