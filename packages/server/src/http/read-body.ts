// Reads request bodies for the surfaces that read them whole (the admin API's JSON, the token
// endpoint's form): a size cap and a deadline, and for JSON a nesting cap. Compat: Google's front
// end answers an oversized payload with 400 "Request payload size exceeds the limit" and malformed
// JSON with 400 "Invalid JSON payload received. …". The nesting cap keeps every later walk of the
// value (validation, canonical form) far from the stack's limit; the deadline closes the
// connection of a client that trickles its body. Shared here because the front door's folder is
// the one both surfaces may import (identity gets it injected by main.ts).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Code, IamError } from '@runiam/core'

export const MAX_BODY_BYTES = 1024 * 1024
/** Compat: protobuf's JSON parser refuses messages nested deeper than 100 levels. */
export const MAX_JSON_DEPTH = 100

export interface ReadBodyOptions {
  readonly limit?: number
  /** Time the client has to send the whole body, ms; then the connection is closed. */
  readonly timeoutMs?: number
}

/** The deepest nesting of `[` and `{` outside strings, scanning no further than `max` + 1. */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

/**
 * The whole body, at most `limit` bytes (PAYLOAD_TOO_LARGE beyond: the rest is discarded, so the
 * refusal can still be answered), within `timeoutMs` (then the request is destroyed with
 * BODY_TIMEOUT, which closes the connection: nothing is answered).
 */
export function readBody(req: IncomingMessage, options: ReadBodyOptions = {}): Promise<Buffer> {
  const limit = options.limit ?? MAX_BODY_BYTES
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    return Promise.reject(tooLarge(limit))
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let settled = false
    const settle = (err: unknown, body?: Buffer): void => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      if (body !== undefined) resolve(body)
      else reject(err instanceof Error ? err : new Error(String(err)))
    }
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            const err = new IamError(
              Code.DEADLINE_EXCEEDED,
              'BODY_TIMEOUT',
              `The request body did not arrive within ${options.timeoutMs} ms.`,
            )
            settle(err)
            req.destroy(err)
          }, options.timeoutMs)
    req.on('data', (buf: Buffer) => {
      if (settled) return
      size += buf.length
      if (size > limit) settle(tooLarge(limit))
      else chunks.push(buf)
    })
    req.once('end', () => settle(undefined, Buffer.concat(chunks)))
    req.once('error', (err) => settle(err))
    // 'close' follows 'end' on every request: the Error (and its stack) only when it means a loss.
    req.once('close', () => {
      if (!settled) settle(new Error('the client closed the connection mid-body'))
    })
  })
}

/**
 * For a surface answering before it has read the request's body (a refusal, a too-large body):
 * reading on would let a client that trickles its body hold the connection until the request
 * timeout, so the answer closes the connection instead.
 */
export function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  const length = req.headers['content-length']
  const hasBody =
    req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  if (hasBody && !req.complete && !res.headersSent) res.setHeader('connection', 'close')
  req.resume()
}

/** The parsed body; `{}` for an empty one. */
export async function readJsonBody(
  req: IncomingMessage,
  options: ReadBodyOptions = {},
): Promise<unknown> {
  const text = (await readBody(req, options)).toString('utf8')
  if (text.trim() === '') return {}
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_JSON',
      `Invalid JSON payload received. Nesting is deeper than ${MAX_JSON_DEPTH} levels.`,
    )
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_JSON',
      `Invalid JSON payload received. ${(err as Error).message}`,
      { cause: err },
    )
  }
}

function tooLarge(limit: number): IamError {
  return new IamError(
    Code.INVALID_ARGUMENT,
    'PAYLOAD_TOO_LARGE',
    `Request payload size exceeds the limit: ${limit} bytes.`,
  )
}
