// What one admin route handler is: it turns the request's path variables, query and parsed JSON
// body into a call of a transport-free service. handlers.ts and its siblings map routes to these.
import type { Caller } from '../services/caller.js'
import type { AuditScope } from '../services/audit/audit-scope.js'

export interface HandlerContext {
  readonly caller: Caller
  readonly params: Readonly<Record<string, string>>
  readonly query: URLSearchParams
  readonly body: unknown
  /** The request's Host header (Cloud Run's v1 API reads a region from `{region}-…` hosts). */
  readonly host?: string
  /** The call's audit, when it is audited: the policy-writing service writes its entry in its tx. */
  readonly audit?: AuditScope
}

export type Handler = (ctx: HandlerContext) => Promise<unknown>
