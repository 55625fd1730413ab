// Reads and parses a JSON request body with a size cap, a nesting cap and a deadline. Compat:
// Google's front end answers an oversized payload with 400 "Request payload size exceeds the
// limit" and malformed JSON with 400 "Invalid JSON payload received. …". The nesting cap keeps
// every later walk of the value (validation, canonical form) far from the stack's limit; the
// deadline closes the connection of a client that trickles its body.
import type { IncomingMessage } from 'node:http'
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

/** The parsed body; `{}` for an empty one. */
export async function readJsonBody(
  req: IncomingMessage,
  options: ReadBodyOptions = {},
): Promise<unknown> {
  const limit = options.limit ?? MAX_BODY_BYTES
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    throw tooLarge(limit)
  }
  const timer =
    options.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          req.destroy(
            new IamError(
              Code.DEADLINE_EXCEEDED,
              'BODY_TIMEOUT',
              `The request body did not arrive within ${options.timeoutMs} ms.`,
            ),
          )
        }, options.timeoutMs)
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req) {
      const buf = chunk as Buffer
      size += buf.length
      if (size > limit) {
        req.resume()
        throw tooLarge(limit)
      }
      chunks.push(buf)
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer)
  }
  const text = Buffer.concat(chunks).toString('utf8')
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
