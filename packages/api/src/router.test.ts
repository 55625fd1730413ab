import { describe, it, expect } from 'vitest'
import { createRouter, type RouteMatch } from './router.js'
import { compileTemplate } from './route-template.js'
import { ROUTES, routeKey, type RouteSpec } from './routes.js'
import type { HttpMethod } from './route-spec.js'

/** A concrete path for a route: every variable filled with a plausible value. */
function samplePath(route: RouteSpec): string {
  const t = compileTemplate(route.template)
  const values: Record<string, string> = {}
  for (const v of t.variables) {
    const m = new RegExp(`\\{${v.replace('.', '\\.')}(?:=([^}]*))?\\}`).exec(route.template)
    const pattern = m?.[1] ?? '*'
    values[v] = pattern
      .split('/')
      .map((seg, i) => (seg === '*' ? `x${i}` : seg === '**' ? 'cp.1/more' : seg))
      .join('/')
  }
  return t.expand(values)
}

describe('the route table', () => {
  const router = createRouter(ROUTES)

  it('has unique keys and unique (method, template) pairs', () => {
    expect(new Set(ROUTES.map(routeKey)).size).toBe(ROUTES.length)
    expect(new Set(ROUTES.map((r) => `${r.method} ${r.template}`)).size).toBe(ROUTES.length)
  })

  it.each(ROUTES.map((r) => [routeKey(r), r] as const))('routes %s to itself', (_key, route) => {
    const path = samplePath(route)
    const m = router.match(route.method, path)
    expect(m.kind).toBe('found')
    if (m.kind === 'found') expect(routeKey(m.route)).toBe(routeKey(route))
  })

  it('checks a permission on every route except testIamPermissions, project lists, organization searches, predefined roles, testable permissions, recommendations and the troubleshooter', () => {
    // Compat: predefined roles and the permissions testable on a kind of resource are public
    // catalog data on Google too; organizations.search filters by organization instead; the
    // troubleshooter checks getIamPolicy per policy on the path.
    // Recommender v1's permission depends on the recommender in the path: the service checks it
    // first (server/src/admin/recommender.test.ts refuses a caller without it, for both).
    const catalog = new Set([
      'iam.roles.list',
      'iam.roles.get',
      'iam.permissions.queryTestablePermissions',
    ])
    for (const r of ROUTES) {
      const exempt =
        r.id.endsWith('.testIamPermissions') ||
        r.id.endsWith('projects.list') ||
        r.id.endsWith('organizations.search') ||
        r.api === 'recommender/v1' ||
        r.id === 'policytroubleshooter.iam.troubleshoot' ||
        catalog.has(r.id)
      expect(r.permission === undefined, routeKey(r)).toBe(exempt)
    }
  })

  it('uses GET for Cloud Run getIamPolicy and POST for Resource Manager getIamPolicy', () => {
    for (const r of ROUTES.filter((x) => x.id.endsWith('.getIamPolicy'))) {
      expect(r.method).toBe(r.api.startsWith('run/') ? 'GET' : 'POST')
    }
  })

  it('answers method-not-allowed with the allowed methods, and not-found otherwise', () => {
    expect(router.match('PUT', '/v2/projects/p/locations/l/services/s')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET', 'PATCH', 'DELETE'],
    })
    expect(router.match('POST', '/v2/projects/p/locations/l/services/s:getIamPolicy')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET'],
    })
    expect(router.match('GET', '/v2/projects/p/locations/l/services/s:nope').kind).toBe('not-found')
    expect(router.match('GET', '/nothing/here').kind).toBe('not-found')
  })

  it('distinguishes the v1 and v2 service IAM routes and the project/organization ones', () => {
    const a = router.match('GET', '/v1/projects/p/locations/l/services/s:getIamPolicy')
    const b = router.match('POST', '/v1/projects/p:getIamPolicy')
    const c = router.match('POST', '/v3/organizations/123:setIamPolicy')
    expect(a.kind === 'found' && a.route.api).toBe('run/v1')
    expect(b.kind === 'found' && b.route.id).toBe('cloudresourcemanager.projects.getIamPolicy')
    expect(c.kind === 'found' && [c.route.api, c.route.id, c.params]).toEqual([
      'cloudresourcemanager/v3',
      'cloudresourcemanager.organizations.setIamPolicy',
      { resource: 'organizations/123' },
    ])
  })
})

/** The router as it was before routes were grouped by verb: every template tried, in table order. */
function scanAll(method: string, path: string): RouteMatch {
  const allowed: HttpMethod[] = []
  for (const route of ROUTES) {
    const t = compileTemplate(route.template, { encodedSlashes: route.encodedSlashes === true })
    const params = t.match(path)
    if (params === undefined) continue
    if (route.method === method) return { kind: 'found', route, params }
    if (!allowed.includes(route.method)) allowed.push(route.method)
  }
  return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' }
}

describe('dispatch by custom verb', () => {
  const router = createRouter(ROUTES)
  const methods = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD']

  it("answers every route's path, with every method, exactly as a scan of the whole table", () => {
    const paths = new Set<string>()
    for (const route of ROUTES) {
      const path = samplePath(route)
      const colon = path.lastIndexOf(':')
      const bare = colon > path.lastIndexOf('/') ? path.slice(0, colon) : path
      // The path itself, without its verb, with another route's verb, an empty or unknown verb,
      // a colon inside a segment, and a verb-like text with no leading slash.
      paths.add(path).add(bare).add(`${bare}:`).add(`${bare}:nope`).add(bare.slice(1))
      paths.add(`${bare}:getIamPolicy`).add(`${bare}:setIamPolicy`).add(`${bare}/x:y/z`)
    }
    paths.add('/').add('/:setIamPolicy').add('/v1:getIamPolicy').add('').add(':setIamPolicy')
    let found = 0
    for (const path of paths) {
      for (const method of methods) {
        const got = router.match(method, path)
        expect(got, `${method} ${path}`).toEqual(scanAll(method, path))
        if (got.kind === 'found') found++
      }
    }
    // The comparison covered real matches, not only misses.
    expect(found).toBeGreaterThanOrEqual(ROUTES.length)
  })
})
