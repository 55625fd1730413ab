// The transport-free services without HTTP: the permission checker's caching (no store round
// trip when nothing changed, read-your-writes after a change), bootstrap and demo idempotency.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'

import { openSqliteStore } from '@runiam/store/sqlite'
import { ensureOrganization } from './bootstrap/ensure-organization.js'
import { createServices } from './create-services.js'
import { seedDemo } from './bootstrap/demo.js'

const OWNER = { member: 'user:owner@example.com', email: 'owner@example.com' }
const BOB = { member: 'user:bob@example.com', email: 'bob@example.com' }
const NOW = Date.parse('2026-02-01T00:00:00Z')

let dir: string
let store: Store

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-svc-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
})

afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The store, counting reads made through it. */
function counting(s: Store): { store: Store; reads: () => number } {
  let n = 0
  const proxy = new Proxy(s, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function') return v
      const f = (v as (...a: unknown[]) => unknown).bind(target)
      return String(prop).startsWith('get') ? (...a: unknown[]) => (n++, f(...a)) : f
    },
  })
  return { store: proxy, reads: () => n }
}

describe('bootstrap and demo', () => {
  it('creates the organization once, and adds owners named later', async () => {
    const a = await ensureOrganization(store, {
      domain: 'example.com',
      owners: [OWNER.member],
      now: NOW,
    })
    expect(a.id).toMatch(/^[1-9]\d{11}$/)
    const b = await ensureOrganization(store, {
      domain: 'example.com',
      owners: [OWNER.member, BOB.member],
      now: NOW + 1,
    })
    expect(b).toEqual(a)
    const policy = await store.getPolicy(`organizations/${a.id}`)
    expect(policy?.policy.bindings).toEqual([
      { role: 'roles/owner', members: [BOB.member, OWNER.member] },
    ])
    await expect(
      ensureOrganization(store, { domain: 'example.com', owners: ['not-a-member'], now: NOW }),
    ).rejects.toThrow(/not-a-member/)
  })

  it('seeds the demo project and service idempotently', async () => {
    await ensureOrganization(store, { domain: 'example.com', owners: [OWNER.member], now: NOW })
    const opts = { owner: OWNER.member, now: NOW, runDomain: 'run.localhost', servicePort: 8080 }
    const first = await seedDemo(store, opts)
    expect(first).toEqual({ project: 'demo-project', service: 'hello', region: 'us-central1' })
    const svc = await store.getResource(
      'projects/demo-project/locations/us-central1/services/hello',
    )
    const again = await seedDemo(store, opts)
    expect(again).toEqual(first)
    expect(
      await store.getResource('projects/demo-project/locations/us-central1/services/hello'),
    ).toEqual(svc)
    const project = await store.getProject('demo-project')
    expect(svc?.body['uri']).toBe(
      `http://hello-${project?.projectNumber}.us-central1.run.localhost:8080`,
    )
    expect(
      (svc?.body['annotations'] as Record<string, string>)['runiam.dev/upstream'],
    ).toBeUndefined()
    const policy = await store.getPolicy('projects/demo-project')
    expect(policy?.policy.bindings).toEqual([{ role: 'roles/owner', members: [OWNER.member] }])
  })

  it('refuses to seed the demo without an organization', async () => {
    await expect(
      seedDemo(store, {
        owner: OWNER.member,
        now: NOW,
        runDomain: 'run.localhost',
        servicePort: 1,
      }),
    ).rejects.toMatchObject({ reason: 'NO_ORGANIZATION' })
  })
})

describe('PermissionChecker', () => {
  it('decides from memory when nothing changed, and sees a policy change at once', async () => {
    const org = await ensureOrganization(store, {
      domain: 'example.com',
      owners: [OWNER.member],
      now: NOW,
    })
    const c = counting(store)
    const s = createServices({
      store: c.store,
      now: () => NOW,
      runDomain: 'run.localhost',
      servicePort: 8080,
    })
    try {
      await s.projects.create(OWNER, { projectId: 'cache-proj' }, 'v1')
      const svc = 'projects/cache-proj/locations/us-central1/services/x'
      await s.runServices.create(
        OWNER,
        'projects/cache-proj/locations/us-central1',
        { serviceId: 'x' },
        {},
      )
      expect((await s.checker.decide(BOB, 'run.services.get', svc)).allowed).toBe(false)
      const before = c.reads()
      for (let i = 0; i < 5; i++) {
        expect((await s.checker.decide(BOB, 'run.services.get', svc)).allowed).toBe(false)
        expect((await s.checker.decide(OWNER, 'run.services.get', svc)).allowed).toBe(true)
      }
      expect(c.reads()).toBe(before)
      await s.iam.set(
        OWNER,
        s.runServices.target(svc),
        {
          policy: { bindings: [{ role: 'roles/run.viewer', members: [BOB.member] }] },
        },
        undefined,
      )
      const d = await s.checker.decide(BOB, 'run.services.get', svc)
      expect(d.allowed).toBe(true)
      expect(d.grantedBy[0]).toMatchObject({ resource: svc, role: 'roles/run.viewer' })
      // Inheritance: organization → project → service.
      expect(await s.checker.ancestry(svc)).toEqual([
        svc,
        'projects/cache-proj',
        `organizations/${org.id}`,
      ])
      const p = await store.getProject('cache-proj')
      expect(
        await s.checker.ancestry(`projects/${p?.projectNumber}/locations/us-central1/services/x`),
      ).toEqual([svc, 'projects/cache-proj', `organizations/${org.id}`])
      expect(await s.checker.ancestry('projects/missing/locations/l/services/y')).toEqual([
        `organizations/${org.id}`,
      ])
    } finally {
      s.close()
    }
  })

  it("authorizes by an ancestor's unconditional grant without reading the resource's new policy, and sees a revocation at once", async () => {
    await ensureOrganization(store, { domain: 'example.com', owners: [OWNER.member], now: NOW })
    let policyLoads = 0
    const spied = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'getPolicies') policyLoads++
        const v = Reflect.get(target, prop, receiver) as unknown
        return typeof v === 'function' ? (v as () => unknown).bind(target) : v
      },
    })
    const s = createServices({ store: spied, now: () => NOW, runDomain: 'r', servicePort: 1 })
    try {
      await s.projects.create(OWNER, { projectId: 'fast-proj' }, 'v1')
      const svc = 'projects/fast-proj/locations/us-central1/services/x'
      await s.runServices.create(
        OWNER,
        'projects/fast-proj/locations/us-central1',
        { serviceId: 'x' },
        {},
      )
      const target = s.runServices.target(svc)
      const admins = (...members: string[]) => ({
        policy: { bindings: [{ role: 'roles/run.admin', members }] },
      })
      await s.iam.set(OWNER, target, admins(BOB.member), undefined)
      // The owner's grant on the organization decides: the service's policy, replaced by the
      // write before, is not loaded for the check.
      let before = policyLoads
      await s.iam.set(OWNER, target, admins(BOB.member, 'user:carol@example.com'), undefined)
      await s.iam.set(OWNER, target, admins(BOB.member), undefined)
      expect(policyLoads).toBe(before)
      // Bob's grant is on the service itself: his check loads the service's new policy.
      before = policyLoads
      await s.iam.set(BOB, target, admins(BOB.member, 'user:dave@example.com'), undefined)
      expect(policyLoads).toBeGreaterThan(before)
      // Bob removes himself: his next call is refused at once (read-your-writes).
      await s.iam.set(BOB, target, admins('user:dave@example.com'), undefined)
      await expect(s.iam.set(BOB, target, admins(BOB.member), undefined)).rejects.toMatchObject({
        status: 'PERMISSION_DENIED',
      })
      // A stranger is refused the same way, whether the policy is in memory or not.
      await s.iam.set(OWNER, target, admins('user:dave@example.com'), undefined)
      await expect(
        s.iam.set(
          { member: 'user:eve@example.com' },
          target,
          admins('user:eve@example.com'),
          undefined,
        ),
      ).rejects.toMatchObject({ status: 'PERMISSION_DENIED' })
    } finally {
      s.close()
    }
  })

  it('follows changes made by another process once the store refreshes', async () => {
    await ensureOrganization(store, { domain: 'example.com', owners: [OWNER.member], now: NOW })
    const s = createServices({
      store,
      now: () => NOW,
      runDomain: 'run.localhost',
      servicePort: 8080,
    })
    const dir2 = join(dir, 'db.sqlite')
    const other = await openSqliteStore({ path: dir2 })
    try {
      const org = await store.getOrganization()
      const name = `organizations/${org?.id}`
      expect((await s.checker.decide(BOB, 'resourcemanager.organizations.get', name)).allowed).toBe(
        false,
      )
      const t2 = createServices({ store: other, now: () => NOW, runDomain: 'r', servicePort: 1 })
      await t2.iam.set(
        OWNER,
        t2.organizations.target(name),
        {
          policy: {
            bindings: [
              { role: 'roles/owner', members: [OWNER.member] },
              { role: 'roles/viewer', members: [BOB.member] },
            ],
          },
        },
        undefined,
      )
      t2.close()
      // Another process's write is not in this process's feed: still the cached decision…
      expect((await s.checker.decide(BOB, 'resourcemanager.organizations.get', name)).allowed).toBe(
        false,
      )
      await store.refresh()
      expect((await s.checker.decide(BOB, 'resourcemanager.organizations.get', name)).allowed).toBe(
        true,
      )
    } finally {
      s.close()
      await other.close()
    }
  })

  it("drops every cached decision when the feed was pruned past this process's place (reset)", async () => {
    await ensureOrganization(store, { domain: 'example.com', owners: [OWNER.member], now: NOW })
    const s = createServices({ store, now: () => NOW, runDomain: 'r', servicePort: 1 })
    const other = await openSqliteStore({ path: join(dir, 'db.sqlite') })
    try {
      const org = await store.getOrganization()
      const name = `organizations/${org?.id}`
      const get = 'resourcemanager.organizations.get'
      expect((await s.checker.decide(BOB, get, name)).allowed).toBe(false)
      const t2 = createServices({ store: other, now: () => NOW, runDomain: 'r', servicePort: 1 })
      await t2.iam.set(
        OWNER,
        t2.organizations.target(name),
        {
          policy: {
            bindings: [
              { role: 'roles/owner', members: [OWNER.member] },
              { role: 'roles/viewer', members: [BOB.member] },
            ],
          },
        },
        undefined,
      )
      // Something unrelated after it, then the policy's change is pruned away: what is left of
      // the feed does not say the organization's policy changed.
      await t2.projects.create(OWNER, { projectId: 'after-prune' }, 'v3')
      t2.close()
      expect(await other.pruneChanges({ olderThanSeconds: 0, keepNewest: 1 })).toBeGreaterThan(0)
      expect((await s.checker.decide(BOB, get, name)).allowed).toBe(false)
      await store.refresh()
      expect((await s.checker.decide(BOB, get, name)).allowed).toBe(true)
    } finally {
      s.close()
      await other.close()
    }
  })
})
