// A minimal fetch for the API client. Compat with the client's FetchLike only: method, headers, a
// string body; answers status and text. Node's own fetch (undici) takes longer to load than a
// whole CLI command is allowed to take. An http:// endpoint (`serve --dev`, a local server) is
// called over one node:net socket, the response read by the pure-JS parser http-parser-js
// (bundled): node:http loads nine modules and the native parser for what is one request and one
// answer per call (about a sixth of a command's own instructions). https:// goes through
// node:https as before (its TLS verification untouched), loaded only for such an endpoint. Node
// modules come from process.getBuiltinModule rather than import(), which the bundled CLI, run as
// a script, does not have (scripts/bundle-cli.mjs).
import type { FetchLike } from '@runiam/api'
import { HTTPParser } from 'http-parser-js'

type ResponseLike = Awaited<ReturnType<FetchLike>>

/** Same shape as fetch's network failure, so the client reports it the same way. */
const fetchFailed = (cause: unknown): TypeError => new TypeError('fetch failed', { cause })

/** An error with a code, as node:http gives (ECONNRESET for a connection closed early). */
function codeError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code })
}

// node:http's own checks (checkIsHttpToken, checkInvalidHeaderChar): a header that could end the
// line or the head early is refused before anything is sent, with node:http's message and code.
const TOKEN = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/
/** Methods after which node:http sends no Content-Length when there is no body. */
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'])
/** node:http's default limit on a response head (--max-http-header-size). */
const MAX_HEADER_SIZE = 16 * 1024
/** node:http's error for a response head over the limit. */
const overflow = (): Error => codeError('Parse Error: Header overflow', 'HPE_HEADER_OVERFLOW')
/** A response that is not HTTP/1.x, as node:http's parse errors (the code says it is one). */
const parseError = (err: Error): Error => codeError(`Parse Error: ${err.message}`, 'HPE_INVALID')

/** The request head as node:http sends it with `agent: false` (Connection: close). */
export function requestHead(
  url: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  hasBody: boolean,
): string {
  if (!TOKEN.test(method)) {
    throw Object.assign(new TypeError(`Method must be a valid HTTP token ["${method}"]`), {
      code: 'ERR_INVALID_HTTP_TOKEN',
    })
  }
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\n`
  let host = false
  let length = false
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) {
      throw Object.assign(new TypeError(`Header name must be a valid HTTP token ["${name}"]`), {
        code: 'ERR_INVALID_HTTP_TOKEN',
      })
    }
    if (INVALID_VALUE.test(value)) {
      throw Object.assign(new TypeError(`Invalid character in header content ["${name}"]`), {
        code: 'ERR_INVALID_CHAR',
      })
    }
    const lower = name.toLowerCase()
    if (lower === 'host') host = true
    if (lower === 'content-length') length = true
    head += `${name}: ${value}\r\n`
  }
  if (!host) head += `Host: ${url.host}\r\n`
  if (!length && !hasBody && !NO_BODY_METHODS.has(method)) {
    head += 'Content-Length: 0\r\n'
  }
  return `${head}Connection: close\r\n\r\n`
}

/** One request over a fresh TCP connection to an http:// URL; the answer read to its end. */
function plainHttp(
  url: URL,
  method: string,
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
): Promise<ResponseLike> {
  const head = requestHead(url, method, headers, body !== undefined)
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
  const port = url.port === '' ? 80 : Number(url.port)
  return new Promise<ResponseLike>((resolve, reject) => {
    const parser = new HTTPParser(HTTPParser.RESPONSE)
    parser.maxHeaderSize = MAX_HEADER_SIZE
    const chunks: Buffer[] = []
    let status = 0
    let headersDone = false
    let settled = false
    const socket = process.getBuiltinModule('node:net').connect({ host, port })
    const fail = (err: unknown): void => {
      if (settled) return
      settled = true
      socket.destroy()
      // As node:http: a failure before the answer's head fails the request (fetch failed), one
      // while reading its body fails the response.
      reject(headersDone ? err : fetchFailed(err))
    }
    // Bytes of earlier reads that went to the head (the parser checks the limit only across reads).
    let headBytes = 0
    let tooBig = false
    parser[HTTPParser.kOnHeadersComplete] = (info) => {
      // Thrown through execute() below. `offset`: where the head ends in the current read.
      if (headBytes + (parser as unknown as { offset: number }).offset > MAX_HEADER_SIZE) {
        tooBig = true
        throw overflow()
      }
      headersDone = true
      status = info.statusCode
      // No body follows, whatever the headers say.
      return method === 'HEAD' || status === 204 || status === 304 ? 1 : 0
    }
    parser[HTTPParser.kOnBody] = (chunk, offset, length) => {
      chunks.push(chunk.subarray(offset, offset + length))
    }
    parser[HTTPParser.kOnMessageComplete] = () => {
      if (settled) return
      settled = true
      socket.destroy()
      const text = Buffer.concat(chunks).toString('utf8')
      resolve({ status, text: async () => text })
    }
    socket.on('data', (data: Buffer) => {
      if (settled) return
      let r: number | Error
      try {
        r = parser.execute(data)
      } catch (err) {
        r = err as Error
      }
      if (r instanceof Error) {
        fail(tooBig || r.message === 'max header size exceeded' ? overflow() : parseError(r))
      } else if (!headersDone) headBytes += data.length
    })
    socket.on('end', () => {
      if (settled) return
      // A body that runs to the end of the connection ends here; anything else was cut short.
      parser.finish()
      if (!settled) fail(codeError(headersDone ? 'aborted' : 'socket hang up', 'ECONNRESET'))
    })
    socket.on('error', fail)
    socket.on('close', () => {
      if (!settled) fail(codeError(headersDone ? 'aborted' : 'socket hang up', 'ECONNRESET'))
    })
    // Not end(): a server may take a half-closed connection for an abandoned request.
    socket.write(body === undefined ? head : head + body)
  })
}

export const nodeFetch: FetchLike = async (input, init) => {
  const url = new URL(input)
  const method = init.method ?? 'GET'
  const body = typeof init.body === 'string' ? init.body : undefined
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
  if (url.protocol === 'http:') return plainHttp(url, method, headers, body)
  const mod =
    url.protocol === 'https:'
      ? process.getBuiltinModule('node:https')
      : process.getBuiltinModule('node:http')
  return new Promise<ResponseLike>((resolve, reject) => {
    const req = mod.request(
      url,
      // No keep-alive: one CLI command makes a few calls and then exits.
      { method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, text: async () => text })
        })
      },
    )
    req.on('error', (err) => reject(fetchFailed(err)))
    req.end(body)
  })
}
