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

export function createRouter<R extends RouteSpec>(routes: readonly R[]): Router<R> {
  const compiled: { route: R; t: PathTemplate }[] = routes.map((route) => ({
    route,
    t: compileTemplate(route.template, { encodedSlashes: route.encodedSlashes === true }),
  }))
  return {
    match(method, path) {
      const allowed: HttpMethod[] = []
      for (const { route, t } of compiled) {
        const params = t.match(path)
        if (params === undefined) continue
        if (route.method === method) return { kind: 'found', route, params }
        if (!allowed.includes(route.method)) allowed.push(route.method)
      }
      return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' }
    },
  }
}
