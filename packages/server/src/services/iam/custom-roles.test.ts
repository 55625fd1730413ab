// A custom role's life over days, on SQLite with a clock the test moves: deleted roles undelete
// for 7 days, then are purged (their bindings leave every policy, get is 404, the id is reserved
// with Google's message) and after 37 days the id is free, with no old binding coming back. Also:
// a role change made by another process takes effect once the checker catches up.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isIamError } from '@runiam/core'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import type { Caller } from '../caller.js'
import { ensureOrganization } from '../bootstrap/ensure-organization.js'
import { createServices, type Services } from '../create-services.js'

const DAY = 24 * 60 * 60 * 1000
const OWNER: Caller = { member: 'user:owner@example.com', email: 'owner@example.com' }
const ALICE: Caller = { member: 'user:alice@example.com', email: 'alice@example.com' }
const P = 'purge-proj'
const SVC = `projects/${P}/locations/us-central1/services/s`
const ROLE = `projects/${P}/roles/reader`

let dir: string
let store: Store
let s: Services
let clock = Date.parse('2026-03-01T00:00:00Z')

async function errorOf(
  p: Promise<unknown>,
): Promise<{ code: number; reason: string; message: string }> {
  try {
    await p
  } catch (e) {
    if (isIamError(e)) return { code: e.code, reason: e.reason, message: e.message }
    throw e
  }
  throw new Error('expected an IamError')
}

const can = async (permission: string) => (await s.checker.decide(ALICE, permission, SVC)).allowed

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-role-life-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  await ensureOrganization(store, { domain: 'example.com', owners: [OWNER.member], now: clock })
  s = createServices({ store, now: () => clock, runDomain: 'run.localhost', servicePort: 8080 })
  await s.projects.create(OWNER, { projectId: P }, 'v1')
  await s.runServices.create(OWNER, `projects/${P}/locations/us-central1`, { serviceId: 's' }, {})
  await s.roles.create(OWNER, `projects/${P}`, {
    roleId: 'reader',
    role: { title: 'Reader', includedPermissions: ['run.services.get'] },
  })
  await s.iam.set(
    OWNER,
    s.projects.target(P),
    {
      policy: {
        bindings: [
          { role: 'roles/owner', members: [OWNER.member] },
          { role: ROLE, members: [ALICE.member] },
        ],
      },
    },
    undefined,
  )
  await s.iam.set(
    OWNER,
    s.runServices.target(SVC),
    {
      policy: { bindings: [{ role: ROLE, members: ['user:bob@example.com'] }] },
    },
    undefined,
  )
})

afterEach(async () => {
  s.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('a deleted custom role over time', () => {
  it('day 0–7: deleted, undeletable, its bindings kept but granting nothing', async () => {
    expect(await can('run.services.get')).toBe(true)
    await s.roles.delete(OWNER, ROLE, undefined)
    expect(await can('run.services.get')).toBe(false)
    clock += 6 * DAY
    expect((await s.roles.get(OWNER, ROLE)).deleted).toBe(true)
    expect((await store.getPolicy(`projects/${P}`))?.policy.bindings?.map((b) => b.role)).toContain(
      ROLE,
    )
    await s.roles.undelete(OWNER, ROLE, {})
    expect(await can('run.services.get')).toBe(true)
  })

  it('day 7–37: purged — 404, bindings removed, id reserved; day 37: the id is free', async () => {
    await s.roles.delete(OWNER, ROLE, undefined)
    clock += 7 * DAY
    expect(await errorOf(s.roles.get(OWNER, ROLE))).toEqual({
      code: 5,
      reason: 'RESOURCE_NOT_FOUND',
      message: `The role named ${ROLE} was not found.`,
    })
    // The get purged it: no policy binds it any more.
    expect(await store.policiesBindingRole(ROLE)).toEqual([])
    expect((await s.iam.get(OWNER, s.runServices.target(SVC))).bindings ?? []).toEqual([])
    expect((await errorOf(s.roles.undelete(OWNER, ROLE, {}))).code).toBe(5)
    expect(
      (await s.roles.list(OWNER, `projects/${P}`, { showDeleted: 'true' })).roles,
    ).toBeUndefined()
    const reserved = await errorOf(
      s.roles.create(OWNER, `projects/${P}`, { roleId: 'reader', role: {} }),
    )
    expect(reserved).toEqual({
      code: 9,
      reason: 'CUSTOM_ROLE_ID_RESERVED',
      message: "You can't create a role_id (reader) which has been marked for deletion.",
    })
    clock += 30 * DAY
    const again = await s.roles.create(OWNER, `projects/${P}`, {
      roleId: 'reader',
      role: { includedPermissions: ['run.services.get'] },
    })
    expect(again.deleted).toBeUndefined()
    // The old binding is gone: the new role of the same name grants Alice nothing.
    expect(await can('run.services.get')).toBe(false)
  })

  it('a purge found by a create (no read in between) still removes the bindings first', async () => {
    await s.roles.delete(OWNER, ROLE, undefined)
    clock += 40 * DAY
    await s.roles.create(OWNER, `projects/${P}`, {
      roleId: 'reader',
      role: { includedPermissions: ['run.services.get'] },
    })
    expect(await can('run.services.get')).toBe(false)
    expect(await store.policiesBindingRole(ROLE)).toEqual([])
  })

  it('a list 7 days on purges too: bindings gone, the record kept only to reserve the id', async () => {
    await s.roles.delete(OWNER, ROLE, undefined)
    clock += 8 * DAY
    expect(
      (await s.roles.list(OWNER, `projects/${P}`, { showDeleted: 'true' })).roles,
    ).toBeUndefined()
    expect((await store.getCustomRole(ROLE))?.purgeTime).toBeDefined()
    expect(await store.policiesBindingRole(ROLE)).toEqual([])
  })
})

describe('role changes from another process', () => {
  it('take effect once the store refreshes from the change feed', async () => {
    expect(await can('run.services.get')).toBe(true)
    const other = await openSqliteStore({ path: join(dir, 'db.sqlite') })
    const t = createServices({ store: other, now: () => clock, runDomain: 'r', servicePort: 1 })
    try {
      await t.roles.patch(OWNER, ROLE, 'includedPermissions', {
        includedPermissions: ['run.services.list'],
      })
    } finally {
      t.close()
      await other.close()
    }
    // Not in this process's in-process feed: the cached decision stands until refresh.
    expect(await can('run.services.get')).toBe(true)
    await store.refresh()
    expect(await can('run.services.get')).toBe(false)
  })
})
