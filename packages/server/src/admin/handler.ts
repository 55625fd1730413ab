// What one admin route handler is: it turns the request's path variables, query and parsed JSON
// body into a call of a transport-free service. handlers.ts and its siblings map routes to these.
import type { Caller } from '../services/caller.js'

export interface HandlerContext {
  readonly caller: Caller
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly body: unknown
  /** The request's Host header (Cloud Run's v1 API reads a region from `{region}-…` hosts). */
  readonly host?: string
}

export type Handler = (ctx: HandlerContext) => Promise<unknown>
