// Test support for the decision path on real SQLite: a fresh store file in a temporary folder
// holding organization 42 (example.com) and project p (number 777) under it, the shape the
// chain tests decide on. Used only by tests; it opens SQLite itself, as a test's composition
// root would, so it is exempt from the one-engine rule like other test harnesses.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'

export const FIXTURE_TIME = '2026-01-01T00:00:00.000Z'

export interface OrgProjectStore {
  readonly store: Store
  /** The SQLite file, for a second store on it (another process's view). */
  readonly path: string
  /** Closes the store and removes its folder. */
  readonly dispose: () => Promise<void>
}

/** A new SQLite store with organizations/42 and projects/p (number 777) under it. */
export async function openOrgProjectStore(prefix: string): Promise<OrgProjectStore> {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const path = join(dir, 'db.sqlite')
  const store = await openSqliteStore({ path })
  await store.transact(async (tx) => {
    await tx.createOrganization({
      id: '42',
      domain: 'example.com',
      displayName: 'x',
      createTime: FIXTURE_TIME,
    })
    await tx.createProject({
      projectId: 'p',
      projectNumber: '777',
      displayName: 'p',
      parent: 'organizations/42',
      state: 'ACTIVE',
      labels: {},
      createTime: FIXTURE_TIME,
      updateTime: FIXTURE_TIME,
      etag: 'e',
    })
  })
  const dispose = async (): Promise<void> => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
  return { store, path, dispose }
}
