// The invoker gateway: for a request to a service host, normalise the request target, find the
// service, make the invoke decision (services/invoke-check.ts, one per request) on the normalised
// path, re-check the upstream (services/run/upstream-policy.ts: the allow-list, runiam's own
// address, another service's backend or local process), then forward exactly that path to the
// service's upstream, a local process, or the built-in responder. Refusals are Google's HTML
// pages; every decision goes into the request's access-log line (never the token) and the metrics.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { Code, IamError, isIamError } from '@runiam/core'
import type { RequestContext } from '../http/request-context.js'
import type { Caller } from '../services/caller.js'
import { bearer, type InvokeCheck, type InvokeDecision } from '../services/invoke-check.js'
import { backendKey, classifyHost, type UpstreamPolicy } from '../services/run/upstream-policy.js'
import { respondBuiltin } from './builtin-responder.js'
import { credentialHeaders, type CredentialHeaders } from './credential-headers.js'
import type { HostIndex, ServiceRoute } from './host-index.js'
import {
  badGatewayPage,
  badRequestPage,
  forbiddenPage,
  notFoundPage,
  unauthorizedPage,
  unavailablePage,
  uriTooLongPage,
  type ErrorPage,
} from './pages.js'
import { forwardUpgrade, relay, withoutSignature } from './proxy.js'
import { normaliseTarget } from './request-target.js'

/** Starts (or finds) a service's local process and says where it listens. */
export interface LocalRuntime {
  upstreamFor(route: ServiceRoute): Promise<URL>
  /** The service whose local process listens on this loopback port now, if any. */
  serviceOnPort?(port: number): string | undefined
}

export interface GatewayObserver {
  decision(route: ServiceRoute, outcome: InvokeDecision, seconds: number): void
  upstream(route: ServiceRoute, status: number, seconds: number): void
}

export interface GatewayOptions {
  readonly hosts: HostIndex
  /** The invoke decision (depended on by type; built once by the composition root). */
  readonly invoke: Pick<InvokeCheck, 'decide'>
  now(): number
  /** Deadline for an upstream's response headers, ms (Cloud Run's default request timeout is 300 s). */
  readonly timeoutMs: number
  readonly runtime?: LocalRuntime
  /** Re-checked on every request; without it every runiam.dev/upstream is refused. */
  readonly upstreams?: Pick<UpstreamPolicy, 'check'>
  readonly observer?: GatewayObserver
  log?(entry: Record<string, unknown>): void
  /**
   * Told of every refusal of the invoke check (401/403), e.g. for the service's Data Access audit
   * log; must not throw (a failure is its own to log). The answer does not wait for it.
   */
  onRefused?(refusal: GatewayRefusalNote): void
}

/** A refused invocation, as the gateway knows it. */
export interface GatewayRefusalNote {
  /** projects/p/locations/l/services/s */
  readonly service: string
  readonly status: 401 | 403
  readonly detail: string
  readonly caller?: Caller
  readonly callerIp: string
  readonly userAgent?: string
}

/** A request as the invoke check sees it. */
export interface CheckInput {
  readonly host: string
  readonly path: string
  readonly authorization?: readonly string[] | undefined
  readonly serverlessAuthorization?: readonly string[] | undefined
}

function sendPage(res: ServerResponse, page: ErrorPage, extra: Record<string, string> = {}): void {
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(page.body)),
    ...extra,
  })
  res.end(page.body)
}

export const INVALID_TOKEN_CHALLENGE =
  'Bearer error="invalid_token" error_description="The access token could not be verified"'

export interface Gateway {
  /** Serves a request whose Host names a service host (unknown host → 404). */
  handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): void | Promise<void>
  handleUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    ctx: RequestContext,
  ): Promise<void>
  /** The invoker check alone, for the auth_request / ext_authz endpoint. */
  check(input: CheckInput): CheckResult | Promise<CheckResult>
}

/** The service a request names (none: unknown host) and the invoke decision for it. */
export interface CheckResult {
  readonly route?: ServiceRoute
  readonly outcome?: InvokeDecision
}

type Admission =
  | {
      ok: true
      route: ServiceRoute
      caller: Caller | undefined
      outcome: InvokeDecision
      /** The normalised path: what the condition saw. */
      path: string
      /** That path and the original query: what the upstream receives. */
      target: string
      /** The verified X-Serverless-Authorization, signature removed. */
      serverlessAuthorization: string | undefined
    }
  | { ok: false; page: ErrorPage; headers?: Record<string, string> }

/** Why an upstream is refused at request time, or undefined; cached per route (see below). */
type UpstreamRefusal = string | undefined

export function createGateway(options: GatewayOptions): Gateway {
  const log = (entry: Record<string, unknown>) => options.log?.(entry)

  // The steady state (host index built, token remembered, policy compiled) is decided without a
  // promise: each await in front of the proxy costs a microtask per request, and more while async
  // hooks are enabled.
  function check(input: CheckInput): CheckResult | Promise<CheckResult> {
    const route = options.hosts.lookupNow(input.host)
    if (route !== undefined) return decideFor(route, input)
    return options.hosts
      .lookup(input.host)
      .then((found) => (found === undefined ? {} : decideFor(found, input)))
  }

  // request.host for the last Host header seen: clients repeat theirs request after request.
  let lastHost: string | undefined
  let lastHostname = ''

  function decideFor(route: ServiceRoute, input: CheckInput): CheckResult | Promise<CheckResult> {
    const started = process.hrtime.bigint()
    if (input.host !== lastHost) {
      lastHostname = input.host.replace(/:\d+$/, '').toLowerCase()
      lastHost = input.host
    }
    const hostname = lastHostname
    const outcome = options.invoke.decide(
      route,
      {
        authorization: input.authorization,
        serverlessAuthorization: input.serverlessAuthorization,
      },
      { timeMs: options.now(), host: hostname, path: input.path },
    )
    // Closures only on the asynchronous path: the steady state allocates none per request.
    return outcome instanceof Promise
      ? outcome.then((o) => observed(route, o, started))
      : observed(route, outcome, started)
  }

  function observed(route: ServiceRoute, outcome: InvokeDecision, started: bigint): CheckResult {
    options.observer?.decision(route, outcome, Number(process.hrtime.bigint() - started) / 1e9)
    return { route, outcome }
  }

  /**
   * A decision that needed the store while the database is down (the store gives up within its
   * deadlines): Google's front end answers 503 then, never 500, and the client retries.
   */
  function unavailable(err: unknown, ctx: RequestContext): Admission {
    if (!isIamError(err) || err.code !== Code.UNAVAILABLE) throw err
    ctx.log['decision'] = 'unavailable'
    ctx.log['reason'] = err.reason
    return { ok: false, page: unavailablePage(), headers: { 'retry-after': '1' } }
  }

  function admit(req: IncomingMessage, ctx: RequestContext): Admission | Promise<Admission> {
    const normalised = normaliseTarget(req.url ?? '/')
    if (!normalised.ok) {
      ctx.log['decision'] = 'reject'
      ctx.log['reason'] = normalised.status === 414 ? 'path-too-long' : 'invalid-path'
      ctx.log['detail'] = normalised.why
      return { ok: false, page: normalised.status === 414 ? uriTooLongPage() : badRequestPage() }
    }
    const { path, target } = normalised
    const credentials = credentialHeaders(req)
    let checked: CheckResult | Promise<CheckResult>
    try {
      checked = check({
        host: req.headers.host ?? '',
        path,
        authorization: credentials.authorization,
        serverlessAuthorization: credentials.serverlessAuthorization,
      })
    } catch (err) {
      return unavailable(err, ctx)
    }
    if (checked instanceof Promise) {
      return checked.then(
        (result) => decided(req, ctx, result, path, target, credentials),
        (err: unknown) => unavailable(err, ctx),
      )
    }
    return decided(req, ctx, checked, path, target, credentials)
  }

  /** The admission for a decided request (a plain function: no closure per request). */
  function decided(
    req: IncomingMessage,
    ctx: RequestContext,
    result: CheckResult,
    path: string,
    target: string,
    credentials: CredentialHeaders,
  ): Admission {
    const outcome = result.outcome
    if (outcome?.kind === 'reject' && result.route !== undefined && options.onRefused) {
      const userAgent = req.headers['user-agent']
      options.onRefused({
        service: result.route.name,
        status: outcome.status,
        detail: outcome.detail,
        ...(outcome.caller === undefined ? {} : { caller: outcome.caller }),
        callerIp: req.socket.remoteAddress ?? '',
        ...(userAgent === undefined ? {} : { userAgent }),
      })
    }
    return admission(result, ctx, path, target, credentials.serverlessAuthorization)
  }

  function admission(
    { route, outcome }: CheckResult,
    ctx: RequestContext,
    path: string,
    target: string,
    serverless: readonly string[] | undefined,
  ): Admission {
    if (route === undefined || outcome === undefined) return { ok: false, page: notFoundPage(path) }
    ctx.log['service'] = route.name
    ctx.log['decision'] = outcome.kind
    ctx.log['reason'] = outcome.reason
    if (outcome.caller !== undefined) ctx.caller = outcome.caller
    if (outcome.kind === 'reject') {
      // The refusal path only: the access line for this request id says which check failed, and
      // the page carries the id the client sees in x-request-id.
      ctx.log['check'] = outcome.check
      ctx.log['detail'] = outcome.detail
      return outcome.status === 401
        ? {
            ok: false,
            page: unauthorizedPage(path, ctx.requestId),
            headers: { 'www-authenticate': INVALID_TOKEN_CHALLENGE },
          }
        : { ok: false, page: forbiddenPage(path, ctx.requestId) }
    }
    // Only the token the check verified goes on (the check refused duplicates), unsigned.
    const verified =
      outcome.kind === 'forward' && outcome.viaServerlessAuthorization === true
        ? bearer(serverless?.[0])
        : undefined
    // Built whole (no conditional spreads: each is an object made and copied per request).
    return {
      ok: true,
      route,
      outcome,
      path,
      target,
      caller: outcome.caller,
      serverlessAuthorization: verified === undefined ? undefined : withoutSignature(verified),
    }
  }

  // Route objects are rebuilt whenever a service changes, so what depends only on the stored
  // services and the policy is decided once per route; local process ports are asked each time.
  const staticRefusals = new WeakMap<ServiceRoute, UpstreamRefusal>()

  async function staticRefusal(route: ServiceRoute, upstream: URL): Promise<UpstreamRefusal> {
    const verdict = options.upstreams?.check(upstream.href)
    let refusal: UpstreamRefusal
    if (verdict === undefined) refusal = 'this gateway has no upstream policy'
    else if (!verdict.ok) refusal = verdict.message
    else {
      const owner = await options.hosts.upstreamOwner(upstream)
      refusal =
        owner !== undefined && owner !== route.name
          ? `its backend ${backendKey(upstream)} is the upstream of another service (${owner})`
          : undefined
    }
    staticRefusals.set(route, refusal)
    return refusal
  }

  /** Why the upstream is refused now, or undefined; synchronous once the route was judged. */
  function refusalOf(
    route: ServiceRoute,
    upstream: URL,
  ): UpstreamRefusal | Promise<UpstreamRefusal> {
    if (!staticRefusals.has(route)) {
      return staticRefusal(route, upstream).then((r) => r ?? localRefusal(route, upstream))
    }
    return staticRefusals.get(route) ?? localRefusal(route, upstream)
  }

  // The loopback port of a route's upstream (null: not loopback), worked out once per route.
  const loopbackPorts = new WeakMap<ServiceRoute, number | null>()

  function localRefusal(route: ServiceRoute, upstream: URL): UpstreamRefusal {
    const serviceOnPort = options.runtime?.serviceOnPort
    if (serviceOnPort === undefined) return undefined
    let port = loopbackPorts.get(route)
    if (port === undefined) {
      port =
        classifyHost(upstream.hostname) === 'loopback'
          ? Number(
              upstream.port === '' ? (upstream.protocol === 'https:' ? 443 : 80) : upstream.port,
            )
          : null
      loopbackPorts.set(route, port)
    }
    if (port === null) return undefined
    const other = serviceOnPort.call(options.runtime, port)
    if (other !== undefined && other !== route.name) {
      return `port ${port} is the local process of another service (${other})`
    }
    return undefined
  }

  /**
   * The service's upstream, or undefined for the built-in responder; throws (or rejects) when
   * refused. Synchronous for a judged route with a URL upstream.
   */
  function upstreamOf(route: ServiceRoute): URL | undefined | Promise<URL | undefined> {
    const upstream = route.upstream
    if (upstream !== undefined) {
      const refusal = refusalOf(route, upstream)
      return refusal instanceof Promise
        ? refusal.then((r) => refusedOrUsed(upstream, r))
        : refusedOrUsed(upstream, refusal)
    }
    return localUpstreamOf(route)
  }

  function refusedOrUsed(upstream: URL, refusal: UpstreamRefusal): URL {
    if (refusal !== undefined) throw new UpstreamRefused(upstream, refusal)
    return upstream
  }

  async function localUpstreamOf(route: ServiceRoute): Promise<URL | undefined> {
    if (route.upstreamText !== undefined) {
      throw new UpstreamRefused(undefined, `its upstream "${route.upstreamText}" is not a URL`)
    }
    if (route.container === undefined) return undefined
    if (options.runtime === undefined) {
      // Running a service's command is opt-in: never fall back to the built-in responder, which
      // would answer in the application's place.
      throw new IamError(
        Code.UNAVAILABLE,
        'LOCAL_PROCESSES_DISABLED',
        `Service ${route.name} runs a container command, but this server does not run local processes (start it with --local-processes).`,
      )
    }
    return options.runtime.upstreamFor(route)
  }

  /** Logs why the upstream could not be used; the page to answer with. */
  function upstreamFailure(route: ServiceRoute, err: unknown, ctx: RequestContext): ErrorPage {
    if (err instanceof UpstreamRefused) {
      ctx.log['upstreamRefused'] = err.why
      log({
        event: 'upstream_refused',
        requestId: ctx.requestId,
        service: route.name,
        upstream: err.upstream?.origin ?? null,
        why: err.why,
      })
      return badGatewayPage()
    }
    log({ event: 'upstream_start_failed', service: route.name, error: (err as Error).message })
    return unavailablePage()
  }

  /** Answers a refusal, or forwards an admitted request; resolves when the response is done. */
  function serve(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    admitted: Admission,
  ): void | Promise<void> {
    if (!admitted.ok) {
      req.resume()
      sendPage(res, admitted.page, admitted.headers)
      return
    }
    const { route } = admitted
    const started = process.hrtime.bigint()
    let upstream: URL | undefined | Promise<URL | undefined>
    try {
      upstream = upstreamOf(route)
    } catch (err) {
      return refuseUpstream(req, res, ctx, route, err)
    }
    if (upstream instanceof Promise) {
      return upstream.then(
        (u) => send(req, res, admitted, u, started),
        (err: unknown) => refuseUpstream(req, res, ctx, route, err),
      )
    }
    return send(req, res, admitted, upstream, started)
  }

  function refuseUpstream(
    req: IncomingMessage,
    res: ServerResponse,
    ctx: RequestContext,
    route: ServiceRoute,
    err: unknown,
  ): void {
    const page = upstreamFailure(route, err, ctx)
    req.resume()
    sendPage(res, page)
    options.observer?.upstream(route, page.status, 0)
  }

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    admitted: Admission & { ok: true },
    upstream: URL | undefined,
    started: bigint,
  ): void | Promise<void> {
    const { route, caller } = admitted
    if (upstream === undefined) {
      return respondBuiltin(req, res, {
        service: route.name,
        path: admitted.path,
        ...(caller === undefined ? {} : { caller }),
      }).then((status) => upstreamDone(route, started, status))
    }
    // A callback, not a promise: the response's end is observed without a microtask.
    relay(
      req,
      res,
      {
        upstream,
        target: admitted.target,
        timeoutMs: options.timeoutMs,
        caller,
        serverlessAuthorization: admitted.serverlessAuthorization,
      },
      upstreamDone,
      route,
      started,
    )
  }

  function upstreamDone(route: ServiceRoute, started: bigint, status: number): void {
    options.observer?.upstream(route, status, Number(process.hrtime.bigint() - started) / 1e9)
  }

  return {
    check,
    handle(req, res, ctx) {
      const admitted = admit(req, ctx)
      return admitted instanceof Promise
        ? admitted.then((a) => serve(req, res, ctx, a))
        : serve(req, res, ctx, admitted)
    },
    async handleUpgrade(req, socket, head, ctx) {
      const admitted = await admit(req, ctx)
      const refuse = (page: ErrorPage, headers: Record<string, string> = {}) => {
        // A raw socket answer: the x-request-id RequestIdResponse adds elsewhere is added here.
        const extra = Object.entries({ ...headers, 'x-request-id': ctx.requestId })
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')
        socket.end(
          `HTTP/1.1 ${page.status} ${STATUS_WORDS[page.status] ?? 'Error'}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\n${extra}connection: close\r\n\r\n${page.body}`,
        )
      }
      if (!admitted.ok) return refuse(admitted.page, admitted.headers)
      let upstream: URL | undefined
      try {
        upstream = await upstreamOf(admitted.route)
      } catch (err) {
        return refuse(upstreamFailure(admitted.route, err, ctx))
      }
      if (upstream === undefined) return refuse(notFoundPage(admitted.path))
      forwardUpgrade(req, socket, head, {
        upstream,
        target: admitted.target,
        timeoutMs: options.timeoutMs,
        caller: admitted.caller,
        serverlessAuthorization: admitted.serverlessAuthorization,
      })
    },
  }
}

const STATUS_WORDS: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  414: 'URI Too Long',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
}

/** An upstream the gateway will not call (services/run/upstream-policy.ts), and why. */
class UpstreamRefused extends Error {
  readonly upstream: URL | undefined
  readonly why: string
  constructor(upstream: URL | undefined, why: string) {
    super(why)
    this.upstream = upstream
    this.why = why
  }
}
