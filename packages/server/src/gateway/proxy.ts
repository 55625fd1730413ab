// Forwards an admitted request to the service's upstream over HTTP/1.1, streaming bodies both
// ways (memory stays flat for any size), with hop-by-hop headers stripped, X-Forwarded-* set,
// the verified caller announced in headers the upstream can trust (clients cannot forge them: any
// incoming header that reads as X-Runiam-* or X-Serverless-Authorization in any case or with `_`
// for `-` is dropped), a deadline, and Google-style 502/503/504 pages. Connections are opened
// only to addresses that are not link-local, metadata or unspecified, whatever a name resolves to.
import { CALLER_EMAIL_HEADER, CALLER_HEADER } from '@runiam/api'
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns'
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { Pool, type Dispatcher } from 'undici'
import type { Duplex } from 'node:stream'
import type { Caller } from '../services/caller.js'
import { classifyAddress } from '../services/run/upstream-policy.js'
import { credentialHeaders } from './credential-headers.js'
import { badGatewayPage, timeoutPage, unavailablePage, type ErrorPage } from './pages.js'

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

export { CALLER_EMAIL_HEADER, CALLER_HEADER }

export interface ForwardOptions {
  readonly upstream: URL
  /** The normalised path and original query to request (gateway/request-target.ts). */
  readonly target: string
  /** The verified caller; undefined when the service admits unauthenticated requests. */
  readonly caller?: Caller | undefined
  /**
   * The X-Serverless-Authorization value the check verified, signature already removed; the
   * only one the upstream receives (none when the token came from Authorization or none was).
   */
  readonly serverlessAuthorization?: string | undefined
  /** Deadline for the upstream's response headers, ms. */
  readonly timeoutMs: number
}

/**
 * How a header name reads to frameworks that fold case and treat `_` as `-` (CGI, WSGI, Rack).
 * node hands req.headers' names lower-cased already; most have no `_` to replace.
 */
const canonicalName = (name: string): string => {
  const lower = name.toLowerCase()
  return lower.includes('_') ? lower.replace(/_/g, '-') : lower
}

/** A header the gateway sets itself or passes on only after the check, in any spelling. */
function reserved(canonical: string): boolean {
  return (
    canonical.startsWith('x-runiam') ||
    canonical === 'x-serverless-authorization' ||
    canonical === 'authorization' ||
    canonical.startsWith('x-forwarded-') ||
    canonical === 'host'
  )
}

/**
 * Compat: Cloud Run hands the container X-Serverless-Authorization with its signature removed,
 * so the token's claims can be read but the token cannot be replayed. Undefined for anything
 * that is not a bearer JWS.
 */
export function withoutSignature(token: string): string | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[0] === '' || parts[1] === '') return undefined
  return `Bearer ${parts[0]}.${parts[1]}.`
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

/**
 * net.connect's `lookup`, refusing names that resolve to a link-local, metadata or unspecified
 * address (the upstream policy checks the name as written; this checks where it leads now).
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback) {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err !== null) return callback(err, [])
    const bad = addresses.find((a) => {
      const kind = classifyAddress(a.address)
      return kind === 'link-local' || kind === 'metadata' || kind === 'unspecified'
    })
    if (bad !== undefined) {
      const refused: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to ${bad.address}, a link-local, metadata or unspecified address`,
      )
      refused.code = 'EUPSTREAMFORBIDDEN'
      return callback(refused, [])
    }
    if (options.all === true) return callback(null, addresses)
    const first = addresses[0]
    if (first === undefined)
      return callback(
        Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }),
        [],
      )
    callback(null, first.address, first.family)
  })
}

/**
 * One connection pool per upstream origin (undici: markedly cheaper per request than
 * node:http's client, which dominated the gateway's profile). Bodies stream with backpressure.
 */
const pools = new Map<string, Pool>()
const MAX_POOLS = 1024

function poolFor(upstream: URL): Pool {
  let pool = pools.get(upstream.origin)
  if (pool === undefined) {
    if (pools.size >= MAX_POOLS) {
      const [origin, oldest] = pools.entries().next().value as [string, Pool]
      pools.delete(origin)
      void oldest.close()
    }
    pool = new Pool(upstream.origin, {
      connections: 256,
      keepAliveTimeout: 10_000,
      pipelining: 1,
      connect: { lookup: guardedLookup },
    })
    pools.set(upstream.origin, pool)
  }
  return pool
}

function sendPage(res: ServerResponse, page: ErrorPage): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page.body),
  })
  res.end(page.body)
}

/**
 * Builds the upstream request headers from the client's (lower-cased by node). `host`: false
 * leaves Host out (undici sets it from the origin), rather than deleting it afterwards (a delete
 * turns the object into a slow dictionary that undici then walks).
 */
export function upstreamHeaders(
  req: IncomingMessage,
  upstream: URL,
  options: Pick<ForwardOptions, 'caller' | 'serverlessAuthorization'>,
  upgrade = false,
  host = true,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  const connection = req.headers.connection
  const connectionListed =
    connection === undefined
      ? undefined
      : new Set(
          connection
            .split(',')
            .map((s) => s.trim().toLowerCase())
            .filter(Boolean),
        )
  const headers = req.headers
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined) continue
    if (HOP_BY_HOP.has(name) || connectionListed?.has(name) === true) continue
    if (reserved(canonicalName(name))) continue
    out[name] = value
  }
  // Authorization is the application's (the check read it only when X-Serverless-Authorization
  // was absent), but one request carrying several is ambiguous: pass it on only when it is one.
  const { authorization } = credentialHeaders(req)
  if (authorization?.length === 1 && authorization[0] !== undefined) {
    out['authorization'] = authorization[0]
  }
  if (options.serverlessAuthorization !== undefined) {
    out['x-serverless-authorization'] = options.serverlessAuthorization
  }
  const remote = req.socket.remoteAddress ?? ''
  const prior = req.headers['x-forwarded-for']
  out['x-forwarded-for'] = prior === undefined ? remote : `${String(prior)}, ${remote}`
  out['x-forwarded-proto'] = 'encrypted' in req.socket ? 'https' : 'http'
  out['x-forwarded-host'] = req.headers.host ?? ''
  if (host) out['host'] = upstream.host
  if (options.caller !== undefined) {
    out[CALLER_HEADER] = options.caller.member
    if (options.caller.email !== undefined) out[CALLER_EMAIL_HEADER] = options.caller.email
  }
  if (upgrade) {
    out['connection'] = 'Upgrade'
    out['upgrade'] = String(req.headers.upgrade ?? '')
  }
  return out
}

/** The undici error behind a failed exchange, as a Google-style page. */
function errorPageFor(err: unknown): ErrorPage {
  const e = err as { code?: string; cause?: { code?: string } }
  const code = e.code ?? e.cause?.code
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'ETIMEDOUT_RUNIAM') return timeoutPage()
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EHOSTUNREACH' ||
    code === 'EUPSTREAMFORBIDDEN'
  ) {
    return unavailablePage()
  }
  return badGatewayPage()
}

const hasBody = (req: IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined ||
  (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0')

/**
 * Streams req to the upstream and the response back. Resolves with the status when it ends (499
 * when the client went away first). The response is relayed through undici's dispatcher handler
 * interface straight into `res`, with backpressure (onData answers false while `res` is full,
 * resumed on 'drain'): no intermediate Readable, no pipe, no AbortController or DOMException per
 * request, which all showed in the gateway's CPU profile.
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  options: ForwardOptions,
): Promise<number> {
  return new Promise<number>((resolve) =>
    relay(req, res, options, (_a, _b, status) => resolve(status), undefined, undefined),
  )
}

/**
 * Per upstream URL object (routes keep theirs): its pool and its path without the trailing slash,
 * so a request reads neither URL getter (each builds a new string) nor the pools' Map.
 */
const upstreamsSeen = new WeakMap<URL, { readonly pool: Pool; readonly base: string }>()

function dispatcherFor(upstream: URL): { readonly pool: Pool; readonly base: string } {
  let seen = upstreamsSeen.get(upstream)
  // A pool closed to make room for others' (MAX_POOLS) is replaced by a new one.
  if (seen === undefined || seen.pool.closed || seen.pool.destroyed) {
    seen = { pool: poolFor(upstream), base: upstream.pathname.replace(/\/$/, '') }
    upstreamsSeen.set(upstream, seen)
  }
  return seen
}

/**
 * forward() with a callback instead of a promise (the gateway's per-request path): `done(a, b,
 * status)`, so that a caller needs no closure per request to pass its own state along.
 */
export function relay<A, B>(
  req: IncomingMessage,
  res: ServerResponse,
  options: ForwardOptions,
  done: (a: A, b: B, status: number) => void,
  a: A,
  b: B,
): void {
  const { upstream } = options
  const headers = upstreamHeaders(req, upstream, options, false, false)
  const { pool, base } = dispatcherFor(upstream)
  pool.dispatch(
    {
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      path: `${base}${options.target}`,
      headers,
      body: hasBody(req) ? req : null,
      headersTimeout: options.timeoutMs,
      bodyTimeout: 0,
    },
    new RelayHandler(req, res, done, a, b),
  )
}

/** [name, value, …] without the pairs whose (lower-case) name is in `names`. */
function withoutListed(pairs: readonly string[], names: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    if (!names.includes(pairs[i] as string)) out.push(pairs[i] as string, pairs[i + 1] as string)
  }
  return out
}

/** The RelayHandler of a response, for the listeners below (shared by all responses). */
const RELAY = Symbol('relay')
type Relayed = ServerResponse & { [RELAY]?: RelayHandler<unknown, unknown> }

// Plain listeners, one function for all responses (the response is `this`), never removed (the
// response is this request's alone; settle answers once): a closure, once() or off() per request
// costs an allocation, a wrapper or a search.
function onResponseClose(this: Relayed): void {
  this[RELAY]?.clientClosed()
}
function onResponseFinish(this: Relayed): void {
  this[RELAY]?.finished()
}

/** undici's dispatch handler that writes the upstream's answer to the client's response. */
class RelayHandler<A, B> implements Dispatcher.DispatchHandler {
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  readonly #done: (a: A, b: B, status: number) => void
  readonly #a: A
  readonly #b: B
  #abort: ((err?: Error) => void) | undefined
  #resume: (() => void) | undefined
  /** Whether #resume listens for the client's 'drain' (only once a write was refused). */
  #draining = false
  #status = 0
  #settled = false
  /** The client went away before the response was complete. */
  #gone = false

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    done: (a: A, b: B, status: number) => void,
    a: A,
    b: B,
  ) {
    this.#req = req
    this.#res = res
    this.#done = done
    this.#a = a
    this.#b = b
    ;(res as Relayed)[RELAY] = this as RelayHandler<unknown, unknown>
    res.on('close', onResponseClose)
  }

  clientClosed(): void {
    if (this.#res.writableFinished) return
    this.#gone = true
    this.#abort?.()
    this.#settle(499)
  }

  finished(): void {
    this.#settle(this.#status)
  }

  #settle(status: number): void {
    if (this.#settled) return
    this.#settled = true
    this.#done(this.#a, this.#b, status)
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort
    if (this.#gone) abort()
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // 1xx interim answers (103 Early Hints…) are not relayed; the final answer follows.
    if (statusCode < 200) return true
    this.#status = statusCode
    const res = this.#res
    // One pass lower-cases the names, drops the hop-by-hop ones (RFC 9110 §7.6.1) and notes the
    // names the Connection header lists; only when it lists one that is not hop-by-hop anyway
    // (upstreams mostly list keep-alive) is the answer filtered again.
    let out: string[] = []
    let listed: string[] | undefined
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = (rawHeaders[i] as Buffer).toString('latin1').toLowerCase()
      if (name === 'connection') {
        for (const token of (rawHeaders[i + 1] as Buffer).toString('latin1').split(',')) {
          const listedName = token.trim().toLowerCase()
          if (listedName !== '' && !HOP_BY_HOP.has(listedName)) (listed ??= []).push(listedName)
        }
      }
      if (!HOP_BY_HOP.has(name)) out.push(name, (rawHeaders[i + 1] as Buffer).toString('latin1'))
    }
    if (listed !== undefined) out = withoutListed(out, listed)
    res.writeHead(statusCode, out)
    this.#resume = resume
    return true
  }

  onData(chunk: Buffer): boolean {
    const res = this.#res
    if (res.write(chunk)) return true
    // The client is slower than the upstream: undici pauses until 'drain' resumes it.
    if (!this.#draining && this.#resume !== undefined) {
      this.#draining = true
      res.on('drain', this.#resume)
    }
    return false
  }

  onComplete(): void {
    const res = this.#res
    if (this.#draining && this.#resume !== undefined) res.off('drain', this.#resume)
    res.on('finish', onResponseFinish)
    res.end()
  }

  onError(err: Error): void {
    if (this.#gone) return this.#settle(499)
    const res = this.#res
    if (res.headersSent) {
      // The answer broke off after it started: the client sees a cut connection, as from the
      // upstream itself.
      res.destroy()
      return this.#settle(499)
    }
    this.#req.resume()
    const page = errorPageFor(err)
    sendPage(res, page)
    this.#settle(page.status)
  }
}

/** Proxies a WebSocket (or any HTTP/1.1 Upgrade) handshake and then the raw bytes both ways. */
export function forwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: ForwardOptions,
): void {
  const { upstream } = options
  // An https upstream needs TLS for the handshake too: node:http refuses the https: protocol.
  const https = upstream.protocol === 'https:'
  const up = (https ? httpsRequest : httpRequest)({
    protocol: upstream.protocol,
    hostname: upstream.hostname.replace(/^\[|\]$/g, ''),
    port: upstream.port === '' ? (https ? 443 : 80) : Number(upstream.port),
    method: req.method,
    path: `${upstream.pathname.replace(/\/$/, '')}${options.target}`,
    headers: upstreamHeaders(req, upstream, options, true),
    lookup: guardedLookup,
  })
  const timer = setTimeout(() => up.destroy(new Error('upstream timeout')), options.timeoutMs)
  up.on('upgrade', (upRes, upSocket, upHead) => {
    clearTimeout(timer)
    const lines = [
      `HTTP/1.1 ${upRes.statusCode ?? 101} ${upRes.statusMessage ?? 'Switching Protocols'}`,
    ]
    for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
      lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`)
    }
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
    if (upHead.length > 0) socket.write(upHead)
    if (head.length > 0) upSocket.write(head)
    upSocket.pipe(socket).pipe(upSocket)
    const end = () => {
      upSocket.destroy()
      socket.destroy()
    }
    upSocket.on('error', end)
    socket.on('error', end)
    upSocket.on('close', end)
    socket.on('close', end)
  })
  up.on('response', (upRes) => {
    // The upstream refused the upgrade: relay its answer and close.
    clearTimeout(timer)
    const lines = [
      `HTTP/1.1 ${upRes.statusCode ?? 502} ${upRes.statusMessage ?? ''}`,
      'connection: close',
    ]
    socket.write(`${lines.join('\r\n')}\r\n\r\n`)
    upRes.pipe(socket)
  })
  up.on('error', (err: NodeJS.ErrnoException) => {
    clearTimeout(timer)
    const page = errorPageFor(err)
    socket.end(
      `HTTP/1.1 ${page.status} Error\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(page.body)}\r\nconnection: close\r\n\r\n${page.body}`,
    )
  })
  up.end()
}
