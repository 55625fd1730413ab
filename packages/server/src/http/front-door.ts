// The server's one front door: every request and upgrade enters here, gets a request id, is
// routed once (to the invoker gateway by Host, else by path to health, metrics, the console's
// files, identity, or the admin route matched in the @runiam/api table) and leaves one access-log line and one metrics
// observation. The surfaces behind it never parse routing again.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { createRouter, ROUTES, routeKey, type RouteMatch } from '@runiam/api'
import { accessEntry, accessLineWriter, type AccessFields } from './access-line.js'
import type { RequestContext } from './request-context.js'
import { RequestIdResponse } from './request-id-response.js'

export type Logger = ((entry: Record<string, unknown>) => void) & {
  /** Logs a line given as JSON text (an object's members, without braces), when it can. */
  readonly fields?: (json: string) => void
}

/** What serves each kind of request. */
export interface Surfaces {
  /** nginx auth_request / Envoy ext_authz: the invoker check alone (reserved path on every host). */
  authz(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void>
  readonly gateway: {
    handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void | Promise<void>
    handleUpgrade(
      req: IncomingMessage,
      socket: Duplex,
      head: Buffer,
      ctx: RequestContext,
    ): Promise<void>
  }
  /** The web console's files: /console and everything under /console/. */
  console(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void>
  /** OpenID discovery, JWKS, token endpoint: true when it answered. */
  identity(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>
  admin(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    target: { readonly path: string; readonly query: URLSearchParams; readonly match: RouteMatch },
  ): Promise<void>
  /** Whether the store is reachable now (readiness), with a word for the body. */
  ready(): Promise<{ readonly ok: boolean; readonly store: string }>
  metrics(): Promise<{ readonly contentType: string; readonly text: string }>
}

export interface FrontDoorOptions {
  /** What serves requests; until given (FrontDoor.serve), every request gets 503 "starting". */
  readonly surfaces?: Surfaces
  /** Whether a Host header names a service (the gateway's), port ignored. */
  isServiceHost(host: string): boolean
  /** Counts a finished request. */
  observe(route: string, status: number, seconds: number): void
  readonly log: Logger
  readonly accessLog: boolean
  /** Slow-client limits (docs/security.md). */
  readonly limits: {
    /** Time a client has to send the request line and headers. */
    readonly headersTimeoutMs: number
    /** Time a client has to send the whole request (body included). */
    readonly requestTimeoutMs: number
    /** Idle keep-alive connections are closed after this long. */
    readonly keepAliveTimeoutMs: number
  }
}

export const AUTHZ_PREFIX = '/_runiam/authz'

/** The path and query of an origin-form request target; undefined for any other form. */
export function originForm(url: string | undefined): { path: string; query: string } | undefined {
  const target = url ?? ''
  if (!target.startsWith('/')) return undefined
  const q = target.indexOf('?')
  return q < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, q), query: target.slice(q + 1) }
}

const JSON_TYPE = 'application/json; charset=UTF-8'

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': JSON_TYPE,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

export interface FrontDoor {
  readonly server: Server
  /** Starts serving through `surfaces` (the server may listen before they exist). */
  serve(surfaces: Surfaces): void
}

export function createFrontDoor(options: FrontDoorOptions): FrontDoor {
  const { log } = options
  let surfaces = options.surfaces
  const router = createRouter(ROUTES)
  let requestIds = 0
  const idPrefix = `${process.pid.toString(36)}-`
  const nextId = (): string => `${idPrefix}${(++requestIds).toString(36)}`
  const accessLine = accessLineWriter()

  /**
   * Routes one request. The gateway's path is taken without an async function in front of it (a
   * promise and a microtask per request); everything else goes through routeOther.
   */
  function route(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    target: { path: string; query: string } | undefined,
  ): void | Promise<void> {
    if (surfaces === undefined) {
      ctx.route = 'starting'
      req.resume()
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('starting\n')
      return
    }
    const host = req.headers.host ?? ''
    if (target === undefined) {
      // Absolute-form and authority-form targets are for proxies; runiam is not one.
      ctx.route = 'bad-target'
      req.resume()
      res.writeHead(400, { 'content-type': 'text/plain', connection: 'close' })
      res.end('Bad Request: the request target must be a path.\n')
      return
    }
    const { path } = target
    if (path === AUTHZ_PREFIX || path.startsWith(`${AUTHZ_PREFIX}/`)) {
      ctx.route = 'authz'
      return surfaces.authz(req, res, ctx)
    }
    if (options.isServiceHost(host)) {
      ctx.route = 'gateway'
      return surfaces.gateway.handle(req, res, ctx)
    }
    return routeOther(req, res, ctx, surfaces, target)
  }

  /** Health, metrics, the console, identity and the admin API. */
  async function routeOther(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    surfaces: Surfaces,
    target: { path: string; query: string },
  ): Promise<void> {
    const { path } = target
    if (path === '/healthz' || path === '/readyz') {
      ctx.route = path.slice(1)
      req.resume()
      // Liveness stays 200 while the process serves and never waits long on the store (a slow
      // liveness probe would get a healthy process restarted during a database outage);
      // readiness follows the store, bounded by the store's own ping deadline.
      const ready =
        path === '/readyz'
          ? await surfaces.ready()
          : await Promise.race([
              surfaces.ready(),
              new Promise<{ ok: boolean; store: string }>((resolve) =>
                setTimeout(() => resolve({ ok: false, store: 'unknown' }), 250).unref(),
              ),
            ])
      const ok = path === '/healthz' || ready.ok
      sendJson(res, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', store: ready.store })
      return
    }
    if (path === '/metrics') {
      ctx.route = 'metrics'
      req.resume()
      const { contentType, text } = await surfaces.metrics()
      res.writeHead(200, { 'content-type': contentType }).end(text)
      return
    }
    if (path === '/console' || path.startsWith('/console/')) {
      ctx.route = 'console'
      return surfaces.console(req, res, path, target.query)
    }
    ctx.route = 'identity'
    if (await surfaces.identity(req, res, path)) return
    const method = (req.method ?? 'GET').toUpperCase()
    // Admin paths are matched after WHATWG URL path normalisation (dot segments resolved), as
    // Google's front end does; the base only anchors the parse, the path is never re-hosted.
    const adminPath = new URL(`http://admin.invalid${path}`).pathname
    const match = router.match(method, adminPath)
    ctx.route = match.kind === 'found' ? routeKey(match.route) : 'admin-unknown'
    await surfaces.admin(req, res, ctx, {
      path: adminPath,
      query: new URLSearchParams(target.query),
      match,
    })
  }

  // Node enforces headersTimeout and requestTimeout only when it sweeps its connections (every
  // 30 s by default), so a stalled client would outlive a short --headers-timeout by up to that
  // much: sweep at least twice per headers timeout (and at least once a second).
  const sweepMs = Math.max(100, Math.min(1000, Math.floor(options.limits.headersTimeoutMs / 2)))
  const serverOptions = { connectionsCheckingInterval: sweepMs, ServerResponse: RequestIdResponse }
  /**
   * The one 'finish' listener of every response (`this`: the response): what it needs rides on
   * the response (RequestIdResponse's fields), so no closure is made per request.
   */
  function finished(this: RequestIdResponse): void {
    const ctx = this.context
    if (ctx === undefined) return
    const seconds = Number(process.hrtime.bigint() - this.started) / 1e9
    options.observe(ctx.route, this.statusCode, seconds)
    if (!options.accessLog) return
    const req = this.req
    const fields: AccessFields = {
      ctx,
      method: req.method,
      host: req.headers.host,
      path: this.path,
      status: this.statusCode,
      // To the microsecond: finer is noise, and a short number is cheaper to write.
      ms: Math.round(seconds * 1e6) / 1000,
    }
    if (log.fields !== undefined) log.fields(accessLine(fields))
    else log(accessEntry(fields))
  }
  function failed(res: ServerResponse, ctx: RequestContext, err: unknown): void {
    log({ event: 'unhandled', requestId: ctx.requestId, error: String(err) })
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
    res.end()
  }
  const server = createServer(serverOptions, (req, res) => {
    const ctx: RequestContext = { requestId: nextId(), route: 'unknown', log: {} }
    const target = originForm(req.url)
    res.started = process.hrtime.bigint()
    res.requestId = ctx.requestId
    res.context = ctx
    res.path = target?.path ?? null
    res.on('finish', finished)
    let done: void | Promise<void>
    try {
      done = route(req, res, ctx, target)
    } catch (err) {
      failed(res, ctx, err)
      return
    }
    if (done instanceof Promise) done.catch((err: unknown) => failed(res, ctx, err))
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const ctx: RequestContext = { requestId: nextId(), route: 'gateway', log: {} }
    if (
      surfaces === undefined ||
      !options.isServiceHost(req.headers.host ?? '') ||
      originForm(req.url) === undefined
    ) {
      socket.destroy()
      return
    }
    surfaces.gateway.handleUpgrade(req, socket, head, ctx).catch((err: unknown) => {
      log({ event: 'unhandled', requestId: ctx.requestId, error: String(err) })
      socket.destroy()
    })
  })
  server.headersTimeout = options.limits.headersTimeoutMs
  server.requestTimeout = options.limits.requestTimeoutMs
  server.keepAliveTimeout = options.limits.keepAliveTimeoutMs
  return {
    server,
    serve(next) {
      surfaces = next
    },
  }
}
