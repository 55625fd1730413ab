// The v1 services routes in Google's http-rule syntax: the router resolves the Knative namespaces
// paths and their /v1/projects/P/locations/L twins without colliding with the v1 IAM methods.
import { describe, expect, it } from 'vitest'
import { createRouter } from './router.js'
import { ROUTES } from './routes.js'

const router = createRouter(ROUTES)
const NS = '/apis/serving.knative.dev/v1/namespaces'

function found(method: string, path: string): { id: string; params: Record<string, string> } {
  const m = router.match(method, path)
  if (m.kind !== 'found') throw new Error(`${method} ${path}: ${m.kind}`)
  return { id: `${m.route.api} ${m.route.id}`, params: { ...m.params } }
}

describe('v1 services routes', () => {
  it('match the namespaces paths by project id or number', () => {
    expect(found('GET', `${NS}/my-project/services/hello`)).toEqual({
      id: 'run/v1 run.namespaces.services.get',
      params: { name: 'namespaces/my-project/services/hello' },
    })
    expect(found('GET', `${NS}/123456789012/services`)).toEqual({
      id: 'run/v1 run.namespaces.services.list',
      params: { parent: 'namespaces/123456789012' },
    })
    expect(found('POST', `${NS}/p/services`).id).toBe('run/v1 run.namespaces.services.create')
    expect(found('PUT', `${NS}/p/services/s`).id).toBe(
      'run/v1 run.namespaces.services.replaceService',
    )
    expect(found('DELETE', `${NS}/p/services/s`).id).toBe('run/v1 run.namespaces.services.delete')
  })

  it('match the locational twins, beside the v1 IAM methods of the same service', () => {
    const svc = '/v1/projects/p/locations/us-central1/services/s'
    expect(found('GET', svc)).toEqual({
      id: 'run/v1 run.projects.locations.services.get',
      params: { name: 'projects/p/locations/us-central1/services/s' },
    })
    expect(found('GET', `${svc}:getIamPolicy`).id).toBe(
      'run/v1 run.projects.locations.services.getIamPolicy',
    )
    expect(found('PUT', svc).id).toBe('run/v1 run.projects.locations.services.replaceService')
  })

  it('answer 405 for a verb the path does not have, 404 for a deeper path', () => {
    expect(router.match('PATCH', `${NS}/p/services/s`)).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET', 'PUT', 'DELETE'],
    })
    expect(router.match('GET', `${NS}/p/services/s/revisions`).kind).toBe('not-found')
  })
})
