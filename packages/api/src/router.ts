// Matches (method, path) against a route table. Pure: the admin server and tests use it; 404 vs
// 405 is decided here so that every transport answers the same way.
import { compileTemplate, type PathTemplate } from './route-template.js'
import type { HttpMethod, RouteSpec } from './route-spec.js'

export type RouteMatch<R extends RouteSpec = RouteSpec> =
  | { readonly kind: 'found'; readonly route: R; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly HttpMethod[] }
  | { readonly kind: 'not-found' }

export interface Router<R extends RouteSpec = RouteSpec> {
  match(method: string, path: string): RouteMatch<R>
}

/**
 * The custom verb of a request path (`setIamPolicy` in `/v2/…/services/s:setIamPolicy`), read the
 * way PathTemplate.match reads it: text after the last `:` that follows the last `/`; undefined
 * when there is none. A template only matches paths with its own verb, so a request need only be
 * tried against the routes of its verb.
 */
function verbOf(path: string): string | undefined {
  const slash = path.lastIndexOf('/')
  const c = path.lastIndexOf(':')
  return c > slash ? path.slice(c + 1) : undefined
}

export function createRouter<R extends RouteSpec>(routes: readonly R[]): Router<R> {
  // Routes grouped by their template's verb, each group in table order (so the first match and
  // the order of the allowed methods are those of a scan of the whole table).
  const byVerb = new Map<string | undefined, { route: R; t: PathTemplate }[]>()
  for (const route of routes) {
    const t = compileTemplate(route.template, { encodedSlashes: route.encodedSlashes === true })
    let group = byVerb.get(t.verb)
    if (group === undefined) byVerb.set(t.verb, (group = []))
    group.push({ route, t })
  }
  return {
    match(method, path) {
      const allowed: HttpMethod[] = []
      for (const { route, t } of byVerb.get(verbOf(path)) ?? []) {
        const params = t.match(path)
        if (params === undefined) continue
        if (route.method === method) return { kind: 'found', route, params }
        if (!allowed.includes(route.method)) allowed.push(route.method)
      }
      return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' }
    },
  }
}
