// The invoker check for proxies people already run: nginx `auth_request` and Envoy's HTTP
// `ext_authz` call this endpoint with the original request's host, path and credentials; it answers
// 200 with the caller's identity in response headers, or 401/403, and forwards nothing itself.
//   nginx:  auth_request /_runiam/authz;  (with X-Original-URI and X-Original-Host set)
//   Envoy:  http_service { path_prefix: "/_runiam/authz" }  (original path appended)
// See docs/nginx.md. The path prefix is reserved on every host, as Cloud Run reserves some paths.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Code, isIamError } from '@runiam/core'
import { AUTHZ_PREFIX } from '../http/front-door.js'
import type { RequestContext } from '../http/request-context.js'
import { bearer } from '../services/invoke-check.js'
import { INVALID_TOKEN_CHALLENGE, type Gateway } from './gateway-app.js'
import { CALLER_EMAIL_HEADER, CALLER_HEADER, withoutSignature } from './proxy.js'
import { normaliseTarget, type RequestTarget } from './request-target.js'

const first = (v: string | string[] | undefined): string | undefined =>
  Array.isArray(v) ? v[0] : v

/**
 * The original request as the proxy describes it, its path normalised as the gateway normalises
 * its own (gateway/request-target.ts), so `request.path` conditions judge the path a normalising
 * upstream serves: `/public/../admin` is judged as `/admin`.
 */
export function originalRequest(req: IncomingMessage): { host: string; target: RequestTarget } {
  const h = req.headers
  const host = first(h['x-original-host']) ?? first(h['x-forwarded-host']) ?? first(h.host) ?? ''
  const uri = first(h['x-original-uri'])
  const rest = (req.url ?? '').slice(AUTHZ_PREFIX.length)
  return {
    host,
    target: normaliseTarget(uri ?? (rest === '' || rest.startsWith('?') ? '/' : rest)),
  }
}

export async function handleAuthz(
  gateway: Gateway,
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
): Promise<number> {
  req.resume()
  const { host, target } = originalRequest(req)
  const headers: Record<string, string> = { 'content-length': '0', 'cache-control': 'no-store' }
  if (!target.ok) {
    // nginx turns any answer but 2xx/401/403 into its 500: the request is refused either way.
    const reason = target.status === 414 ? 'path-too-long' : 'invalid-path'
    ctx.log['decision'] = 'reject'
    ctx.log['reason'] = reason
    ctx.log['detail'] = target.why
    headers['x-runiam-reason'] = reason
    res.writeHead(target.status, headers)
    res.end()
    return target.status
  }
  const serverless = req.headersDistinct['x-serverless-authorization']
  let checked: Awaited<ReturnType<Gateway['check']>>
  try {
    checked = await gateway.check({
      host,
      path: target.path,
      authorization: req.headersDistinct['authorization'],
      serverlessAuthorization: serverless,
    })
  } catch (err) {
    // The decision needed the store and the database is down: 503, never 500 (the proxy in
    // front decides what its client sees; Envoy passes the status on).
    if (!isIamError(err) || err.code !== Code.UNAVAILABLE) throw err
    ctx.log['decision'] = 'unavailable'
    ctx.log['reason'] = err.reason
    headers['x-runiam-reason'] = 'store-unavailable'
    headers['retry-after'] = '1'
    res.writeHead(503, headers)
    res.end()
    return 503
  }
  const { route, outcome } = checked
  if (outcome?.caller !== undefined) ctx.caller = outcome.caller
  if (route !== undefined) ctx.log['service'] = route.name
  if (outcome !== undefined) {
    ctx.log['decision'] = outcome.kind
    ctx.log['reason'] = outcome.reason
  }
  let status: number
  if (route === undefined || outcome === undefined) {
    status = 403
    headers['x-runiam-reason'] = 'unknown-service'
  } else if (outcome.kind === 'reject') {
    status = outcome.status
    ctx.log['check'] = outcome.check
    headers['x-runiam-reason'] = outcome.reason
    if (status === 401) {
      headers['www-authenticate'] = INVALID_TOKEN_CHALLENGE
    }
  } else {
    status = 200
    headers['x-runiam-service'] = route.name
    headers['x-runiam-reason'] = outcome.reason
    if (outcome.caller !== undefined) {
      headers[CALLER_HEADER] = outcome.caller.member
      if (outcome.caller.email !== undefined) headers[CALLER_EMAIL_HEADER] = outcome.caller.email
    }
    // The one X-Serverless-Authorization the check verified, unsigned, for the proxy to pass on
    // in place of the client's (docs/nginx.md); absent otherwise, which makes nginx drop it.
    const verified =
      outcome.viaServerlessAuthorization === true ? bearer(serverless?.[0]) : undefined
    const unsigned = verified === undefined ? undefined : withoutSignature(verified)
    if (unsigned !== undefined) headers['x-serverless-authorization'] = unsigned
  }
  res.writeHead(status, headers)
  res.end()
  return status
}
