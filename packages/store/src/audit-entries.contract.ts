// Audit entries on every engine: append, select by parent / log name / time, both orders with a
// cursor, a taken insertId refused, pruning by age, and nothing kept of a rolled-back transaction.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError } from '@runiam/core'
import type { AuditEntryRecord } from './audit-entries.js'
import type { Store } from './store.js'
import type { StoreContractOptions } from './store.contract.js'

const ACTIVITY = 'cloudaudit.googleapis.com%2Factivity'

function entry(
  n: number,
  parent = 'projects/p1',
  log = ACTIVITY,
  time = `2026-01-02T03:04:${String(n).padStart(2, '0')}.000Z`,
): AuditEntryRecord {
  return {
    insertId: `id-${String(n).padStart(3, '0')}`,
    timestamp: time,
    logName: `${parent}/logs/${log}`,
    parent,
    resourceName: `${parent}/locations/l/services/s${n}`,
    methodName: 'google.cloud.run.v2.Services.SetIamPolicy',
    principal: 'alice@example.com',
    entry: { insertId: `id-${n}`, protoPayload: { b: 2, a: 1 } },
  }
}

export function describeAuditEntriesContract(options: StoreContractOptions): void {
  describe(`Store contract: ${options.name}: audit entries`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    it('keeps entries as written and lists them by parent in time order', async () => {
      await store.transact(async (tx) => {
        await tx.appendAuditEntry(entry(3))
        await tx.appendAuditEntry(entry(1))
        await tx.appendAuditEntry(entry(2, 'projects/p2'))
      })
      const asc = await store.listAuditEntries({ parents: ['projects/p1'], limit: 10 })
      expect(asc.map((e) => e.insertId)).toEqual(['id-001', 'id-003'])
      expect(asc[0]).toEqual(entry(1))
      expect(JSON.stringify(asc[0]?.entry)).toBe(JSON.stringify(entry(1).entry))
      const both = await store.listAuditEntries({
        parents: ['projects/p1', 'projects/p2'],
        descending: true,
        limit: 10,
      })
      expect(both.map((e) => e.insertId)).toEqual(['id-003', 'id-002', 'id-001'])
    })

    it('pages with a cursor in both orders, ties broken by insertId', async () => {
      const same = '2026-01-02T03:04:05.000Z'
      await store.transact(async (tx) => {
        for (const n of [1, 2, 3, 4])
          await tx.appendAuditEntry(entry(n, 'projects/p1', ACTIVITY, same))
      })
      const first = await store.listAuditEntries({ parents: ['projects/p1'], limit: 2 })
      expect(first.map((e) => e.insertId)).toEqual(['id-001', 'id-002'])
      const next = await store.listAuditEntries({
        parents: ['projects/p1'],
        limit: 2,
        cursor: { timestamp: same, insertId: 'id-002' },
      })
      expect(next.map((e) => e.insertId)).toEqual(['id-003', 'id-004'])
      const back = await store.listAuditEntries({
        parents: ['projects/p1'],
        limit: 5,
        descending: true,
        cursor: { timestamp: same, insertId: 'id-003' },
      })
      expect(back.map((e) => e.insertId)).toEqual(['id-002', 'id-001'])
    })

    it('selects by log name and time bounds', async () => {
      await store.transact(async (tx) => {
        await tx.appendAuditEntry(entry(1))
        await tx.appendAuditEntry(
          entry(2, 'projects/p1', 'cloudaudit.googleapis.com%2Fdata_access'),
        )
        await tx.appendAuditEntry(entry(3))
      })
      const activity = await store.listAuditEntries({
        parents: ['projects/p1'],
        logNames: [`projects/p1/logs/${ACTIVITY}`],
        limit: 10,
      })
      expect(activity.map((e) => e.insertId)).toEqual(['id-001', 'id-003'])
      const window = await store.listAuditEntries({
        parents: ['projects/p1'],
        since: '2026-01-02T03:04:02.000Z',
        until: '2026-01-02T03:04:02.000Z',
        limit: 10,
      })
      expect(window.map((e) => e.insertId)).toEqual(['id-002'])
      expect(await store.listAuditEntries({ parents: [], limit: 10 })).toEqual([])
    })

    it('refuses a taken insertId and keeps nothing of a rolled-back transaction', async () => {
      await store.transact((tx) => tx.appendAuditEntry(entry(1)))
      const err = await store
        .transact((tx) => tx.appendAuditEntry(entry(1)))
        .catch((e: unknown) => e)
      expect(isIamError(err) && err.code === Code.ALREADY_EXISTS).toBe(true)
      await store
        .transact(async (tx) => {
          await tx.appendAuditEntry(entry(2))
          throw new Error('rolled back')
        })
        .catch(() => undefined)
      const all = await store.listAuditEntries({ parents: ['projects/p1'], limit: 10 })
      expect(all.map((e) => e.insertId)).toEqual(['id-001'])
    })

    it('prunes entries older than a time and says how many went', async () => {
      await store.transact(async (tx) => {
        for (const n of [1, 2, 3]) await tx.appendAuditEntry(entry(n))
      })
      const gone = await store.transact((tx) => tx.pruneAuditEntries('2026-01-02T03:04:03.000Z'))
      expect(gone).toBe(2)
      const left = await store.listAuditEntries({ parents: ['projects/p1'], limit: 10 })
      expect(left.map((e) => e.insertId)).toEqual(['id-003'])
    })
  })
}
