// The route table's `permission` is the one source of what each admin method checks: for every
// route that names one, a caller without any role gets 403 PERMISSION_DENIED naming exactly that
// permission, over a real socket and SQLite. A service that checked anything else (or nothing
// first) would make this test fail, so the table and the services cannot drift apart.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, routeKey, type RouteSpec } from '@runiam/api'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const STRANGER = 'user:stranger@example.com'
const PROJECT = 'route-perm-project'

let dir: string
let store: Store
let h: Harness

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-route-perms-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  h = await startHarness(store)
  const created = await h.call('POST', '/v3/projects', {
    as: OWNER,
    body: { projectId: PROJECT, parent: `organizations/${h.orgId}` },
  })
  expect(created.status).toBe(200)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A concrete value for each segment pattern of a template variable. */
function fill(template: string, orgId: string): string {
  const values: Record<string, string> = {
    projects: PROJECT,
    locations: 'us-central1',
    services: 'hello',
    operations: 'op-1',
    organizations: orgId,
    serviceAccounts: `robot@${PROJECT}.iam.gserviceaccount.com`,
    keys: 'k1',
    policies: 'iam.allowedPolicyMemberDomains',
    namespaces: PROJECT,
  }
  return template
    .replace(/\{projectId\}/, PROJECT)
    .replace(/\{[^}=]+=([^}]+)\}/g, (_m, pattern: string) =>
      pattern
        .split('/')
        .map((seg, i, all) =>
          seg === '*' || seg === '**' ? (values[all[i - 1] ?? ''] ?? 'x') : seg,
        )
        .join('/'),
    )
}

/** The smallest body that names the resource when the path does not. */
function bodyFor(route: RouteSpec, orgId: string): unknown {
  if (route.id === 'logging.entries.list') return { resourceNames: [`projects/${PROJECT}`] }
  if (route.id === 'cloudresourcemanager.projects.create') {
    return route.api === 'cloudresourcemanager/v1'
      ? { projectId: 'route-perm-new', parent: { type: 'organization', id: orgId } }
      : { projectId: 'route-perm-new', parent: `organizations/${orgId}` }
  }
  return {}
}

describe('every route checks the permission the route table names', () => {
  const checked = ROUTES.filter((r) => r.permission !== undefined)

  it('covers the routes that name a permission', () => {
    expect(checked.length).toBeGreaterThan(50)
  })

  for (const route of checked) {
    it(`${routeKey(route)} checks ${route.permission}`, async () => {
      const path = fill(route.template, h.orgId)
      const r = await h.call(route.method, path, {
        as: STRANGER,
        ...(route.body ? { body: bodyFor(route, h.orgId) } : {}),
      })
      expect(r.status, `${route.method} ${path}: ${JSON.stringify(r.json)}`).toBe(403)
      expect(errorOf(r).message).toContain(`'${route.permission}'`)
    })
  }
})
