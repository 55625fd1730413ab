// The usage recorder over a real SQLite store: many decisions through one grant make one row per
// permission with the flush time, open invocations are recorded as allUsers uses, a failed flush
// is reported (never thrown at the timer), and close() writes what is left.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { GrantingBinding } from '@runiam/core/authorizer'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { UsageRecorder } from './usage-recorder.js'

let dir: string
let store: Store
let now = 1_000

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-usage-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
})
afterEach(async () => {
  await store.close().catch(() => undefined)
  rmSync(dir, { recursive: true, force: true })
})

const grant: GrantingBinding = Object.freeze({
  resource: 'projects/p1',
  role: 'roles/run.admin',
  member: 'group:eng@example.com',
  condition: Object.freeze({ expression: 'request.time < timestamp("2030-01-01T00:00:00Z")' }),
})

describe('UsageRecorder', () => {
  it('writes one row per grant and permission, with the flush time', async () => {
    const r = new UsageRecorder(store, { now: () => now })
    for (let i = 0; i < 1000; i++) r.used(grant, 'run.services.get')
    r.used(grant, 'run.routes.invoke')
    r.invokedOpenly('projects/p1/locations/us-central1/services/open')
    now = 5_000
    await r.flush()
    expect(await store.listGrantUsage('projects/p1')).toEqual([
      {
        scope: 'projects/p1',
        role: 'roles/run.admin',
        member: 'group:eng@example.com',
        condition: grant.condition?.expression,
        permission: 'run.routes.invoke',
        lastUsedMs: 5_000,
      },
      {
        scope: 'projects/p1',
        role: 'roles/run.admin',
        member: 'group:eng@example.com',
        condition: grant.condition?.expression,
        permission: 'run.services.get',
        lastUsedMs: 5_000,
      },
      {
        scope: 'projects/p1/locations/us-central1/services/open',
        role: '',
        member: 'allUsers',
        condition: '',
        permission: 'run.routes.invoke',
        lastUsedMs: 5_000,
      },
    ])
    // Nothing used since: a flush writes nothing and keeps the times.
    now = 9_000
    await r.flush()
    expect((await store.listGrantUsage('projects/p1'))[0]?.lastUsedMs).toBe(5_000)
  })

  it('reports a failed flush without throwing, and close() writes what is left', async () => {
    const failures: unknown[] = []
    const r = new UsageRecorder(store, { now: () => now, failed: (e) => failures.push(e) })
    r.used(grant, 'run.services.get')
    const path = join(dir, 'runiam.db')
    await store.close()
    await r.flush()
    expect(failures).toHaveLength(1)
    store = await openSqliteStore({ path })
    const again = new UsageRecorder(store, { now: () => now })
    // The first recorder's batch is still pending in it; a recorder on the reopened store flushes
    // its own on close.
    again.used(grant, 'run.routes.invoke')
    await again.close()
    expect((await store.listGrantUsage('projects/p1')).map((u) => u.permission)).toEqual([
      'run.routes.invoke',
    ])
  })
})
