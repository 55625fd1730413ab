// The Store contract for long-running operations beyond put/get (store.contract.ts): listing by
// name prefix with paging, and deleting. Run on every engine by the *.contract.test.ts wiring
// files. Fresh store per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError } from '@runiam/core'
import type { OperationRecord } from './records.js'
import type { Store } from './store.js'
import type { StoreContractOptions } from './store.contract.js'

const T0 = '2026-01-02T03:04:05.000Z'

function op(name: string, extra: Record<string, unknown> = {}): OperationRecord {
  return { name, body: { name, done: true, ...extra }, createTime: T0 }
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

const US = 'projects/p1/locations/us-central1/operations/'
const EU = 'projects/p1/locations/europe-west1/operations/'

export function describeOperationsContract(options: StoreContractOptions): void {
  describe(`Store contract (operations): ${options.name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    it('lists the operations under a prefix by name, paged, and nothing outside it', async () => {
      await store.transact(async (tx) => {
        for (const id of ['c', 'a', 'b', 'd']) await tx.putOperation(op(`${US}${id}`, { id }))
        await tx.putOperation(op(`${EU}a`))
        // Bytewise neighbours of the prefix: one character after it, and a longer location.
        await tx.putOperation(op('projects/p1/locations/us-central1/operations0'))
        await tx.putOperation(op('projects/p1/locations/us-central10/operations/x'))
        await tx.putOperation(op('projects/p10/locations/us-central1/operations/x'))
        await tx.putOperation(op('operations/cp.1'))
      })
      const first = await store.listOperations(US, { pageSize: 3 })
      expect(first.items.map((o) => o.name)).toEqual([`${US}a`, `${US}b`, `${US}c`])
      expect(first.items[0]).toEqual(op(`${US}a`, { id: 'a' }))
      expect(first.nextPageToken).toBeDefined()
      const second = await store.listOperations(US, {
        pageSize: 3,
        ...(first.nextPageToken === undefined ? {} : { pageToken: first.nextPageToken }),
      })
      expect(second.items.map((o) => o.name)).toEqual([`${US}d`])
      expect(second.nextPageToken).toBeUndefined()
      // Every location of a project: the prefix up to `locations/`.
      const all = await store.listOperations('projects/p1/locations/')
      expect(all.items.map((o) => o.name)).toEqual([
        `${EU}a`,
        `${US}a`,
        `${US}b`,
        `${US}c`,
        `${US}d`,
        'projects/p1/locations/us-central1/operations0',
        'projects/p1/locations/us-central10/operations/x',
      ])
      expect((await store.listOperations('projects/p2/locations/')).items).toEqual([])
    })

    it('deletes an operation; NOT_FOUND for a missing one; reads inside a transaction see it', async () => {
      await store.transact(async (tx) => {
        await tx.putOperation(op(`${US}a`))
        await tx.putOperation(op(`${US}b`))
      })
      await store.transact(async (tx) => {
        await tx.deleteOperation(`${US}a`)
        expect((await tx.listOperations(US)).items.map((o) => o.name)).toEqual([`${US}b`])
      })
      expect(await store.getOperation(`${US}a`)).toBeUndefined()
      expect(await errorOf(store.transact((tx) => tx.deleteOperation(`${US}a`)))).toEqual({
        code: Code.NOT_FOUND,
        reason: 'NOT_FOUND',
      })
    })

    it('a delete is a change of kind operation; a rolled-back one is not', async () => {
      await store.transact((tx) => tx.putOperation(op(`${US}a`)))
      const seen: string[] = []
      const stop = store.onChange((changes) => {
        for (const c of changes) seen.push(`${c.kind} ${c.name}`)
      })
      try {
        await store
          .transact(async (tx) => {
            await tx.deleteOperation(`${US}a`)
            throw new Error('roll back')
          })
          .catch(() => undefined)
        expect(await store.getOperation(`${US}a`)).toBeDefined()
        await store.transact((tx) => tx.deleteOperation(`${US}a`))
        expect(seen).toEqual([`operation ${US}a`])
      } finally {
        stop()
      }
    })
  })
}
