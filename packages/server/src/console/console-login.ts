// The console's sign-in through a trusted OIDC issuer (docs/console.md, docs/security.md): two
// same-origin endpoints next to the console's files.
//   GET  /console/login-options.json  the configured logins: issuer, display name, client id and
//                                     authorization endpoint. Public settings only.
//   POST /console/oidc-token          exchanges an authorization code (with its PKCE verifier) at
//                                     the issuer's configured token endpoint and answers the ID
//                                     token only. The server POSTs to an endpoint of its config or
//                                     of the issuer's discovery document, never to a URL a browser
//                                     names, so the page's CSP stays `connect-src 'self'` and
//                                     issuers without CORS on their token endpoint work too.
// The ID token is then the console's bearer, verified by the API like any other (signature,
// issuer, audience, expiry); the browser checks state and nonce (packages/console/src/auth).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { encodeError } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import { CONSOLE_HEADERS, CONSOLE_PREFIX, type ConsoleHandler } from './console-assets.js'
import { ExchangeLimit } from './exchange-limit.js'

export const LOGIN_OPTIONS_PATH = `${CONSOLE_PREFIX}/login-options.json`
export const OIDC_TOKEN_PATH = `${CONSOLE_PREFIX}/oidc-token`
/** Where the issuer sends the browser back; the console's route of the same name. */
export const OIDC_CALLBACK_PATH = `${CONSOLE_PREFIX}/oidc-callback`

/** A trusted issuer with a console login, as config/schema.ts describes it. */
export interface ConsoleLoginIssuer {
  readonly issuer: string
  readonly consoleLogin?: {
    readonly clientId: string
    readonly displayName?: string
    readonly authorizationEndpoint?: string
    readonly tokenEndpoint?: string
  }
}

export interface ConsoleLoginOptions {
  readonly issuers: readonly ConsoleLoginIssuer[]
  /** Reads a request body of at most `limit` bytes (the server's reader, with its timeout). */
  readonly read: (req: IncomingMessage, limit: number) => Promise<Buffer>
  readonly fetch?: typeof fetch
  readonly log?: (entry: Record<string, unknown>) => void
  readonly now?: () => number
}

interface Endpoints {
  readonly authorizationEndpoint: string
  readonly tokenEndpoint: string
}

/** How long a fetched discovery document is used, and how long a failed fetch is not retried. */
const DISCOVERY_TTL_MS = 3_600_000
const DISCOVERY_RETRY_MS = 10_000
const UPSTREAM_TIMEOUT_MS = 10_000
const MAX_REQUEST_BYTES = 8 * 1024
const MAX_UPSTREAM_BYTES = 64 * 1024
/** RFC 7636: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  try {
    const u = new URL(value)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined
  } catch {
    return undefined
  }
}

/** The default display name: the issuer's host, or the issuer itself when it is not a URL. */
function hostOf(issuer: string): string {
  try {
    return new URL(issuer).host || issuer
  } catch {
    return issuer
  }
}

/** A response's body as text, read no further than `limit` bytes (undefined when longer). */
async function boundedText(res: Response, limit: number): Promise<string | undefined> {
  if (res.body === null) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of res.body) {
    size += chunk.byteLength
    if (size > limit) return undefined // leaving the loop cancels the rest of the body
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const invalid = (message: string): IamError =>
  new IamError(Code.INVALID_ARGUMENT, 'CONSOLE_LOGIN_INVALID', message)

/** Returns undefined for a path it does not serve (the console's files then answer it). */
export function createConsoleLogin(
  options: ConsoleLoginOptions,
): (req: IncomingMessage, res: ServerResponse, path: string) => Promise<boolean> {
  const doFetch = options.fetch ?? fetch
  const log = options.log ?? (() => {})
  const now = options.now ?? Date.now
  const logins = options.issuers.filter((i) => i.consoleLogin !== undefined)
  const cache = new Map<string, { at: number; value: Promise<Endpoints | undefined> }>()
  const limit = new ExchangeLimit(now)

  async function discover(i: ConsoleLoginIssuer): Promise<Endpoints | undefined> {
    const login = i.consoleLogin
    if (login === undefined) return undefined
    if (login.authorizationEndpoint !== undefined && login.tokenEndpoint !== undefined) {
      return {
        authorizationEndpoint: login.authorizationEndpoint,
        tokenEndpoint: login.tokenEndpoint,
      }
    }
    const url = `${i.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`
    try {
      const res = await doFetch(url, {
        headers: { accept: 'application/json' },
        redirect: 'error',
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      })
      if (!res.ok) throw new Error(`HTTP ${res.status}`)
      const doc = (await res.json()) as Record<string, unknown>
      // OpenID Connect Discovery §4.3: the document speaks for exactly this issuer.
      if (doc['issuer'] !== i.issuer) throw new Error(`its issuer is ${String(doc['issuer'])}`)
      const methods = doc['code_challenge_methods_supported']
      if (Array.isArray(methods) && !methods.includes('S256'))
        throw new Error('it does not support PKCE S256')
      const authorizationEndpoint =
        login.authorizationEndpoint ?? httpUrl(doc['authorization_endpoint'])
      const tokenEndpoint = login.tokenEndpoint ?? httpUrl(doc['token_endpoint'])
      if (authorizationEndpoint === undefined || tokenEndpoint === undefined)
        throw new Error('it has no http(s) authorization_endpoint and token_endpoint')
      return { authorizationEndpoint, tokenEndpoint }
    } catch (err) {
      log({ event: 'console_login_discovery_failed', issuer: i.issuer, error: String(err) })
      return undefined
    }
  }

  function endpoints(i: ConsoleLoginIssuer): Promise<Endpoints | undefined> {
    const hit = cache.get(i.issuer)
    const t = now()
    if (hit !== undefined) {
      const age = t - hit.at
      if (age < DISCOVERY_RETRY_MS) return hit.value
      if (age < DISCOVERY_TTL_MS) {
        return hit.value.then((v) => (v === undefined ? refresh(i, t) : v))
      }
    }
    return refresh(i, t)
  }

  function refresh(i: ConsoleLoginIssuer, t: number): Promise<Endpoints | undefined> {
    const value = discover(i)
    cache.set(i.issuer, { at: t, value })
    return value
  }

  function send(res: ServerResponse, status: number, body: unknown, extra = {}): void {
    const bytes = Buffer.from(JSON.stringify(body))
    res.writeHead(status, {
      ...CONSOLE_HEADERS,
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': String(bytes.length),
      ...extra,
    })
    res.end(bytes)
  }

  function sendError(
    res: ServerResponse,
    err: IamError,
    status?: number,
    allow?: string,
    extra: Record<string, string> = {},
  ): void {
    const encoded = encodeError(err, status === undefined ? {} : { httpStatus: status })
    send(res, encoded.status, encoded.body, allow === undefined ? extra : { ...extra, allow })
  }

  async function loginOptions(res: ServerResponse): Promise<void> {
    const out = []
    for (const i of logins) {
      const e = await endpoints(i)
      const login = i.consoleLogin
      if (e === undefined || login === undefined) continue
      out.push({
        issuer: i.issuer,
        displayName: login.displayName ?? hostOf(i.issuer),
        clientId: login.clientId,
        authorizationEndpoint: e.authorizationEndpoint,
      })
    }
    send(res, 200, { logins: out })
  }

  async function exchange(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = String(req.headers['content-type'] ?? '')
    if (!/^application\/json\b/i.test(type)) {
      req.resume()
      throw invalid('The code exchange takes a JSON body (content-type: application/json).')
    }
    let body: Record<string, unknown>
    try {
      const parsed = JSON.parse((await options.read(req, MAX_REQUEST_BYTES)).toString('utf8'))
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error()
      body = parsed as Record<string, unknown>
    } catch (err) {
      if (err instanceof IamError) throw err
      throw new IamError(
        Code.INVALID_ARGUMENT,
        'INVALID_JSON',
        'The code exchange body is not a JSON object.',
      )
    }
    const { issuer, code, codeVerifier, redirectUri } = body
    const login = logins.find((i) => i.issuer === issuer)
    if (login?.consoleLogin === undefined) {
      throw invalid(
        `No console login is configured for issuer ${JSON.stringify(String(issuer).slice(0, 200))}.`,
      )
    }
    if (typeof code !== 'string' || code === '' || code.length > 4096)
      throw invalid('The authorization code is missing or too long.')
    if (typeof codeVerifier !== 'string' || !VERIFIER.test(codeVerifier))
      throw invalid('The PKCE code verifier must be 43 to 128 unreserved characters (RFC 7636).')
    const redirect = typeof redirectUri === 'string' ? httpUrl(redirectUri) : undefined
    if (redirect === undefined || new URL(redirect).pathname !== OIDC_CALLBACK_PATH) {
      throw invalid(
        `The redirect URI must be this console's ${OIDC_CALLBACK_PATH}, got ${JSON.stringify(String(redirectUri).slice(0, 200))}.`,
      )
    }
    // Only a well-formed exchange reaches an issuer, so only one spends the client's budget.
    const admitted = limit.admit(req.socket.remoteAddress ?? 'unknown')
    if (!admitted.ok) {
      log({ event: 'console_login_rate_limited', reason: admitted.reason })
      sendError(
        res,
        new IamError(
          Code.RESOURCE_EXHAUSTED,
          'CONSOLE_LOGIN_RATE_LIMITED',
          `Too many sign-ins: ${admitted.reason}. Retry in ${admitted.retryAfterSec} s.`,
        ),
        429,
        undefined,
        { 'retry-after': String(admitted.retryAfterSec) },
      )
      return
    }
    try {
      await exchangeAt(login, login.consoleLogin.clientId, code, codeVerifier, redirect, res)
    } finally {
      admitted.done()
    }
  }

  async function exchangeAt(
    login: ConsoleLoginIssuer,
    clientId: string,
    code: string,
    codeVerifier: string,
    redirect: string,
    res: ServerResponse,
  ): Promise<void> {
    const e = await endpoints(login)
    if (e === undefined) {
      throw new IamError(
        Code.UNAVAILABLE,
        'CONSOLE_LOGIN_UNAVAILABLE',
        `The issuer ${login.issuer} cannot be reached (its discovery document did not load).`,
      )
    }
    let upstream: Response
    try {
      upstream = await doFetch(e.tokenEndpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirect,
          client_id: clientId,
          code_verifier: codeVerifier,
        }).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      })
    } catch (err) {
      log({ event: 'console_login_token_failed', issuer: login.issuer, error: String(err) })
      throw new IamError(
        Code.UNAVAILABLE,
        'CONSOLE_LOGIN_UNAVAILABLE',
        `The token endpoint of ${login.issuer} did not answer.`,
      )
    }
    let text: string | undefined
    try {
      text = await boundedText(upstream, MAX_UPSTREAM_BYTES)
    } catch (err) {
      // Cut off or stalled past the timeout in the middle of its answer.
      log({ event: 'console_login_token_failed', issuer: login.issuer, error: String(err) })
      throw new IamError(
        Code.UNAVAILABLE,
        'CONSOLE_LOGIN_UNAVAILABLE',
        `The token endpoint of ${login.issuer} did not answer.`,
      )
    }
    let answer: Record<string, unknown> = {}
    try {
      const parsed: unknown = text === undefined ? {} : JSON.parse(text)
      // Only an object is an answer (null, a list or a string has no ID token).
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        answer = parsed as Record<string, unknown>
    } catch {
      answer = {}
    }
    const idToken = answer['id_token']
    if (!upstream.ok || typeof idToken !== 'string') {
      // The issuer's own words (RFC 6749 §5.2), trimmed; never its other fields.
      const reason = [answer['error'], answer['error_description']]
        .filter((v): v is string => typeof v === 'string')
        .join(': ')
        .replace(/[^\x20-\x7e]/g, '')
        .slice(0, 300)
      throw new IamError(
        Code.PERMISSION_DENIED,
        'CONSOLE_LOGIN_REFUSED',
        `The issuer ${login.issuer} refused the sign-in: ${reason === '' ? `HTTP ${upstream.status}, no ID token` : reason}.`,
      )
    }
    // Only the ID token: the issuer's access and refresh tokens are not the console's business.
    send(res, 200, { id_token: idToken })
  }

  return async function handle(req, res, path) {
    if (path !== LOGIN_OPTIONS_PATH && path !== OIDC_TOKEN_PATH) return false
    const method = (req.method ?? 'GET').toUpperCase()
    const allowed = path === LOGIN_OPTIONS_PATH ? 'GET' : 'POST'
    try {
      if (method !== allowed) {
        req.resume()
        sendError(
          res,
          new IamError(
            Code.UNIMPLEMENTED,
            'METHOD_NOT_ALLOWED',
            `Method ${method} is not allowed for ${path}. Allowed: ${allowed}.`,
          ),
          405,
          allowed,
        )
      } else if (path === LOGIN_OPTIONS_PATH) {
        req.resume()
        await loginOptions(res)
      } else await exchange(req, res)
    } catch (err) {
      if (res.headersSent) return true
      sendError(
        res,
        err instanceof IamError
          ? err
          : new IamError(Code.INTERNAL, 'INTERNAL', 'The console login failed unexpectedly.'),
      )
    }
    return true
  }
}

/** The console's handler with the login endpoints in front of its files. */
export function withConsoleLogin(
  files: ConsoleHandler,
  login: ReturnType<typeof createConsoleLogin>,
): ConsoleHandler {
  return async (req, res, path, query) => {
    if (!(await login(req, res, path))) await files(req, res, path, query)
  }
}
