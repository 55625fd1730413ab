// The Store contract for IAM deny policies, run on every engine beside the main suite by the
// *.contract.test.ts wiring files: create, read, list (paged), read several attachment points at
// once, compare-and-set updates and deletes, the lock that makes the 500-policy limit exact, and
// the change feed (kind denyPolicy, named by the attachment point). Fresh store per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError } from '@runiam/core'
import type { DenyPolicyRecord } from './deny-policies.js'
import type { Store } from './store.js'
import type { StoreContractOptions } from './store.contract.js'

const T0 = '2026-01-02T03:04:05.000Z'
const ORG = 'cloudresourcemanager.googleapis.com/organizations/123'
const PROJECT = 'cloudresourcemanager.googleapis.com/projects/4567'

function deny(point: string, id: string, extra: Partial<DenyPolicyRecord> = {}): DenyPolicyRecord {
  return {
    attachmentPoint: point,
    policyId: id,
    uid: `uid-${id}`,
    displayName: `Deny é✓ ${id}`,
    rules: [
      {
        description: 'no invoke',
        denyRule: {
          deniedPrincipals: ['principalSet://goog/public:all'],
          deniedPermissions: ['run.googleapis.com/routes.invoke'],
          denialCondition: { expression: 'request.path.startsWith("/admin")' },
        },
      },
    ],
    etag: `e-${id}`,
    createTime: T0,
    updateTime: T0,
    ...extra,
  }
}

async function errorOf(p: Promise<unknown>): Promise<{ code: number; reason: string }> {
  try {
    await p
  } catch (e) {
    if (isIamError(e)) return { code: e.code, reason: e.reason }
    throw e
  }
  throw new Error('expected an IamError')
}

export function describeDenyPolicyContract(options: StoreContractOptions): void {
  describe(`Store contract (deny policies): ${options.name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    it('creates, reads, lists and reads several attachment points at once', async () => {
      expect(await store.hasDenyPolicies()).toBe(false)
      const a = deny(ORG, 'alpha')
      const b = deny(PROJECT, 'beta', { annotations: { k: 'v' } })
      const c = deny(PROJECT, 'gamma')
      await store.transact(async (tx) => {
        await tx.createDenyPolicy(c)
        await tx.createDenyPolicy(a)
        await tx.createDenyPolicy(b)
      })
      expect(await store.hasDenyPolicies()).toBe(true)
      expect(await store.getDenyPolicy(ORG, 'alpha')).toEqual(a)
      expect(await store.getDenyPolicy(ORG, 'beta')).toBeUndefined()
      const page1 = await store.listDenyPolicies(PROJECT, { pageSize: 1 })
      expect(page1.items).toEqual([b])
      const page2 = await store.listDenyPolicies(PROJECT, {
        pageSize: 1,
        pageToken: page1.nextPageToken ?? '',
      })
      expect(page2.items).toEqual([c])
      expect(page2.nextPageToken).toBeUndefined()
      expect(await store.denyPoliciesAt([PROJECT, ORG, 'nowhere'])).toEqual([a, b, c])
      expect(await store.denyPoliciesAt([])).toEqual([])
      expect(await errorOf(store.transact((tx) => tx.createDenyPolicy(a)))).toEqual({
        code: Code.ALREADY_EXISTS,
        reason: 'ALREADY_EXISTS',
      })
    })

    it('updates and deletes with compare-and-set on the etag', async () => {
      const a = deny(PROJECT, 'alpha')
      await store.transact((tx) => tx.createDenyPolicy(a))
      const a2 = { ...a, etag: 'e2', displayName: 'second' }
      expect(
        await errorOf(store.transact((tx) => tx.updateDenyPolicy(a2, { ifEtag: 'stale' }))),
      ).toEqual({ code: Code.ABORTED, reason: 'ETAG_MISMATCH' })
      await store.transact((tx) => tx.updateDenyPolicy(a2, { ifEtag: a.etag }))
      expect(await store.getDenyPolicy(PROJECT, 'alpha')).toEqual(a2)
      await store.transact((tx) => tx.updateDenyPolicy({ ...a2, etag: 'e3' }))
      expect(
        await errorOf(store.transact((tx) => tx.updateDenyPolicy(deny(PROJECT, 'missing')))),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
      expect(
        await errorOf(
          store.transact((tx) => tx.deleteDenyPolicy(PROJECT, 'alpha', { ifEtag: 'e2' })),
        ),
      ).toEqual({ code: Code.ABORTED, reason: 'ETAG_MISMATCH' })
      await store.transact((tx) => tx.deleteDenyPolicy(PROJECT, 'alpha', { ifEtag: 'e3' }))
      expect(await store.getDenyPolicy(PROJECT, 'alpha')).toBeUndefined()
      expect(await errorOf(store.transact((tx) => tx.deleteDenyPolicy(PROJECT, 'alpha')))).toEqual({
        code: Code.NOT_FOUND,
        reason: 'NOT_FOUND',
      })
      expect(await store.hasDenyPolicies()).toBe(false)
    })

    it('tells the change feed, named by the attachment point; a rollback tells nothing', async () => {
      const seen: string[] = []
      const off = store.onChange((cs) => seen.push(...cs.map((c) => `${c.kind} ${c.name}`)))
      const before = await store.revision()
      await store.transact((tx) => tx.createDenyPolicy(deny(ORG, 'alpha')))
      await store.transact((tx) => tx.deleteDenyPolicy(ORG, 'alpha'))
      await store
        .transact(async (tx) => {
          await tx.createDenyPolicy(deny(ORG, 'beta'))
          throw new Error('roll back')
        })
        .catch(() => undefined)
      off()
      expect(seen).toEqual([`denyPolicy ${ORG}`, `denyPolicy ${ORG}`])
      const feed = await store.changesSince(before)
      expect(feed.changes.map((c) => `${c.kind} ${c.name}`)).toEqual(seen)
      expect(await store.getDenyPolicy(ORG, 'beta')).toBeUndefined()
    })

    it('lockDenyPolicies makes count-then-insert exact under concurrent writers', async () => {
      const LIMIT = 5
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store
            .transact(async (tx) => {
              await tx.lockDenyPolicies(PROJECT)
              const n = (await tx.denyPoliciesAt([PROJECT])).length
              if (n >= LIMIT) return 'full'
              await new Promise((r) => setTimeout(r, 5)) // widen the race window
              await tx.createDenyPolicy(deny(PROJECT, `p${String(i).padStart(2, '0')}`))
              return 'created'
            })
            .catch((err: unknown) => (isIamError(err) ? err.code : 'error')),
        ),
      )
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(LIMIT)
      expect(await store.denyPoliciesAt([PROJECT])).toHaveLength(LIMIT)
    })

    it('survives a reopen', async () => {
      const openSame = options.openSame
      if (openSame === undefined) return
      const a = deny(ORG, 'alpha')
      await store.transact((tx) => tx.createDenyPolicy(a))
      const again = await openSame(store)
      try {
        expect(await again.getDenyPolicy(ORG, 'alpha')).toEqual(a)
      } finally {
        await again.close()
      }
    })
  })
}
