// The resource an audit entry names, for the route shapes of the admin API.
import { describe, expect, it } from 'vitest'
import { ROUTES, type RouteSpec } from '@runiam/api'
import { auditResourceName } from './audit-resource-name.js'

const route = (api: string, id: string): RouteSpec => {
  const r = ROUTES.find((x) => x.api === api && x.id === id)
  if (r === undefined) throw new Error(`no route ${api} ${id}`)
  return r
}
const none = new URLSearchParams()

describe('auditResourceName', () => {
  it('names the resource acted on, and for creates the new resource', () => {
    const S = 'projects/p/locations/l/services/s'
    expect(
      auditResourceName(
        route('run/v2', 'run.projects.locations.services.setIamPolicy'),
        { resource: S },
        none,
      ),
    ).toBe(S)
    expect(
      auditResourceName(
        route('run/v2', 'run.projects.locations.services.create'),
        { parent: 'projects/p/locations/l' },
        new URLSearchParams('serviceId=s'),
      ),
    ).toBe(S)
    expect(
      auditResourceName(
        route('run/v1', 'run.namespaces.services.create'),
        { parent: 'namespaces/p' },
        none,
        { metadata: { name: 'hello' } },
      ),
    ).toBe('namespaces/p/services/hello')
    expect(
      auditResourceName(
        route('iam/v1', 'iam.projects.serviceAccounts.create'),
        { name: 'projects/p' },
        none,
        { accountId: 'robot' },
      ),
    ).toBe('projects/p')
    expect(
      auditResourceName(
        route('cloudresourcemanager/v1', 'cloudresourcemanager.projects.create'),
        {},
        none,
        { projectId: 'newp' },
      ),
    ).toBe('projects/newp')
    expect(
      auditResourceName(
        route('iam/v1', 'iam.projects.roles.create'),
        { parent: 'projects/p' },
        none,
        {
          roleId: 'r',
        },
      ),
    ).toBe('projects/p/roles/r')
  })
})
