// The route table's `permission` is the one source of what each admin method checks: for every
// route that names one, a caller without any role gets 403 PERMISSION_DENIED naming exactly that
// permission, over a real socket and SQLite. A service that checked anything else (or nothing
// first) would make this test fail, so the table and the services cannot drift apart.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, routeKey } from '@runiam/api'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { bodyFor, fillTemplate, ROUTE_PROJECT as PROJECT } from './route-fixtures.js'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const STRANGER = 'user:stranger@example.com'

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

describe('every route checks the permission the route table names', () => {
  const checked = ROUTES.filter((r) => r.permission !== undefined)

  it('covers the routes that name a permission', () => {
    expect(checked.length).toBeGreaterThan(50)
  })

  for (const route of checked) {
    it(`${routeKey(route)} checks ${route.permission}`, async () => {
      const path = fillTemplate(route.template, h.orgId)
      const r = await h.call(route.method, path, {
        as: STRANGER,
        ...(route.body ? { body: bodyFor(route, h.orgId) } : {}),
      })
      expect(r.status, `${route.method} ${path}: ${JSON.stringify(r.json)}`).toBe(403)
      expect(errorOf(r).message).toContain(`'${route.permission}'`)
    })
  }
})
