// The change feed's pruning and the 'reset' it leads to, pinned on every engine: old changes go,
// the newest are kept, and a process whose place in the feed was pruned away is told to drop all
// it caches instead of silently missing what changed.
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError } from '@runiam/core'
import type { Change, ResourceRecord } from './records.js'
import type { Store } from './store.js'
import type { StoreContractOptions } from './store.contract.js'

const LOC = 'projects/p1/locations/us-central1'
const T0 = '2026-01-02T03:04:05.000Z'

function service(id: string): ResourceRecord {
  const name = `${LOC}/services/${id}`
  return {
    name,
    kind: 'service',
    parent: LOC,
    body: { name },
    etag: `e-${id}`,
    createTime: T0,
    updateTime: T0,
  }
}

/** Creates the services, then lets the clock move on: "older than 0 s" then holds for them. */
async function create(store: Store, ids: readonly string[]): Promise<void> {
  for (const id of ids) await store.transact((tx) => tx.createResource(service(id)))
  await sleep(5)
}

export function describeFeedPruningContract(options: StoreContractOptions): void {
  describe(`Store contract: ${options.name}: change feed pruning`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    it('keeps the newest changes and what is younger than the retention', async () => {
      await create(store, ['a', 'b', 'c', 'd', 'e'])
      const head = await store.revision()
      // Nothing is old enough yet.
      expect(await store.pruneChanges({ olderThanSeconds: 3600, keepNewest: 1 })).toBe(0)
      expect((await store.changesSince(0)).changes).toHaveLength(5)
      // Old enough, but the newest two are kept whatever their age.
      expect(await store.pruneChanges({ olderThanSeconds: 0, keepNewest: 2 })).toBe(3)
      const left = (await store.changesSince(0)).changes
      expect(left.map((c) => c.revision)).toEqual([head - 1, head])
      expect(left.map((c) => c.name)).toEqual([service('d').name, service('e').name])
      // Pruning changes nothing else: the revision, the records, later commits.
      expect(await store.revision()).toBe(head)
      expect(await store.getResource(service('a').name)).toEqual(service('a'))
      await create(store, ['f'])
      expect((await store.changesSince(head)).changes.map((c) => c.name)).toEqual([
        service('f').name,
      ])
      expect(await store.pruneChanges({ olderThanSeconds: 0, keepNewest: 2 })).toBe(1)
    })

    it('refuses a negative retention and keeping fewer than one change', async () => {
      for (const bad of [
        { olderThanSeconds: -1, keepNewest: 1 },
        { olderThanSeconds: Number.NaN, keepNewest: 1 },
        { olderThanSeconds: 0, keepNewest: 0 },
        { olderThanSeconds: 0, keepNewest: 1.5 },
      ]) {
        const error = await store.pruneChanges(bad).catch((e: unknown) => e)
        expect(isIamError(error) && error.code).toBe(Code.INVALID_ARGUMENT)
        expect(isIamError(error) && error.reason).toBe('INVALID_PRUNE_OPTIONS')
      }
      await create(store, ['a'])
      expect((await store.changesSince(0)).changes).toHaveLength(1)
    })

    it("a process whose place in the feed was pruned hears 'reset', then follows again", async () => {
      const openSame = options.openSame
      if (openSame === undefined) return
      const other = await openSame(store)
      const seen: Change[][] = []
      const unsubscribe = other.onChange((changes) => seen.push([...changes]))
      try {
        // Within the feed: changes one by one, no reset.
        await create(store, ['a', 'b'])
        await other.refresh()
        expect(seen.flat().map((c) => c.kind)).toEqual(['resource', 'resource'])
        seen.length = 0
        // `other` falls behind, and what it missed is pruned away.
        await create(store, ['c', 'd', 'e'])
        expect(await store.pruneChanges({ olderThanSeconds: 0, keepNewest: 1 })).toBeGreaterThan(0)
        const head = await store.revision()
        expect(await other.refresh()).toBe(head)
        const kinds = seen.flat().map((c) => c.kind)
        // The reset comes first, in the same delivery as what the feed still holds.
        expect(kinds[0]).toBe('reset')
        expect(kinds.slice(1)).toEqual(['resource'])
        expect(seen.flat()[1]?.name).toBe(service('e').name)
        expect(other.appliedRevision()).toBe(head)
        // Caught up again: the next commit arrives as itself, no second reset.
        seen.length = 0
        await create(store, ['f'])
        await other.refresh()
        expect(seen.flat().map((c) => `${c.kind}:${c.name}`)).toEqual([
          `resource:${service('f').name}`,
        ])
        // A process that is up to date hears no reset when older changes are pruned.
        expect(await store.pruneChanges({ olderThanSeconds: 0, keepNewest: 1 })).toBeGreaterThan(0)
        seen.length = 0
        await create(store, ['g'])
        await other.refresh()
        expect(seen.flat().map((c) => c.kind)).toEqual(['resource'])
      } finally {
        unsubscribe()
        await other.close()
      }
    })
  })
}
