// The Store contract for IAM custom roles, run on every engine beside the main suite by the
// *.contract.test.ts wiring files: create, read, list (deleted ones only when asked), compare-and-
// set updates, purge, the lock that makes the 300-role limit exact, finding the policies that bind
// a role, and the change feed. Fresh store per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError, type Policy } from '@runiam/core'
import type { CustomRoleRecord } from './custom-roles.js'
import type { Store } from './store.js'
import type { StoreContractOptions } from './store.contract.js'

const T0 = '2026-01-02T03:04:05.000Z'

function role(name: string, extra: Partial<CustomRoleRecord> = {}): CustomRoleRecord {
  const parent = name.split('/roles/')[0] ?? ''
  return {
    name,
    parent,
    title: `Role ${name.split('/').pop() ?? ''} é✓`,
    description: 'Can invoke.',
    includedPermissions: ['run.routes.invoke', 'run.services.get'],
    stage: 'GA',
    etag: `e-${name.length}`,
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

const policy = (roles: string[]): Policy => ({
  version: 1,
  etag: 'BwE=',
  bindings: roles.map((r) => ({ role: r, members: ['user:a@example.com'] })),
})

export function describeCustomRoleContract(options: StoreContractOptions): void {
  describe(`Store contract (custom roles): ${options.name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    it('creates and reads roles, one by one and several at once', async () => {
      const a = role('projects/p1/roles/alpha')
      const b = role('organizations/123/roles/beta', { stage: 'ALPHA', includedPermissions: [] })
      await store.transact(async (tx) => {
        await tx.createCustomRole(a)
        await tx.createCustomRole(b)
      })
      expect(await store.getCustomRole(a.name)).toEqual(a)
      expect(await store.getCustomRole('projects/p1/roles/missing')).toBeUndefined()
      const many = await store.getCustomRoles([a.name, b.name, 'projects/p9/roles/x', a.name])
      expect([...many.keys()].sort()).toEqual([b.name, a.name])
      expect(many.get(b.name)).toEqual(b)
      expect((await store.getCustomRoles([])).size).toBe(0)
    })

    it('refuses a taken name with ALREADY_EXISTS, a deleted role included', async () => {
      const a = role('projects/p1/roles/alpha', { deleteTime: T0 })
      await store.transact((tx) => tx.createCustomRole(a))
      expect(await errorOf(store.transact((tx) => tx.createCustomRole(role(a.name))))).toEqual({
        code: Code.ALREADY_EXISTS,
        reason: 'ALREADY_EXISTS',
      })
    })

    it('lists a parent’s roles by name with paging; deleted ones only when asked', async () => {
      await store.transact(async (tx) => {
        for (const id of ['cc', 'aa', 'bb', 'dd']) {
          await tx.createCustomRole(
            role(`projects/p1/roles/${id}`, id === 'bb' ? { deleteTime: T0 } : {}),
          )
        }
        await tx.createCustomRole(role('projects/p10/roles/aa'))
        await tx.createCustomRole(role('organizations/1/roles/aa'))
      })
      const ids = (rs: readonly CustomRoleRecord[]) => rs.map((r) => r.name.split('/').pop())
      const first = await store.listCustomRoles('projects/p1', { pageSize: 2 })
      expect(ids(first.items)).toEqual(['aa', 'cc'])
      expect(first.nextPageToken).toBeDefined()
      const second = await store.listCustomRoles('projects/p1', {
        pageSize: 2,
        ...(first.nextPageToken === undefined ? {} : { pageToken: first.nextPageToken }),
      })
      expect(ids(second.items)).toEqual(['dd'])
      expect(second.nextPageToken).toBeUndefined()
      const all = await store.listCustomRoles('projects/p1', { showDeleted: true })
      expect(ids(all.items)).toEqual(['aa', 'bb', 'cc', 'dd'])
      expect(ids(await store.listAllCustomRoles('projects/p1'))).toEqual(['aa', 'bb', 'cc', 'dd'])
      expect((await store.listCustomRoles('projects/p2')).items).toEqual([])
    })

    it('updates with compare-and-set on the etag; deleting is an update, purging removes', async () => {
      const a = role('projects/p1/roles/alpha')
      await store.transact((tx) => tx.createCustomRole(a))
      const deleted = { ...a, deleteTime: '2026-02-01T00:00:00.000Z', etag: 'e2' }
      await store.transact((tx) => tx.updateCustomRole(deleted, { ifEtag: a.etag }))
      expect(await store.getCustomRole(a.name)).toEqual(deleted)
      expect((await store.listCustomRoles('projects/p1')).items).toEqual([])
      expect(
        await errorOf(
          store.transact((tx) => tx.updateCustomRole({ ...a, etag: 'e3' }, { ifEtag: a.etag })),
        ),
      ).toEqual({ code: Code.ABORTED, reason: 'ETAG_MISMATCH' })
      const undeleted: CustomRoleRecord = { ...a, etag: 'e3' }
      await store.transact((tx) => tx.updateCustomRole(undeleted))
      expect(await store.getCustomRole(a.name)).toEqual(undeleted)
      expect((await store.listCustomRoles('projects/p1')).items).toEqual([undeleted])
      expect(
        await errorOf(store.transact((tx) => tx.updateCustomRole(role('projects/p1/roles/nope')))),
      ).toEqual({ code: Code.NOT_FOUND, reason: 'NOT_FOUND' })
      await store.transact((tx) => tx.deleteCustomRole(a.name))
      expect(await store.getCustomRole(a.name)).toBeUndefined()
      expect(await errorOf(store.transact((tx) => tx.deleteCustomRole(a.name)))).toEqual({
        code: Code.NOT_FOUND,
        reason: 'NOT_FOUND',
      })
    })

    it('tells the change feed about every write (kind role)', async () => {
      const a = role('projects/p1/roles/alpha')
      const seen: string[] = []
      const off = store.onChange((cs) => seen.push(...cs.map((c) => `${c.kind} ${c.name}`)))
      const before = await store.revision()
      await store.transact((tx) => tx.createCustomRole(a))
      await store.transact((tx) => tx.updateCustomRole({ ...a, title: 'x' }))
      await store.transact((tx) => tx.deleteCustomRole(a.name))
      off()
      expect(seen).toEqual([`role ${a.name}`, `role ${a.name}`, `role ${a.name}`])
      const feed = await store.changesSince(before)
      expect(feed.changes.map((c) => `${c.kind} ${c.name}`)).toEqual(seen)
    })

    it('finds the stored policies that bind a role, and only those', async () => {
      const r = 'projects/p1/roles/alpha'
      await store.transact(async (tx) => {
        await tx.putPolicy('projects/p1', policy(['roles/run.invoker', r]))
        await tx.putPolicy('projects/p1/locations/l/services/s', policy([r]))
        await tx.putPolicy('projects/p1/locations/l/services/t', policy([`${r}2`]))
        await tx.putPolicy('projects/p2', policy(['roles/viewer']))
      })
      expect((await store.policiesBindingRole(r)).map((p) => p.resource)).toEqual([
        'projects/p1',
        'projects/p1/locations/l/services/s',
      ])
      const found = await store.policiesBindingRole(r)
      expect(found[0]?.policy).toEqual(policy(['roles/run.invoker', r]))
      expect(await store.policiesBindingRole('projects/p1/roles/none')).toEqual([])
    })

    it('rolls back a role created in a failed transaction', async () => {
      const a = role('projects/p1/roles/alpha')
      await expect(
        store.transact(async (tx) => {
          await tx.createCustomRole(a)
          throw new Error('boom')
        }),
      ).rejects.toThrow('boom')
      expect(await store.getCustomRole(a.name)).toBeUndefined()
    })

    it('lockCustomRoles makes count-then-insert exact under concurrent writers', async () => {
      const LIMIT = 5
      // 12 writers, each: lock the parent, count its roles, insert if under the limit. Without
      // the lock, PostgreSQL at READ COMMITTED lets several count the same 4 and all insert.
      const outcomes = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          store
            .transact(async (tx) => {
              await tx.lockCustomRoles('projects/p1')
              const n = (await tx.listAllCustomRoles('projects/p1')).length
              if (n >= LIMIT) return 'full'
              await new Promise((r) => setTimeout(r, 5)) // widen the race window
              await tx.createCustomRole(role(`projects/p1/roles/r${String(i).padStart(2, '0')}`))
              return 'created'
            })
            .catch((err: unknown) => (isIamError(err) ? err.code : 'error')),
        ),
      )
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(LIMIT)
      expect(await store.listAllCustomRoles('projects/p1')).toHaveLength(LIMIT)
      // Another parent's lock does not wait for this one's.
      await store.transact(async (tx) => {
        await tx.lockCustomRoles('projects/p2')
        await tx.createCustomRole(role('projects/p2/roles/other'))
      })
    })

    it('survives a reopen', async () => {
      const openSame = options.openSame
      if (openSame === undefined) return
      const a = role('organizations/1/roles/alpha', { deleteTime: T0 })
      await store.transact((tx) => tx.createCustomRole(a))
      const again = await openSame(store)
      try {
        expect(await again.getCustomRole(a.name)).toEqual(a)
        expect(await again.listAllCustomRoles('organizations/1')).toEqual([a])
      } finally {
        await again.close()
      }
    })
  })
}
