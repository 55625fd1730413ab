// The role × operation matrix, generated rather than hand-picked: for every predefined Cloud Run
// role and every basic role, granted on the organization to a caller of its own, each admin
// method of the route table is allowed (anything but 403) exactly when the role holds every
// permission Google checks for that method. Google's checks come from the crawled method map
// (fixtures/run-method-map.json) for Cloud Run methods and
// from the route table otherwise; the route table must agree with the map wherever both speak.
// The map is a copy in fixtures/ (from shared/reference/method-tables/), so a clone is complete.
// Over a real socket and SQLite, through the real front door and services.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES, routeKey, type RouteSpec } from '@runiam/api'
import { BASIC_ROLES, listRoles, permissionsOf } from '@runiam/core'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { bodyFor, fillTemplate, ROUTE_PROJECT } from './route-fixtures.js'
import { OWNER, startHarness, type Harness } from './test-harness.js'

interface MethodMap {
  readonly [methodId: string]: { readonly permissions: readonly { readonly name: string }[] }
}
const METHOD_MAP = JSON.parse(
  readFileSync(fileURLToPath(new URL('./fixtures/run-method-map.json', import.meta.url)), 'utf8'),
) as MethodMap

/**
 * The permissions Google checks for a route, as the map lists them, without those only checked
 * for optional request parts (jobs.run's runWithOverrides applies only with `overrides`).
 */
function googleChecks(route: RouteSpec): readonly string[] {
  const entry = route.api.startsWith('run/') ? METHOD_MAP[route.id] : undefined
  if (entry === undefined) return route.permission === undefined ? [] : [route.permission]
  return entry.permissions.map((p) => p.name).filter((p) => p !== 'run.jobs.runWithOverrides')
}

const ROLES_UNDER_TEST = [
  ...listRoles()
    .map((r) => r.name)
    .filter((n) => n.startsWith('roles/run.')),
  ...BASIC_ROLES,
]

let dir: string
let store: Store
let h: Harness
const callerOf = (role: string): string => `user:${role.replace(/\W+/g, '-')}@example.com`

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-role-matrix-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  h = await startHarness(store)
  const created = await h.call('POST', '/v3/projects', {
    as: OWNER,
    body: { projectId: ROUTE_PROJECT, parent: `organizations/${h.orgId}` },
  })
  expect(created.status).toBe(200)
  const policy = await h.call('POST', `/v1/organizations/${h.orgId}:getIamPolicy`, { as: OWNER })
  const bindings = [
    ...((policy.json['bindings'] as { role: string; members: string[] }[] | undefined) ?? []),
    ...ROLES_UNDER_TEST.map((role) => ({ role, members: [callerOf(role)] })),
  ]
  const set = await h.call('POST', `/v1/organizations/${h.orgId}:setIamPolicy`, {
    as: OWNER,
    body: { policy: { bindings, etag: policy.json['etag'] } },
  })
  expect(set.status).toBe(200)
}, 60_000)

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

const routes = ROUTES.filter((r) => r.permission !== undefined)

describe('the route table agrees with Google’s method map', () => {
  for (const route of routes.filter((r) => r.api.startsWith('run/') && METHOD_MAP[r.id])) {
    it(`${routeKey(route)} checks one of ${googleChecks(route).join(', ')}`, () => {
      expect(googleChecks(route)).toContain(route.permission)
    })
  }
})

describe('role × operation matrix', () => {
  it('covers every Cloud Run role and the basic roles', () => {
    expect(ROLES_UNDER_TEST).toEqual(
      expect.arrayContaining(['roles/run.admin', 'roles/run.developer', 'roles/run.viewer']),
    )
    expect(ROLES_UNDER_TEST.length).toBeGreaterThan(8)
  })

  for (const role of ROLES_UNDER_TEST) {
    it(`${role}: allowed exactly where it holds the permissions`, async () => {
      const held = permissionsOf(role) ?? new Set<string>()
      const mismatches: string[] = []
      for (const route of routes) {
        const expected = googleChecks(route).every((p) => held.has(p))
        const path = fillTemplate(route.template, h.orgId)
        const r = await h.call(route.method, path, {
          as: callerOf(role),
          ...(route.body
            ? { body: bodyFor(route, h.orgId, `m-${role.replace(/\W+/g, '-')}`.slice(0, 30)) }
            : {}),
        })
        // Refused by IAM: 403 with the IAM_PERMISSION_DENIED ErrorInfo. Cloud Identity also
        // answers a missing group 403 (GROUP_NOT_FOUND), after the permission passed.
        const details = (r.json['error'] as { details?: { reason?: string }[] } | undefined)
          ?.details
        const allowed = !(
          r.status === 403 && (details ?? []).some((d) => d.reason === 'IAM_PERMISSION_DENIED')
        )
        if (allowed !== expected) {
          mismatches.push(
            `${route.method} ${path} (${googleChecks(route).join('+')}): expected ${expected ? 'allowed' : '403'}, got ${r.status} ${JSON.stringify(r.json).slice(0, 160)}`,
          )
        }
      }
      expect(mismatches).toEqual([])
    })
  }
})
