// The built-in upstream for a service with neither an upstream URL nor a command: it answers
// every admitted request with JSON describing the request and the verified caller, so IAM can be
// tried with no service at all. It reads (and discards) the body to report its size.
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Caller } from '../services/caller.js'

const SHOWN_HEADERS = new Set([
  'user-agent',
  'content-type',
  'content-length',
  'accept',
  'x-forwarded-for',
])

export async function respondBuiltin(
  req: IncomingMessage,
  res: ServerResponse,
  context: {
    readonly service: string
    /** The normalised path the check saw. */
    readonly path: string
    readonly caller?: Caller
  },
): Promise<number> {
  let bodyBytes = 0
  for await (const chunk of req) bodyBytes += (chunk as Buffer).length
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(req.headers)) {
    if (SHOWN_HEADERS.has(k) && typeof v === 'string') headers[k] = v
  }
  const body = JSON.stringify(
    {
      service: context.service,
      method: req.method,
      host: req.headers.host ?? '',
      path: context.path,
      query: Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams),
      headers,
      bodyBytes,
      caller:
        context.caller === undefined
          ? null
          : {
              member: context.caller.member,
              ...(context.caller.email === undefined ? {} : { email: context.caller.email }),
            },
    },
    null,
    2,
  )
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
  return 200
}
