// The invoker gateway: for a request to a service host, find the service, run the invoker check
// (decide.ts), then forward to the service's upstream, a local process, or the built-in
// responder. Refusals are Google's HTML pages; every decision is logged (never the token) and
// counted in the metrics.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { Code, IamError } from '@runiam/core'
import type { Decision } from '@runiam/core/authorizer'
import type { RequestAttributes } from '@runiam/core/conditions'
import type { TokenVerifier } from '../identity/token-verifier.js'
import { respondBuiltin } from './builtin-responder.js'
import { decide, type GatewayDecision } from './decide.js'
import type { HostIndex, ServiceRoute } from './host-index.js'
import {
  forbiddenPage,
  notFoundPage,
  unauthorizedPage,
  unavailablePage,
  type ErrorPage,
} from './pages.js'
import { forward, forwardUpgrade, type Caller } from './proxy.js'

export const INVOKE_PERMISSION = 'run.routes.invoke'

/**
 * What the gateway decided for each request (service, decision, reason, caller), merged into the
 * request's one access-log line when it ends: one line per request keeps logging cheap.
 */
export const gatewayLogOf = new WeakMap<IncomingMessage, Record<string, unknown>>()

/** Starts (or finds) a service's local process and says where it listens. */
export interface LocalRuntime {
  upstreamFor(route: ServiceRoute): Promise<URL>
}

export interface GatewayObserver {
  decision(route: ServiceRoute, outcome: GatewayDecision, seconds: number): void
  upstream(route: ServiceRoute, status: number, seconds: number): void
}

export interface GatewayOptions {
  readonly hosts: HostIndex
  /** run.routes.invoke on `resource` for `member` (undefined = anonymous), conditions evaluated on the attributes. */
  authorize(
    member: string | undefined,
    resource: string,
    attributes: RequestAttributes,
  ): Decision | Promise<Decision>
  readonly verifier: TokenVerifier
  now(): number
  /** Deadline for an upstream's response headers, ms (Cloud Run's default request timeout is 300 s). */
  readonly timeoutMs: number
  readonly runtime?: LocalRuntime
  readonly observer?: GatewayObserver
  log?(entry: Record<string, unknown>): void
}

function sendPage(res: ServerResponse, page: ErrorPage, extra: Record<string, string> = {}): void {
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': String(Buffer.byteLength(page.body)),
    ...extra,
  })
  res.end(page.body)
}

const header = (req: IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

export interface Gateway {
  /** Serves a request whose Host names a service host (route undefined: unknown host → 404). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void>
  /** The invoker check alone, for the auth_request / ext_authz endpoint. */
  check(input: {
    host: string
    path: string
    authorization?: string | undefined
    serverlessAuthorization?: string | undefined
  }): Promise<{ route?: ServiceRoute; outcome?: GatewayDecision }>
}

export function createGateway(options: GatewayOptions): Gateway {
  const log = (entry: Record<string, unknown>) => options.log?.(entry)

  async function check(input: {
    host: string
    path: string
    authorization?: string | undefined
    serverlessAuthorization?: string | undefined
  }): Promise<{ route?: ServiceRoute; outcome?: GatewayDecision }> {
    const route = options.hosts.lookupNow(input.host) ?? (await options.hosts.lookup(input.host))
    if (route === undefined) return {}
    const started = process.hrtime.bigint()
    const hostname = input.host.replace(/:\d+$/, '').toLowerCase()
    const outcome = await decide({
      service: route,
      authorization: input.authorization,
      serverlessAuthorization: input.serverlessAuthorization,
      attributes: { timeMs: options.now(), host: hostname, path: input.path },
      verifier: options.verifier,
      authorize: (member, attributes) => options.authorize(member, route.name, attributes),
    })
    options.observer?.decision(route, outcome, Number(process.hrtime.bigint() - started) / 1e9)
    return { route, outcome }
  }

  async function admit(
    req: IncomingMessage,
  ): Promise<
    | { ok: true; route: ServiceRoute; caller?: Caller; outcome: GatewayDecision }
    | { ok: false; page: ErrorPage; headers?: Record<string, string> }
  > {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const { route, outcome } = await check({
      host: header(req, 'host') ?? '',
      path,
      authorization: header(req, 'authorization'),
      serverlessAuthorization: header(req, 'x-serverless-authorization'),
    })
    if (route === undefined || outcome === undefined) return { ok: false, page: notFoundPage(path) }
    const entry: Record<string, unknown> = {
      service: route.name,
      decision: outcome.kind,
      reason: outcome.reason,
      caller: outcome.caller?.member ?? null,
    }
    gatewayLogOf.set(req, entry)
    if (outcome.kind === 'reject') {
      entry['detail'] = outcome.detail
      return outcome.status === 401
        ? {
            ok: false,
            page: unauthorizedPage(path),
            headers: {
              'www-authenticate':
                'Bearer error="invalid_token" error_description="The access token could not be verified"',
            },
          }
        : { ok: false, page: forbiddenPage(path) }
    }
    const caller =
      outcome.caller === undefined
        ? undefined
        : {
            member: outcome.caller.member,
            ...(outcome.caller.email === undefined ? {} : { email: outcome.caller.email }),
          }
    return { ok: true, route, outcome, ...(caller === undefined ? {} : { caller }) }
  }

  async function upstreamOf(route: ServiceRoute): Promise<URL | undefined> {
    if (route.upstream !== undefined) return route.upstream
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

  return {
    check,
    async handle(req, res) {
      const admitted = await admit(req)
      if (!admitted.ok) {
        req.resume()
        sendPage(res, admitted.page, admitted.headers)
        return
      }
      const { route, caller } = admitted
      const started = process.hrtime.bigint()
      let upstream: URL | undefined
      try {
        upstream = await upstreamOf(route)
      } catch (err) {
        log({ event: 'upstream_start_failed', service: route.name, error: (err as Error).message })
        req.resume()
        sendPage(res, unavailablePage())
        options.observer?.upstream(route, 503, 0)
        return
      }
      const status =
        upstream === undefined
          ? await respondBuiltin(req, res, {
              service: route.name,
              ...(caller === undefined ? {} : { caller }),
            })
          : await forward(req, res, {
              upstream,
              timeoutMs: options.timeoutMs,
              ...(caller === undefined ? {} : { caller }),
            })
      options.observer?.upstream(route, status, Number(process.hrtime.bigint() - started) / 1e9)
    },
    async handleUpgrade(req, socket, head) {
      const admitted = await admit(req)
      const refuse = (page: ErrorPage, headers: Record<string, string> = {}) => {
        const extra = Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')
        socket.end(
          `HTTP/1.1 ${page.status} ${page.status === 401 ? 'Unauthorized' : page.status === 403 ? 'Forbidden' : 'Error'}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\n${extra}connection: close\r\n\r\n${page.body}`,
        )
      }
      if (!admitted.ok) return refuse(admitted.page, admitted.headers)
      let upstream: URL | undefined
      try {
        upstream = await upstreamOf(admitted.route)
      } catch {
        return refuse(unavailablePage())
      }
      if (upstream === undefined) return refuse(notFoundPage(req.url ?? '/'))
      forwardUpgrade(req, socket, head, {
        upstream,
        timeoutMs: options.timeoutMs,
        ...(admitted.caller === undefined ? {} : { caller: admitted.caller }),
      })
    },
  }
}
