// Reads and parses a JSON request body with a size cap. Compat: Google's front end answers an
// oversized payload with 400 "Request payload size exceeds the limit" and malformed JSON with
// 400 "Invalid JSON payload received. …".
import type { IncomingMessage } from 'node:http'
import { Code, IamError } from '@runiam/core'

export const MAX_BODY_BYTES = 1024 * 1024

/** The parsed body; `{}` for an empty one. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    req.resume()
    throw tooLarge(limit)
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    const buf = chunk as Buffer
    size += buf.length
    if (size > limit) {
      req.resume()
      throw tooLarge(limit)
    }
    chunks.push(buf)
  }
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.trim() === '') return {}
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
