// The decision index's chains on real SQLite: a resource with a policy of its own is kept as that
// policy bound to its ancestors' (chainOf), one ancestors' list shared under each project. A
// change to any level — the project's grant revoked or given again, the service's own policy
// replaced — is decided on at the next decideNow, synchronously once cached again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { computeEtag, type Binding, type Policy } from '@runiam/core'
import type { Store } from '@runiam/store'
import { PermissionChecker } from './permission-checker.js'
import { FIXTURE_TIME as T, openOrgProjectStore } from './test-harness.js'

const PROJECT = 'projects/p'
const SVC = 'projects/p/locations/us-central1/services/s'
const SVC2 = 'projects/p/locations/us-central1/services/s2'
const OTHER = 'projects/p/locations/us-central1/services/s3'
const ALICE = { member: 'user:alice@example.com' }
const BOB = { member: 'user:bob@example.com' }

let store: Store
let dispose: () => Promise<void>
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
  ;({ store, dispose } = await openOrgProjectStore('runiam-permission-chains-'))
  await put(PROJECT, invoker(ALICE.member))
  await put(SVC, invoker(BOB.member))
  await put(OTHER, invoker('user:carol@example.com'))
  checker = new PermissionChecker(store, { now: () => Date.parse(T) })
})

afterAll(async () => {
  checker.close()
  await dispose()
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

describe('what a change drops', () => {
  const SA = 'projects/p/serviceAccounts/runner@p.iam.gserviceaccount.com'
  const SA_SHOUTED = 'projects/p/serviceAccounts/RUNNER@P.IAM.GSERVICEACCOUNT.COM'
  const SA_KEY = `${SA}/keys/k1`
  const BY_NUMBER = SVC.replace('projects/p/', 'projects/777/')

  it('a service’s own policy: the other services’ chains stay cached (decided synchronously)', async () => {
    await put(SVC, invoker(BOB.member))
    for (const s of [SVC, SVC2, OTHER]) await allowedNowAndCached(ALICE, s)
    await put(SVC, invoker('user:frank@example.com'))
    expect((await invoke(ALICE, OTHER)).sync).toBe(true)
    expect((await invoke(ALICE, SVC2)).sync).toBe(true)
    // The changed one is read again, and decided under its new policy.
    const after = await invoke(BOB, SVC)
    expect(after.sync).toBe(false)
    expect(after.allowed).toBe(false)
    expect(await allowedNowAndCached({ member: 'user:frank@example.com' }, SVC)).toBe(true)
    await put(SVC, invoker(BOB.member))
  })

  it('a revocation reaches the chains kept under every spelling of the resource', async () => {
    await put(SA, invoker(BOB.member))
    for (const name of [SVC, BY_NUMBER, SA, SA_SHOUTED, SA_KEY])
      expect(await allowedNowAndCached(BOB, name)).toBe(true)
    await put(SVC, invoker('user:frank@example.com'))
    await put(SA, invoker('user:frank@example.com'))
    for (const name of [SVC, BY_NUMBER, SA, SA_SHOUTED, SA_KEY])
      expect(await allowedNowAndCached(BOB, name)).toBe(false)
    // Given again under the same spellings: allowed again.
    await put(SVC, invoker(BOB.member))
    await put(SA, invoker(BOB.member))
    for (const name of [BY_NUMBER, SA_SHOUTED, SA_KEY])
      expect(await allowedNowAndCached(BOB, name)).toBe(true)
  })

  it('a policy given to a service that had none is decided on at once, by every spelling', async () => {
    const svc2ByNumber = SVC2.replace('projects/p/', 'projects/777/')
    const newcomer = { member: 'user:hank@example.com' }
    expect(await allowedNowAndCached(newcomer, SVC2)).toBe(false)
    expect(await allowedNowAndCached(newcomer, svc2ByNumber)).toBe(false)
    await put(SVC2, invoker(newcomer.member))
    expect(await allowedNowAndCached(newcomer, SVC2)).toBe(true)
    expect(await allowedNowAndCached(newcomer, svc2ByNumber)).toBe(true)
    await store.transact((tx) => tx.deletePolicy(SVC2))
    expect(await allowedNowAndCached(newcomer, svc2ByNumber)).toBe(false)
    expect(await allowedNowAndCached(newcomer, SVC2)).toBe(false)
  })

  it('a project’s policy still drops every chain under it', async () => {
    for (const s of [SVC, SVC2, OTHER]) await allowedNowAndCached(ALICE, s)
    await put(PROJECT, invoker(ALICE.member, 'user:gina@example.com'))
    for (const s of [SVC, SVC2, OTHER]) {
      const d = await invoke({ member: 'user:gina@example.com' }, s)
      expect(d.sync).toBe(false)
      expect(d.allowed).toBe(true)
    }
    await put(PROJECT, invoker(ALICE.member))
  })
})

type PolicyRead = ReturnType<Store['getPolicies']>

/** `store` with its getPolicies calls passed through `around` (`read` makes the real call). */
function withGetPolicies(around: (read: () => PolicyRead) => PolicyRead): Store {
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown
      if (key === 'getPolicies') {
        return (...args: Parameters<Store['getPolicies']>) =>
          around(() => target.getPolicies(...args))
      }
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value
    },
  })
}

describe('the decision cache size (--decision-cache-entries)', () => {
  /** A checker over `store` whose policy reads are counted. */
  const counted = (cacheEntries: number) => {
    const reads = { policies: 0 }
    const watched = withGetPolicies((read) => {
      reads.policies++
      return read()
    })
    return {
      reads,
      checker: new PermissionChecker(watched, { now: () => Date.parse(T), cacheEntries }),
    }
  }
  const round = async (c: PermissionChecker) => {
    const out: boolean[] = []
    for (const service of [SVC, SVC2, OTHER])
      for (const caller of [ALICE, BOB])
        out.push(
          (await c.decideNow(caller, 'run.routes.invoke', service, { timeMs: 0, path: '/' }))
            .allowed,
        )
    return out
  }

  it('keeps every resource compiled while they fit: a second round reads nothing', async () => {
    const { reads, checker: big } = counted(1_000)
    const first = await round(big)
    const before = reads.policies
    expect(before).toBeGreaterThan(0)
    expect(await round(big)).toEqual(first)
    expect(reads.policies).toBe(before)
    big.close()
  })

  it('past the size, drops its caches and reads again, deciding exactly as before', async () => {
    const { reads, checker: small } = counted(2)
    const { checker: big } = counted(1_000)
    const expected = await round(big)
    expect(await round(small)).toEqual(expected)
    const before = reads.policies
    expect(await round(small)).toEqual(expected)
    expect(reads.policies).toBeGreaterThan(before)
    small.close()
    big.close()
  })
})

describe('a change landing while a chain is read', () => {
  it('decides with every level: the changed one read again, not left out', async () => {
    let during: (() => Promise<void>) | undefined
    const watched = withGetPolicies(async (read) => {
      const found = await read()
      const change = during
      during = undefined
      if (change !== undefined) await change()
      return found
    })
    const c = new PermissionChecker(watched, { now: () => Date.parse(T) })
    const decide = async (caller: { member: string }, service: string) =>
      (await c.decideNow(caller, 'run.routes.invoke', service, { timeMs: 0, path: '/' })).allowed
    await put(PROJECT, invoker(ALICE.member))
    // The project's policy is cached by the first decision; the second reads only OTHER's, and
    // the project's policy changes (Alice keeps her grant) while that read is answered.
    expect(await decide(ALICE, SVC)).toBe(true)
    during = () => put(PROJECT, invoker(ALICE.member, 'user:dave@example.com'))
    expect(await decide(ALICE, OTHER)).toBe(true)
    expect(during).toBeUndefined()
    expect(await decide({ member: 'user:dave@example.com' }, OTHER)).toBe(true)
    c.close()
  })
})
