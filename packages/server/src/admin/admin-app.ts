// The admin REST API over plain node:http: routes every request through the @runiam/api route
// table, authenticates it, parses its JSON body, calls the transport-free services and writes
// Google's JSON (or Google's error envelope). It answers every path it is given.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRouter, encodeError, ROUTES, routeKey } from '@runiam/api'
import { Code, IamError, unauthenticated } from '@runiam/core'
import type { PrincipalSet } from '@runiam/core/authorizer'
import type { Store } from '@runiam/store'
import type { Caller } from '../services/caller.js'
import { createServices, type Services } from '../services/create-services.js'
import type { ServiceAccountTokenSigner } from '../services/iam/service-account-model.js'
import '../services/reasons.js'
import type { ServiceLogReader } from '../services/logging/service-log-reader.js'
import { createHandlers, domainOf } from './handlers.js'
import { readJsonBody } from './read-body.js'
import { createSelfSignedJwtAuthenticator } from './self-signed-jwt.js'

export interface AdminAppOptions {
  readonly store: Store
  /** Verifies the request's bearer token. undefined = no credentials sent; throws IamError UNAUTHENTICATED when they don't verify. */
  authenticate(req: IncomingMessage): Promise<Caller | undefined>
  /** Told who each authenticated request is from (for the access log). */
  onCaller?(req: IncomingMessage, caller: Caller): void
  now(): number
  readonly runDomain: string
  readonly servicePort: number
  log?(entry: Record<string, unknown>): void
  /**
   * The caller's principal set for authorization (e.g. with its Cloud Identity groups). Default:
   * the member itself, its domain, allAuthenticatedUsers and allUsers.
   */
  principals?(caller: Caller | undefined): Promise<PrincipalSet>
  /** What local service processes printed, for Cloud Logging's entries:list. */
  readonly serviceLogs?: ServiceLogReader
  /** Signs service account tokens (iamcredentials) and key files (keys.create). */
  readonly serviceAccountTokens?: ServiceAccountTokenSigner
}

export interface AdminApp {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
  /** The services behind the routes (for the composition root: catchUp, gateway reuse). */
  readonly services: Services
  /** Stops following the store's change feed. */
  close(): void
}

const JSON_TYPE = 'application/json; charset=UTF-8'

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  })
  res.end(text)
}

function principalsOf(options: AdminAppOptions, caller: Caller | undefined): Promise<PrincipalSet> {
  if (options.principals === undefined) throw new Error('principals hook missing')
  return options.principals(caller)
}

export function createAdminApp(options: AdminAppOptions): AdminApp {
  const services = createServices({
    store: options.store,
    now: () => options.now(),
    runDomain: options.runDomain,
    servicePort: options.servicePort,
    ...(options.serviceLogs === undefined ? {} : { serviceLogs: options.serviceLogs }),
    ...(options.serviceAccountTokens === undefined
      ? {}
      : { serviceAccountTokens: options.serviceAccountTokens }),
    ...(options.principals === undefined
      ? {}
      : { principals: (c: Caller | undefined) => principalsOf(options, c) }),
  })
  const handlers = createHandlers(services)
  for (const r of ROUTES) {
    if (!handlers.has(routeKey(r))) throw new Error(`no handler for route ${routeKey(r)}`)
  }
  const router = createRouter(ROUTES)
  const selfSigned = createSelfSignedJwtAuthenticator({
    store: options.store,
    now: () => options.now(),
  })
  // Compat: Google's client libraries given a key file send a self-signed JWT, not an access
  // token (AIP-4111); those are verified here, every other token by options.authenticate.
  async function authenticate(req: IncomingMessage): Promise<Caller | undefined> {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
    const caller = m?.[1] === undefined ? undefined : await selfSigned(m[1])
    return caller ?? options.authenticate(req)
  }
  const log = (entry: Record<string, unknown>): void => options.log?.(entry)

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const url = new URL(req.url ?? '/', 'http://admin.invalid')
    const path = url.pathname
    let domain = 'runiam.dev'
    let caller: Caller | undefined
    try {
      const m = router.match(method, path)
      if (m.kind === 'not-found') {
        throw new IamError(
          Code.NOT_FOUND,
          'URL_NOT_FOUND',
          `The requested URL ${path} was not found on this server.`,
        )
      }
      if (m.kind === 'method-not-allowed') {
        req.resume()
        const err = new IamError(
          Code.UNIMPLEMENTED,
          'METHOD_NOT_ALLOWED',
          `Method ${method} is not allowed for ${path}. Allowed: ${m.allowed.join(', ')}.`,
        )
        const { body } = encodeError(err, { httpStatus: 405 })
        send(res, 405, body, { allow: m.allowed.join(', ') })
        log({ event: 'admin', method, path, status: 405 })
        return
      }
      domain = domainOf(m.route)
      caller = await authenticate(req)
      if (caller === undefined) throw unauthenticated()
      options.onCaller?.(req, caller)
      const body = m.route.body ? await readJsonBody(req) : (req.resume(), undefined)
      const handler = handlers.get(routeKey(m.route))
      if (handler === undefined) throw new Error(`no handler for ${routeKey(m.route)}`)
      const result = await handler({ caller, params: m.params, query: url.searchParams, body })
      send(res, 200, result)
    } catch (thrown) {
      const err = IamError.from(thrown)
      // Internal failures reach the wire as a generic INTERNAL; what happened goes to the log only.
      const internal =
        err.code === Code.INTERNAL || err.code === Code.UNKNOWN || err.code === Code.DATA_LOSS
      const wire = internal
        ? new IamError(Code.INTERNAL, 'INTERNAL', 'Internal error encountered.')
        : err
      const { status, body } = encodeError(wire, { domain })
      const headers: Record<string, string> =
        err.code === Code.UNAUTHENTICATED
          ? { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' }
          : {}
      log({
        event: internal ? 'admin-error' : 'admin-refused',
        method,
        path,
        member: caller?.member,
        status,
        reason: err.reason,
        ...(internal
          ? {
              error: String((err.cause as Error | undefined) ?? err.message),
              stack: ((err.cause ?? err) as Error)?.stack,
            }
          : {}),
      })
      if (res.headersSent) {
        res.end()
        return
      }
      if (!req.complete) req.resume()
      send(res, status, body, headers)
    }
  }

  return { handle, services, close: () => services.close() }
}
