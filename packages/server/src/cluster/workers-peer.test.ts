// The settle protocol between workers, on real SQLite stores sharing one file (one per "worker"),
// with the IPC channel replaced by an asynchronous in-memory one that serializes like node:cluster's
// (JSON). A write is settled only once every other live worker has applied it; a dead, late or
// failing worker neither blocks nor silently passes.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { afterEach, describe, expect, it } from 'vitest'
import type { Channel, ToPrimary, ToWorker } from './cluster-messages.js'
import { SettleCoordinator } from './settle-coordinator.js'
import { WorkersPeer } from './workers-peer.js'

const wire = <T>(m: T): T => JSON.parse(JSON.stringify(m)) as T

interface TestWorker {
  readonly id: number
  readonly peer: WorkersPeer
  /** While true, messages to this worker are lost (a hung or dying process). */
  deaf: boolean
}

function cluster(onLate?: (worker: number, reason: string) => void) {
  const coordinator = new SettleCoordinator({
    timeoutMs: onLate === undefined ? 5_000 : 100,
    ...(onLate === undefined ? {} : { onLate }),
  })
  let next = 0
  const join = (): TestWorker => {
    const id = ++next
    const listeners = new Set<(m: ToWorker) => void>()
    const channel: Channel<ToWorker, ToPrimary> = {
      send: (m) => void setImmediate(() => coordinator.receive(id, wire(m))),
      onMessage: (l) => (listeners.add(l), () => void listeners.delete(l)),
    }
    const worker: TestWorker = { id, peer: new WorkersPeer(channel), deaf: false }
    coordinator.add(id, `worker ${id}`, (m) => {
      const copy = wire(m)
      setImmediate(() => {
        if (!worker.deaf) for (const l of listeners) l(copy)
      })
    })
    return worker
  }
  return { coordinator, join }
}

const dirs: string[] = []
const stores: Store[] = []
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

async function sharedFile(n: number): Promise<Store[]> {
  const dir = mkdtempSync(join(tmpdir(), 'runiam-workers-peer-'))
  dirs.push(dir)
  const out: Store[] = []
  for (let i = 0; i < n; i++) out.push(await openSqliteStore({ path: join(dir, 'runiam.db') }))
  stores.push(...out)
  return out
}

/** Commits one policy change through `store` and returns its revision. */
async function write(store: Store, resource: string): Promise<number> {
  await store.transact((tx) =>
    tx.putPolicy(resource, {
      version: 1,
      etag: 'BwX',
      bindings: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'] }],
    }),
  )
  return store.committedRevision()
}

const bound = () => AbortSignal.timeout(5_000)

describe('WorkersPeer and SettleCoordinator', () => {
  it('settles a write only once every other worker has applied it', async () => {
    const { join } = cluster()
    const [a, b, c] = [join(), join(), join()]
    const [sa, sb, sc] = (await sharedFile(3)) as [Store, Store, Store]
    a.peer.attach(sa)
    b.peer.attach(sb)
    c.peer.attach(sc)
    const seen: string[] = []
    sb.onChange((changes) => seen.push(...changes.map((ch) => ch.name)))
    for (let i = 0; i < 20; i++) {
      const resource = `projects/p/locations/l/services/s${i}`
      const revision = await write(sa, resource)
      // Nothing moves the others but the settle: they are behind until it resolves.
      expect(sb.appliedRevision()).toBeLessThan(revision)
      await a.peer.settle(revision, bound())
      expect(sb.appliedRevision()).toBeGreaterThanOrEqual(revision)
      expect(sc.appliedRevision()).toBeGreaterThanOrEqual(revision)
      expect(seen).toContain(resource)
    }
    // Writes through different workers at once: each settles with everyone caught up.
    const revisions = await Promise.all(
      [sa, sb, sc].map(async (s, i) => {
        const r = await write(s, `projects/p/locations/l/services/x${i}`)
        await [a, b, c][i]?.peer.settle(r, bound())
        return r
      }),
    )
    const top = Math.max(...revisions)
    for (const s of [sa, sb, sc]) expect(s.appliedRevision()).toBe(top)
    expect(new Set(revisions).size).toBe(3)
  })

  it('a lone worker settles at once; a worker whose store is not open yet answers at once', async () => {
    const { join } = cluster()
    const a = join()
    const [sa] = (await sharedFile(1)) as [Store]
    a.peer.attach(sa)
    await a.peer.settle(await write(sa, 'projects/p'), bound())
    join() // started, store not open: everything it will read is already committed
    await a.peer.settle(await write(sa, 'projects/q'), bound())
  })

  it('a worker that dies while asked no longer counts; one that never answers fails the wait', async () => {
    const { coordinator, join } = cluster()
    const [a, b] = [join(), join()]
    const [sa, sb] = (await sharedFile(2)) as [Store, Store]
    a.peer.attach(sa)
    b.peer.attach(sb)
    b.deaf = true
    let settled = false
    const wait = a.peer.settle(await write(sa, 'projects/p'), bound()).then(() => (settled = true))
    await sleep(50)
    expect(settled).toBe(false)
    expect(coordinator.waiting).toBe(1)
    coordinator.remove(b.id)
    await wait
    expect(coordinator.waiting).toBe(0)

    const c = join()
    c.deaf = true
    const signal = AbortSignal.timeout(100)
    await expect(a.peer.settle(await write(sa, 'projects/q'), signal)).rejects.toThrow(
      /did not confirm revision \d+ in time/,
    )
  })

  it('a worker that cannot catch up is named in the rejection, not passed over', async () => {
    const { join } = cluster()
    const [a, b] = [join(), join()]
    const [sa, sb] = (await sharedFile(2)) as [Store, Store]
    a.peer.attach(sa)
    b.peer.attach(sb)
    await sb.close()
    const revision = await write(sa, 'projects/p')
    await expect(a.peer.settle(revision, bound())).rejects.toThrow(
      new RegExp(`worker ${b.id} could not apply revision ${revision}: .*closed`, 'i'),
    )
  })

  it('asks again a worker that answers below the revision', async () => {
    const { join } = cluster()
    const [a, b] = [join(), join()]
    const [sa] = (await sharedFile(1)) as [Store]
    a.peer.attach(sa)
    const revision = await write(sa, 'projects/p')
    // A follower whose first refresh ends before the revision (it started earlier).
    let applied = 0
    let refreshes = 0
    b.peer.attach({
      appliedRevision: () => applied,
      refresh: async () => {
        refreshes++
        applied = refreshes === 1 ? revision - 1 : revision
        return applied
      },
    })
    await a.peer.settle(revision, bound())
    expect(refreshes).toBe(2)
  })

  it('with onLate, a late or failing worker is handed over and the write waits until it is gone', async () => {
    const late: string[] = []
    const { coordinator, join } = cluster((w, reason) => late.push(`${w} ${reason}`))
    const [a, b] = [join(), join()]
    const [sa, sb] = (await sharedFile(2)) as [Store, Store]
    a.peer.attach(sa)
    b.peer.attach(sb)
    b.deaf = true
    let settled = false
    const revision = await write(sa, 'projects/p')
    const wait = a.peer.settle(revision, bound()).then(() => (settled = true))
    for (let i = 0; i < 100 && late.length === 0; i++) await sleep(20)
    expect(late).toEqual([`${b.id} did not apply revision ${revision} in time`])
    // Handed over, but still live: the write is not answered before it is gone.
    expect(settled).toBe(false)
    coordinator.remove(b.id)
    await wait

    // One that answers it cannot apply the revision is handed over too, and counts until gone.
    const c = join()
    const [sc] = (await sharedFile(1)) as [Store]
    c.peer.attach(sc)
    await sc.close()
    const next = await write(sa, 'projects/q')
    settled = false
    const failing = a.peer.settle(next, bound()).then(
      () => (settled = true),
      (e: unknown) => (settled = e instanceof Error && /could not apply/.test(e.message)),
    )
    for (let i = 0; i < 100 && late.length < 2; i++) await sleep(20)
    expect(late[1]).toMatch(new RegExp(`^${c.id} could not apply: `))
    expect(settled).toBe(false)
    coordinator.remove(c.id)
    await failing
    expect(settled).toBe(true)
  })

  it('drops a malformed settle instead of settling it', async () => {
    const { coordinator, join } = cluster()
    const [a] = [join(), join()]
    for (const bad of [
      { runiam: 'settle', id: 'x', revision: 1 },
      { runiam: 'settle', id: 1 },
      { runiam: 'settle', id: 1, revision: null },
      { runiam: 'applied', id: 999, revision: 5 },
    ])
      coordinator.receive(a.id, bad as unknown as ToPrimary)
    expect(coordinator.waiting).toBe(0)
  })
})
