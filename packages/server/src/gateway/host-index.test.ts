// The gateway's host index across a database outage: a load that failed must not be kept, or
// every request would fail until some service or project changed (found by the store-faults
// end-to-end test, where the gateway kept answering 503 after the database was back).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, IamError } from '@runiam/core'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { ensureOrganization } from '../services/bootstrap/ensure-organization.js'
import { createServices } from '../services/create-services.js'
import { HostIndex } from './host-index.js'

const OWNER = { member: 'user:owner@example.com', email: 'owner@example.com' }

let dir: string
let store: Store

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-hosts-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
})

afterEach(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

/** The real store, except that listAllResources fails as a lost database does while `down`. */
function flaky(s: Store): { store: Store; down: (v: boolean) => void } {
  let down = false
  const proxy = new Proxy(s, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function') return v
      const f = (v as (...a: unknown[]) => unknown).bind(target)
      if (prop !== 'listAllResources') return f
      return (...a: unknown[]) =>
        down
          ? Promise.reject(
              new IamError(
                Code.UNAVAILABLE,
                'STORE_UNAVAILABLE',
                'The database is unavailable. Please retry later.',
              ),
            )
          : f(...a)
    },
  })
  return { store: proxy, down: (v) => (down = v) }
}

describe('HostIndex', () => {
  it('tries again after a load that failed, without waiting for a change', async () => {
    const now = Date.parse('2026-04-01T00:00:00Z')
    await ensureOrganization(store, { domain: 'example.com', owners: [OWNER.member], now })
    const s = createServices({ store, now: () => now, runDomain: 'run.localhost', servicePort: 80 })
    await s.projects.create(OWNER, { projectId: 'hosts-proj' }, 'v1')
    const op = await s.runServices.create(
      OWNER,
      'projects/hosts-proj/locations/us-central1',
      { serviceId: 'web' },
      {},
    )
    s.close()
    const host = new URL(String((op.response as unknown as { uri: string }).uri)).host
    const f = flaky(store)
    const hosts = new HostIndex(f.store)
    try {
      f.down(true)
      await expect(hosts.lookup(host)).rejects.toMatchObject({ reason: 'STORE_UNAVAILABLE' })
      await expect(hosts.lookup(host)).rejects.toMatchObject({ reason: 'STORE_UNAVAILABLE' })
      expect(hosts.lookupNow(host)).toBeUndefined()
      f.down(false)
      expect((await hosts.lookup(host))?.name).toBe(
        'projects/hosts-proj/locations/us-central1/services/web',
      )
      expect(hosts.lookupNow(host)?.name).toBe(
        'projects/hosts-proj/locations/us-central1/services/web',
      )
    } finally {
      hosts.close()
    }
  })

  it('finds each service by any spelling of its host, whatever host came before', async () => {
    const now = Date.parse('2026-04-01T00:00:00Z')
    await ensureOrganization(store, { domain: 'example.com', owners: [OWNER.member], now })
    const s = createServices({ store, now: () => now, runDomain: 'run.localhost', servicePort: 80 })
    await s.projects.create(OWNER, { projectId: 'hosts-proj' }, 'v1')
    const hostOf = async (serviceId: string) => {
      const op = await s.runServices.create(
        OWNER,
        'projects/hosts-proj/locations/us-central1',
        { serviceId },
        {},
      )
      return new URL(String((op.response as unknown as { uri: string }).uri)).hostname
    }
    const a = await hostOf('alpha')
    const b = await hostOf('beta')
    s.close()
    const hosts = new HostIndex(store)
    try {
      await hosts.lookup(a)
      const name = (id: string) => `projects/hosts-proj/locations/us-central1/services/${id}`
      const asked: [string, string | undefined][] = [
        [a, name('alpha')],
        [a, name('alpha')],
        [`${b.toUpperCase()}:8080`, name('beta')],
        [`${b.toUpperCase()}:8080`, name('beta')],
        [`${a}.`, name('alpha')],
        ['elsewhere.example', undefined],
        [b, name('beta')],
      ]
      for (const [host, want] of asked) expect(hosts.lookupNow(host)?.name, host).toBe(want)
    } finally {
      hosts.close()
    }
  })
})
