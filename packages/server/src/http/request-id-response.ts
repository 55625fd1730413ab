// The server's response class: every response carries its request's id as x-request-id, added
// to the headers writeHead is given. Setting it beforehand with setHeader would send every
// writeHead down node's slow path, which re-validates and re-stores each of the other headers one
// by one (for the gateway, each of the upstream's): that showed in the gateway's CPU profile.
// It also carries what the front door's one 'finish' listener needs for the access line, so that
// listener is one function for all requests instead of a closure per request.
import {
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
} from 'node:http'
import type { RequestContext } from './request-context.js'

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[]

export const REQUEST_ID_HEADER = 'x-request-id'

export class RequestIdResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  /** Set by the front door before anything is written; empty: no header. */
  requestId = ''
  /** The request's context, for the front door's access line (undefined: none is written). */
  context: RequestContext | undefined = undefined
  /** process.hrtime.bigint() when the request arrived. */
  started = 0n
  /** The request target's path (null: not origin-form), as the access line shows it. */
  path: string | null = null

  override writeHead(statusCode: number, statusMessage?: string, headers?: Headers): this
  override writeHead(statusCode: number, headers?: Headers): this
  override writeHead(statusCode: number, second?: string | Headers, third?: Headers): this {
    return typeof second === 'string'
      ? super.writeHead(statusCode, second, this.#withId(third))
      : super.writeHead(statusCode, this.#withId(second))
  }

  /** The headers with the id added (a copy: callers may pass shared constants). */
  #withId(headers: Headers | undefined): Headers | undefined {
    const id = this.requestId
    if (id === '') return headers
    if (headers === undefined) return [REQUEST_ID_HEADER, id]
    if (!Array.isArray(headers)) return { ...headers, [REQUEST_ID_HEADER]: id }
    // node also takes [[name, value], …]; the flat form is [name, value, name, value, …].
    return Array.isArray(headers[0])
      ? [...headers, [REQUEST_ID_HEADER, id] as unknown as OutgoingHttpHeader]
      : [...headers, REQUEST_ID_HEADER, id]
  }
}
