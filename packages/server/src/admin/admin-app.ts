// The admin REST API over plain node:http: for the route the front door matched in the @runiam/api
// table, authenticate the caller (identity/'s one authenticate, injected), parse the JSON body,
// call the transport-free services and write Google's JSON (or Google's error envelope).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { encodeError, ROUTES, routeKey, type RouteMatch } from '@runiam/api'
import { Code, IamError, unauthenticated } from '@runiam/core'
import { closeIfBodyUnread, readJsonBody } from '../http/read-body.js'
import type { RequestContext } from '../http/request-context.js'
import type { Caller } from '../services/caller.js'
import type { Services } from '../services/create-services.js'
import '../services/reasons.js'
import type { AuditCall } from '../services/audit/audit-log-service.js'
import { auditMethodOf } from '../services/audit/audit-method.js'
import { auditResourceName } from '../services/audit/audit-resource-name.js'
import { createHandlers, domainOf } from './handlers.js'
import { parseFields, selectFields } from './partial-response.js'

export interface AdminAppOptions {
  /** The services, built once by the composition root and shared with the gateway. */
  readonly services: Services
  /**
   * Verifies the request's Authorization header (identity/authenticate.ts). undefined = no
   * credentials sent; throws IamError UNAUTHENTICATED when they don't verify.
   */
  authenticate(authorization: string | undefined): Promise<Caller | undefined>
  log?(entry: Record<string, unknown>): void
  /** Time a client has to send a request body, ms (slow clients are cut off). */
  readonly bodyTimeoutMs?: number
  /**
   * Called after a write succeeds and before it is answered: resolves once the other workers and
   * replicas have applied what this process committed (services/propagation.ts).
   */
  settle?(): Promise<void>
}

/** What the front door hands over: the path it matched, the query and the match itself. */
export interface AdminTarget {
  readonly path: string
  readonly query: URLSearchParams
  readonly match: RouteMatch
}

export interface AdminApp {
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    target: AdminTarget,
  ): Promise<void>
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

export function createAdminApp(options: AdminAppOptions): AdminApp {
  const handlers = createHandlers(options.services)
  for (const r of ROUTES) {
    if (!handlers.has(routeKey(r))) throw new Error(`no handler for route ${routeKey(r)}`)
  }
  const log = (entry: Record<string, unknown>): void => options.log?.(entry)

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    target: AdminTarget,
  ): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const { path, query, match: m } = target
    let domain = 'runiam.dev'
    let caller: Caller | undefined
    // The call's audit entry (audit logs): opened once the caller is known, closed exactly once.
    let audit: AuditCall | undefined
    try {
      if (m.kind === 'not-found') {
        throw new IamError(
          Code.NOT_FOUND,
          'URL_NOT_FOUND',
          `The requested URL ${path} was not found on this server.`,
        )
      }
      if (m.kind === 'method-not-allowed') {
        closeIfBodyUnread(req, res)
        const err = new IamError(
          Code.UNIMPLEMENTED,
          'METHOD_NOT_ALLOWED',
          `Method ${method} is not allowed for ${path}. Allowed: ${m.allowed.join(', ')}.`,
        )
        const { body } = encodeError(err, { httpStatus: 405 })
        send(res, 405, body, { allow: m.allowed.join(', ') })
        log({ event: 'admin', requestId: ctx.requestId, method, path, status: 405 })
        return
      }
      domain = domainOf(m.route)
      caller = await options.authenticate(req.headers.authorization)
      if (caller === undefined) throw unauthenticated()
      ctx.caller = caller
      // Compat: the `fields` system parameter (partial response), refused before anything runs.
      const fields = query.get('fields')
      const selection = fields === null ? undefined : parseFields(fields)
      const userAgent = req.headers['user-agent']
      audit = options.services.audit.begin({
        method: auditMethodOf(m.route),
        ...(m.route.permission === undefined ? {} : { permission: m.route.permission }),
        resourceName: auditResourceName(m.route, m.params, query),
        caller,
        callerIp: req.socket.remoteAddress ?? '',
        ...(userAgent === undefined ? {} : { userAgent }),
      })
      const body = m.route.body
        ? await readJsonBody(req, { timeoutMs: options.bodyTimeoutMs ?? 30_000 })
        : (closeIfBodyUnread(req, res), undefined)
      audit?.request(body, auditResourceName(m.route, m.params, query, body))
      const handler = handlers.get(routeKey(m.route))
      if (handler === undefined) throw new Error(`no handler for ${routeKey(m.route)}`)
      const host = req.headers.host
      const result = await handler({
        caller,
        params: m.params,
        query,
        body,
        ...(host === undefined ? {} : { host }),
        ...(audit === undefined ? {} : { audit }),
      })
      if (method !== 'GET' && options.settle !== undefined) await options.settle()
      // Nothing acknowledged is unaudited: the entry is durable before the answer is sent.
      const closing = audit
      audit = undefined
      await closing?.succeeded(result)
      send(res, 200, selection === undefined ? result : selectFields(result, selection))
    } catch (thrown) {
      const err = IamError.from(thrown)
      if (audit !== undefined) {
        await audit.failed(err).catch((e: unknown) => {
          log({ event: 'audit-error', requestId: ctx.requestId, error: String(e) })
        })
      }
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
        requestId: ctx.requestId,
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
      closeIfBodyUnread(req, res)
      send(res, status, body, headers)
    }
  }

  return { handle }
}
