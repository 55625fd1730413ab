// The decision index's chains on real SQLite: a resource with a policy of its own is kept as that
// policy bound to its ancestors' (chainOf), one ancestors' list shared under each project. A
// change to any level — the project's grant revoked or given again, the service's own policy
// replaced — is decided on at the next decideNow, synchronously once cached again.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeEtag, type Binding, type Policy } from '@runiam/core'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { PermissionChecker } from './permission-checker.js'

const T = '2026-01-01T00:00:00.000Z'
const PROJECT = 'projects/p'
const SVC = 'projects/p/locations/us-central1/services/s'
const SVC2 = 'projects/p/locations/us-central1/services/s2'
const OTHER = 'projects/p/locations/us-central1/services/s3'
const ALICE = { member: 'user:alice@example.com' }
const BOB = { member: 'user:bob@example.com' }

let dir: string
let store: Store
let checker: PermissionChecker

const invoker = (...members: string[]): Binding[] => [{ role: 'roles/run.invoker', members }]
const put = async (resource: string, bindings: Binding[]): Promise<void> => {
  const policy: Policy = { version: 1, bindings }
  await store.transact((tx) => tx.putPolicy(resource, { ...policy, etag: computeEtag(policy) }))
}
/** decideNow's verdict, and whether it came synchronously (the cached path). */
const invoke = async (caller: { member: string }, service: string) => {
  const d = checker.decideNow(caller, 'run.routes.invoke', service, { timeMs: 0, path: '/' })
  return { sync: !(d instanceof Promise), allowed: (await d).allowed, d: await d }
}
const allowedNowAndCached = async (caller: { member: string }, service: string) => {
  const first = await invoke(caller, service)
  const again = await invoke(caller, service)
  expect(again.sync).toBe(true)
  expect(again.allowed).toBe(first.allowed)
  return first.allowed
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-permission-chains-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  await store.transact(async (tx) => {
    await tx.createOrganization({
      id: '42',
      domain: 'example.com',
      displayName: 'x',
      createTime: T,
    })
    await tx.createProject({
      projectId: 'p',
      projectNumber: '777',
      displayName: 'p',
      parent: 'organizations/42',
      state: 'ACTIVE',
      labels: {},
      createTime: T,
      updateTime: T,
      etag: 'e',
    })
  })
  await put(PROJECT, invoker(ALICE.member))
  await put(SVC, invoker(BOB.member))
  await put(OTHER, invoker('user:carol@example.com'))
  checker = new PermissionChecker(store, { now: () => Date.parse(T) })
})

afterAll(async () => {
  checker.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('decision chains', () => {
  it('decide by the resource’s own policy and every ancestor’s, and explain which', async () => {
    expect(await allowedNowAndCached(ALICE, SVC)).toBe(true)
    expect((await invoke(ALICE, SVC)).d.grantedBy[0]?.resource).toBe(PROJECT)
    expect(await allowedNowAndCached(BOB, SVC)).toBe(true)
    expect((await invoke(BOB, SVC)).d.grantedBy[0]?.resource).toBe(SVC)
    expect(await allowedNowAndCached(ALICE, OTHER)).toBe(true)
    expect(await allowedNowAndCached(BOB, OTHER)).toBe(false)
    // No policy of its own: the ancestors' list.
    expect(await allowedNowAndCached(ALICE, SVC2)).toBe(true)
    expect(await allowedNowAndCached(BOB, SVC2)).toBe(false)
    // The same resource named by project number decides alike.
    expect(await allowedNowAndCached(BOB, SVC.replace('projects/p/', 'projects/777/'))).toBe(true)
  })

  it('a grant revoked on the project is refused on the next decision, on every service', async () => {
    await allowedNowAndCached(ALICE, SVC)
    await put(PROJECT, invoker('user:dave@example.com'))
    expect(await allowedNowAndCached(ALICE, SVC)).toBe(false)
    expect(await allowedNowAndCached(ALICE, OTHER)).toBe(false)
    expect(await allowedNowAndCached(ALICE, SVC2)).toBe(false)
    expect(await allowedNowAndCached(BOB, SVC)).toBe(true)
    // Given again: allowed again, on every service.
    await put(PROJECT, invoker(ALICE.member))
    expect(await allowedNowAndCached(ALICE, SVC)).toBe(true)
    expect(await allowedNowAndCached(ALICE, OTHER)).toBe(true)
  })

  it('the service’s own policy replaced: its old grant is gone, the inherited one stays', async () => {
    await allowedNowAndCached(BOB, SVC)
    await put(SVC, invoker('user:erin@example.com'))
    expect(await allowedNowAndCached(BOB, SVC)).toBe(false)
    expect(await allowedNowAndCached({ member: 'user:erin@example.com' }, SVC)).toBe(true)
    expect(await allowedNowAndCached(ALICE, SVC)).toBe(true)
    // The admin path's list sees the same levels (the organization has no policy).
    expect((await checker.policiesFor(SVC)).map((p) => p.resource)).toEqual([SVC, PROJECT])
  })
})
