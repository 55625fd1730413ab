// Deny on the decision path, on real SQLite: with no deny policy the gateway's decideNow stays
// synchronous (the cost is one cached boolean); a deny policy written by another process on the
// same file reaches this one's decisions at its next refresh (the change feed), and deciding
// again is synchronous once the chain is cached.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeEtag, type Policy } from '@runiam/core'
import type { Decision } from '@runiam/core/authorizer'
import type { DenyPolicyRecord, Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { PermissionChecker } from './permission-checker.js'
import { FIXTURE_TIME as T, openOrgProjectStore } from './test-harness.js'

const SVC = 'projects/p/locations/us-central1/services/s'
const ALICE = { member: 'user:alice@example.com' }
const BOB = { member: 'user:bob@example.com' }

let store: Store
let dispose: () => Promise<void>
let other: Store
let checker: PermissionChecker

const isSync = (d: Decision | Promise<Decision>): d is Decision => !(d instanceof Promise)

beforeAll(async () => {
  let path: string
  ;({ store, path, dispose } = await openOrgProjectStore('runiam-deny-chains-'))
  other = await openSqliteStore({ path })
  const policy: Policy = {
    version: 1,
    bindings: [{ role: 'roles/run.invoker', members: [ALICE.member, BOB.member] }],
  }
  await store.transact((tx) => tx.putPolicy('projects/p', { ...policy, etag: computeEtag(policy) }))
  checker = new PermissionChecker(store, { now: () => Date.parse(T) })
})

afterAll(async () => {
  checker.close()
  await other.close()
  await dispose()
})

const invoke = (caller: { member: string }) =>
  checker.decideNow(caller, 'run.routes.invoke', SVC, { timeMs: Date.parse(T), path: '/' })

describe('deny chains', () => {
  it('costs nothing while no deny policy exists: decideNow is synchronous after the first load', async () => {
    expect((await invoke(ALICE)).allowed).toBe(true)
    const d = invoke(ALICE)
    expect(isSync(d)).toBe(true)
    expect(await checker.denyPoliciesFor(SVC)).toEqual([])
  })

  it('follows another process’s deny policy at the next refresh, then decides synchronously', async () => {
    const record: DenyPolicyRecord = {
      attachmentPoint: 'cloudresourcemanager.googleapis.com/projects/777',
      policyId: 'no-alice',
      uid: 'u',
      rules: [
        {
          denyRule: {
            deniedPrincipals: ['principal://goog/subject/alice@example.com'],
            deniedPermissions: ['run.googleapis.com/routes.invoke'],
            denialCondition: { expression: 'request.path.startsWith("/")' },
          },
        },
      ],
      etag: 'e1',
      createTime: T,
      updateTime: T,
    }
    await other.transact((tx) => tx.createDenyPolicy(record))
    await store.refresh()
    const first = await invoke(ALICE)
    expect(first.allowed).toBe(false)
    expect(first.deny?.by).toEqual([
      {
        policy:
          'policies/cloudresourcemanager.googleapis.com%2Fprojects%2F777/denypolicies/no-alice',
        ruleIndex: 0,
      },
    ])
    const again = invoke(ALICE)
    expect(isSync(again)).toBe(true)
    expect((again as Decision).allowed).toBe(false)
    expect((await invoke(BOB)).allowed).toBe(true)
    // The admin path too: require refuses, test leaves the permission out.
    await expect(checker.require(ALICE, 'run.routes.invoke', SVC)).rejects.toMatchObject({
      reason: 'IAM_PERMISSION_DENIED',
    })
    expect(await checker.test(BOB, SVC, ['run.routes.invoke'])).toEqual(['run.routes.invoke'])
    await other.transact((tx) => tx.deleteDenyPolicy(record.attachmentPoint, record.policyId))
    await store.refresh()
    expect((await invoke(ALICE)).allowed).toBe(true)
  })
})
