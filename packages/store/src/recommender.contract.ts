// The Store contract for the recommenders' rows, run on every engine by the *.contract.test.ts
// wiring files: usage keeps the latest use per permission, first sightings the earliest, reads are
// limited to one project (not a project whose id merely starts alike), state rows compare-and-set
// on their etag and survive a reopen. Fresh store per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, isIamError } from '@runiam/core'
import type { GrantUsageRecord, RecommendationStateRecord } from './recommender-store.js'
import type { Store } from './store.js'
import type { StoreContractOptions } from './store.contract.js'

const SVC = 'projects/p1/locations/us-central1/services/web'
const use = (
  scope: string,
  permission: string,
  lastUsedMs: number,
  member = 'user:a@example.com',
): GrantUsageRecord => ({
  scope,
  role: 'roles/run.admin',
  member,
  condition: '',
  permission,
  lastUsedMs,
})

const state = (etag: string, s = 'CLAIMED'): RecommendationStateRecord => ({
  name: 'projects/p1/locations/global/recommenders/google.iam.policy.Recommender/recommendations/r1',
  parent: 'projects/p1/locations/global/recommenders/google.iam.policy.Recommender',
  state: s,
  stateMetadata: { ticket: 'T-1' },
  etag,
  updateTime: '2026-12-01T00:00:00.000Z',
  recommendation: { name: 'r1', description: 'é✓' },
})

export function describeRecommenderContract(options: StoreContractOptions): void {
  describe(`Store contract (recommender): ${options.name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    it('keeps the latest use per grant and permission, within one project', async () => {
      await store.transact(async (tx) => {
        await tx.recordGrantUsage([
          use('projects/p1', 'run.services.get', 2000),
          use('projects/p1', 'run.services.get', 1000),
          use(SVC, 'run.routes.invoke', 5000),
          use('projects/p10', 'run.services.get', 7000),
          use('projects/p1x', 'run.services.get', 7000),
        ])
      })
      await store.transact((tx) =>
        tx.recordGrantUsage([use('projects/p1', 'run.services.get', 1500)]),
      )
      const rows = await store.listGrantUsage('projects/p1')
      expect(rows).toEqual([
        use('projects/p1', 'run.services.get', 2000),
        use(SVC, 'run.routes.invoke', 5000),
      ])
      await store.transact((tx) => tx.recordGrantUsage([use(SVC, 'run.routes.invoke', 9000)]))
      expect((await store.listGrantUsage('projects/p1'))[1]?.lastUsedMs).toBe(9000)
      expect(await store.listGrantUsage('projects/none')).toEqual([])
      await store.transact((tx) => tx.recordGrantUsage([]))
    })

    it('keeps the earliest sighting and forgets on request', async () => {
      const seen = (firstSeenMs: number, scope = 'projects/p1') => ({
        scope,
        role: 'roles/run.viewer',
        member: 'group:g@example.com',
        condition: 'request.time < timestamp("2030-01-01T00:00:00Z")',
        firstSeenMs,
      })
      await store.transact((tx) =>
        tx.recordGrantsSeen([seen(3000), seen(2000), seen(1, 'projects/p2')]),
      )
      await store.transact((tx) => tx.recordGrantsSeen([seen(2500)]))
      expect(await store.listGrantsSeen('projects/p1')).toEqual([seen(2000)])
      await store.transact((tx) => tx.forgetGrantsSeen([seen(0)]))
      expect(await store.listGrantsSeen('projects/p1')).toEqual([])
      expect(await store.listGrantsSeen('projects/p2')).toEqual([seen(1, 'projects/p2')])
    })

    it('compare-and-sets recommendation states on their etag', async () => {
      const first = state('e1')
      await store.transact((tx) => tx.putRecommendationState(first, { ifEtag: null }))
      expect(await store.getRecommendationState(first.name)).toEqual(first)
      const again = await store
        .transact((tx) => tx.putRecommendationState(state('e9'), { ifEtag: null }))
        .catch((e: unknown) => e)
      expect(isIamError(again) && again.code === Code.ABORTED).toBe(true)
      const stale = await store
        .transact((tx) => tx.putRecommendationState(state('e2'), { ifEtag: 'nope' }))
        .catch((e: unknown) => e)
      expect(isIamError(stale) && stale.code === Code.ABORTED).toBe(true)
      const next = state('e2', 'SUCCEEDED')
      await store.transact((tx) => tx.putRecommendationState(next, { ifEtag: 'e1' }))
      expect(await store.listRecommendationStates(first.parent)).toEqual([next])
      expect(
        await store.listRecommendationStates('projects/p1/locations/global/recommenders/x'),
      ).toEqual([])
      if (options.openSame !== undefined) {
        const reopened = await options.openSame(store)
        try {
          expect(await reopened.getRecommendationState(first.name)).toEqual(next)
        } finally {
          await reopened.close()
        }
      }
    })
  })
}
