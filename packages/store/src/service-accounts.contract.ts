// The Store contract for service accounts and their keys, run on every engine beside the main
// suite (store.contract.ts) by the *.contract.test.ts wiring files. Fresh store per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError, type Policy } from '@runiam/core'
import type { ServiceAccountKeyRecord, ServiceAccountRecord } from './records.js'
import type { Store } from './store.js'
import type { StoreContractOptions } from './store.contract.js'

const T0 = '2026-01-02T03:04:05.000Z'

function account(id: string, project = 'p1', extra: Partial<ServiceAccountRecord> = {}) {
  const sa: ServiceAccountRecord = {
    email: `${id}@${project}.iam.gserviceaccount.com`,
    projectId: project,
    uniqueId:
      `1${String(id.length).padStart(2, '0')}${[...id].map((c) => c.charCodeAt(0) % 10).join('')}`
        .padEnd(21, '7')
        .slice(0, 21),
    displayName: `SA ${id}`,
    description: 'é✓ description',
    disabled: false,
    etag: `e-${id}`,
    createTime: T0,
    ...extra,
  }
  return sa
}

function key(keyId: string, email: string, extra: Partial<ServiceAccountKeyRecord> = {}) {
  const k: ServiceAccountKeyRecord = {
    keyId,
    serviceAccountEmail: email,
    publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n',
    keyAlgorithm: 'KEY_ALG_RSA_2048',
    validAfterTime: T0,
    validBeforeTime: '9999-12-31T23:59:59Z',
    disabled: false,
    createTime: T0,
    ...extra,
  }
  return k
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

const POLICY: Policy = {
  version: 1,
  etag: 'BwE=',
  bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:a@example.com'] }],
}

export function describeServiceAccountContract(options: StoreContractOptions): void {
  describe(`Store contract (service accounts): ${options.name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    it('creates and reads an account by email (any case) and by unique id', async () => {
      const sa = account('alpha-sa')
      await store.transact((tx) => tx.createServiceAccount(sa))
      expect(await store.getServiceAccount(sa.email)).toEqual(sa)
      expect(await store.getServiceAccount(sa.email.toUpperCase())).toEqual(sa)
      expect(await store.getServiceAccount(sa.uniqueId)).toEqual(sa)
      expect(await store.getServiceAccount('nobody@p1.iam.gserviceaccount.com')).toBeUndefined()
    })

    it('refuses a taken email or unique id with ALREADY_EXISTS', async () => {
      const sa = account('alpha-sa')
      await store.transact((tx) => tx.createServiceAccount(sa))
      expect(await errorOf(store.transact((tx) => tx.createServiceAccount(sa)))).toEqual({
        code: Code.ALREADY_EXISTS,
        reason: 'ALREADY_EXISTS',
      })
      const sameId = account('beta-sa', 'p1', { uniqueId: sa.uniqueId })
      expect(await errorOf(store.transact((tx) => tx.createServiceAccount(sameId)))).toEqual({
        code: Code.ALREADY_EXISTS,
        reason: 'ALREADY_EXISTS',
      })
    })

    it('lists a project’s accounts by email with paging', async () => {
      await store.transact(async (tx) => {
        for (const id of ['cc-account', 'aa-account', 'bb-account']) {
          await tx.createServiceAccount(account(id))
        }
        await tx.createServiceAccount(account('zz-account', 'p2'))
      })
      const first = await store.listServiceAccounts('p1', { pageSize: 2 })
      expect(first.items.map((s) => s.email.split('@')[0])).toEqual(['aa-account', 'bb-account'])
      expect(first.nextPageToken).toBeDefined()
      const second = await store.listServiceAccounts('p1', {
        pageSize: 2,
        ...(first.nextPageToken === undefined ? {} : { pageToken: first.nextPageToken }),
      })
      expect(second.items.map((s) => s.email.split('@')[0])).toEqual(['cc-account'])
      expect(second.nextPageToken).toBeUndefined()
      expect((await store.listServiceAccounts('p3')).items).toEqual([])
    })

    it('updates an account; NOT_FOUND for a missing one', async () => {
      const sa = account('alpha-sa')
      await store.transact((tx) => tx.createServiceAccount(sa))
      const changed = { ...sa, disabled: true, displayName: 'new', etag: 'e2' }
      await store.transact((tx) => tx.updateServiceAccount(changed))
      expect(await store.getServiceAccount(sa.email)).toEqual(changed)
      expect(
        await errorOf(store.transact((tx) => tx.updateServiceAccount(account('missing-sa')))),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
    })

    it('keeps keys (public halves) per account, ordered by id, and deletes them', async () => {
      const sa = account('alpha-sa')
      await store.transact(async (tx) => {
        await tx.createServiceAccount(sa)
        await tx.createServiceAccountKey(key('bb'.repeat(20), sa.email))
        await tx.createServiceAccountKey(key('aa'.repeat(20), sa.email))
      })
      expect((await store.listServiceAccountKeys(sa.email)).map((k) => k.keyId)).toEqual([
        'aa'.repeat(20),
        'bb'.repeat(20),
      ])
      expect(await store.getServiceAccountKey('aa'.repeat(20))).toEqual(
        key('aa'.repeat(20), sa.email),
      )
      const disabled = { ...key('aa'.repeat(20), sa.email), disabled: true }
      await store.transact((tx) => tx.updateServiceAccountKey(disabled))
      expect((await store.getServiceAccountKey('aa'.repeat(20)))?.disabled).toBe(true)
      await store.transact((tx) => tx.deleteServiceAccountKey('aa'.repeat(20)))
      expect(await store.getServiceAccountKey('aa'.repeat(20))).toBeUndefined()
      expect(
        await errorOf(store.transact((tx) => tx.deleteServiceAccountKey('aa'.repeat(20)))),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
      expect(
        await errorOf(
          store.transact((tx) => tx.createServiceAccountKey(key('bb'.repeat(20), sa.email))),
        ),
      ).toEqual({ code: Code.ALREADY_EXISTS, reason: 'ALREADY_EXISTS' })
      expect(
        await errorOf(
          store.transact((tx) =>
            tx.createServiceAccountKey(key('cc'.repeat(20), 'ghost@p1.iam.gserviceaccount.com')),
          ),
        ),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
    })

    it('deleting an account deletes its keys and its policy, and tells the feed', async () => {
      const sa = account('alpha-sa')
      const other = account('other-sa')
      const name = `projects/p1/serviceAccounts/${sa.email}`
      await store.transact(async (tx) => {
        await tx.createServiceAccount(sa)
        await tx.createServiceAccount(other)
        await tx.createServiceAccountKey(key('aa'.repeat(20), sa.email))
        await tx.createServiceAccountKey(key('dd'.repeat(20), other.email))
        await tx.putPolicy(name, POLICY)
      })
      const seen: string[] = []
      const off = store.onChange((cs) => seen.push(...cs.map((c) => `${c.kind} ${c.name}`)))
      await store.transact((tx) => tx.deleteServiceAccount(sa.email))
      off()
      expect(await store.getServiceAccount(sa.email)).toBeUndefined()
      expect(await store.getServiceAccountKey('aa'.repeat(20))).toBeUndefined()
      expect(await store.getPolicy(name)).toBeUndefined()
      expect(await store.getServiceAccountKey('dd'.repeat(20))).toBeDefined()
      expect(seen).toContain(`serviceAccount ${name}`)
      expect(seen).toContain(`policy ${name}`)
      expect(await errorOf(store.transact((tx) => tx.deleteServiceAccount(sa.email)))).toEqual({
        code: Code.NOT_FOUND,
        reason: 'NOT_FOUND',
      })
    })

    it('rolls back an account created in a failed transaction', async () => {
      const sa = account('alpha-sa')
      await expect(
        store.transact(async (tx) => {
          await tx.createServiceAccount(sa)
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect(await store.getServiceAccount(sa.email)).toBeUndefined()
    })

    it('lockServiceAccount makes count-then-insert exact under concurrent writers', async () => {
      const sa = account('locked-acct')
      await store.transact((tx) => tx.createServiceAccount(sa))
      const LIMIT = 10
      // 16 writers, each: lock, count, insert if under the limit. Without the lock, PostgreSQL at
      // READ COMMITTED lets several count the same 9 and all insert.
      const outcomes = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          store
            .transact(async (tx) => {
              await tx.lockServiceAccount(sa.email)
              const n = (await tx.listServiceAccountKeys(sa.email)).length
              if (n >= LIMIT) return 'full'
              await new Promise((r) => setTimeout(r, 5)) // widen the race window
              await tx.createServiceAccountKey(key(`k${String(i).padStart(2, '0')}`, sa.email))
              return 'created'
            })
            .catch((err: unknown) => (isIamError(err) ? err.code : 'error')),
        ),
      )
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(LIMIT)
      expect(await store.listServiceAccountKeys(sa.email)).toHaveLength(LIMIT)
      await expect(
        store.transact((tx) => tx.lockServiceAccount('nobody@p1.iam.gserviceaccount.com')),
      ).rejects.toMatchObject({ code: Code.NOT_FOUND })
    })

    it('survives a reopen', async () => {
      const openSame = options.openSame
      if (openSame === undefined) return
      const sa = account('alpha-sa')
      await store.transact(async (tx) => {
        await tx.createServiceAccount(sa)
        await tx.createServiceAccountKey(key('aa'.repeat(20), sa.email))
      })
      const again = await openSame(store)
      try {
        expect(await again.getServiceAccount(sa.uniqueId)).toEqual(sa)
        expect(await again.listServiceAccountKeys(sa.email)).toHaveLength(1)
      } finally {
        await again.close()
      }
    })
  })
}
