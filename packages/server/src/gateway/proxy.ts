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
import { EventEmitter } from 'node:events'
import { Pool, type Dispatcher } from 'undici'
import type { Duplex } from 'node:stream'
import type { Caller } from '../services/caller.js'
import { classifyAddress } from '../services/run/upstream-policy.js'
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
  readonly caller?: Caller
  /**
   * The X-Serverless-Authorization value the check verified, signature already removed; the
   * only one the upstream receives (none when the token came from Authorization or none was).
   */
  readonly serverlessAuthorization?: string
  /** Deadline for the upstream's response headers, ms. */
  readonly timeoutMs: number
}

/** How a header name reads to frameworks that fold case and treat `_` as `-` (CGI, WSGI, Rack). */
const canonicalName = (name: string): string => name.toLowerCase().replace(/_/g, '-')

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

/** Builds the upstream request headers from the client's (lower-cased by node). */
export function upstreamHeaders(
  req: IncomingMessage,
  upstream: URL,
  options: Pick<ForwardOptions, 'caller' | 'serverlessAuthorization'>,
  upgrade = false,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  const connectionListed = new Set(
    String(req.headers.connection ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  )
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue
    if (HOP_BY_HOP.has(name) || connectionListed.has(name)) continue
    if (reserved(canonicalName(name))) continue
    out[name] = value
  }
  // Authorization is the application's (the check read it only when X-Serverless-Authorization
  // was absent), but one request carrying several is ambiguous: pass it on only when it is one.
  const authorization = req.headersDistinct['authorization']
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
  out['host'] = upstream.host
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
 * Streams req to the upstream and the response back. Resolves with the status when it ends.
 * Deliberately avoids AbortController and stream.pipeline here: on Node 20 both build a
 * DOMException per request, which showed up at ~9% of the gateway's CPU profile. A client that
 * goes away cancels the upstream exchange through an EventEmitter `signal` (undici accepts one).
 */
export function forward(
  req: IncomingMessage,
  res: ServerResponse,
  options: ForwardOptions,
): Promise<number> {
  const { upstream } = options
  const cancel = new EventEmitter()
  let cancelled = false
  const onClose = () => {
    if (!res.writableFinished) {
      cancelled = true
      cancel.emit('abort')
    }
  }
  res.once('close', onClose)
  const headers = upstreamHeaders(req, upstream, options)
  delete headers['host'] // undici sets it from the origin
  return poolFor(upstream)
    .request({
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      path: `${upstream.pathname.replace(/\/$/, '')}${options.target}`,
      headers,
      body: hasBody(req) ? req : null,
      signal: cancel,
      headersTimeout: options.timeoutMs,
      bodyTimeout: 0,
    })
    .then(
      (upRes) =>
        new Promise<number>((resolve) => {
          const out: Record<string, string | string[]> = {}
          const connection = upRes.headers['connection']
          const listed =
            connection === undefined
              ? undefined
              : new Set(
                  String(connection)
                    .split(',')
                    .map((s) => s.trim().toLowerCase()),
                )
          for (const name in upRes.headers) {
            const value = upRes.headers[name]
            if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name) === true) continue
            out[name] = value
          }
          res.writeHead(upRes.statusCode, out)
          const body = upRes.body
          body.on('error', () => {
            res.destroy()
            resolve(499)
          })
          res.once('close', () => {
            if (!res.writableFinished) {
              body.destroy()
              resolve(499)
            }
          })
          res.once('finish', () => resolve(upRes.statusCode))
          body.pipe(res)
        }),
      (err: unknown) => {
        if (cancelled) return 499
        req.resume()
        const page = errorPageFor(err)
        sendPage(res, page)
        return page.status
      },
    )
    .finally(() => res.off('close', onClose))
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
