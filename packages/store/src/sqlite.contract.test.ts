// Runs the Store contract suite on the SQLite engine, one temporary database file per test.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '@runiam/store/sqlite'
import type { Store } from './store.js'
import { describeOperationsContract } from './operations.contract.js'
import { describeGroupContract } from './groups.contract.js'
import { describeServiceAccountContract } from './service-accounts.contract.js'
import { describeCustomRoleContract } from './roles.contract.js'
import { describeRecommenderContract } from './recommender.contract.js'
import { describeDenyPolicyContract } from './deny-policies.contract.js'
import { describeStoreContract, type StoreContractOptions } from './store.contract.js'
import { describeFeedPruningContract } from './feed-pruning.contract.js'
import { describeAuditEntriesContract } from './audit-entries.contract.js'

const files = new Map<Store, string>()

const options: StoreContractOptions = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'runiam-store-'))
    const path = join(dir, 'runiam.db')
    const store = await openSqliteStore({ path })
    files.set(store, path)
    return store
  },
  async destroy(store) {
    await store.close()
    const path = files.get(store)
    files.delete(store)
    if (path !== undefined) rmSync(join(path, '..'), { recursive: true, force: true })
  },
  async openSame(store) {
    const path = files.get(store)
    if (path === undefined) throw new Error('unknown store')
    return openSqliteStore({ path })
  },
}
describeStoreContract(options)
describeServiceAccountContract(options)
describeOperationsContract(options)
describeGroupContract(options)
describeCustomRoleContract(options)
describeRecommenderContract(options)
describeDenyPolicyContract(options)
describeFeedPruningContract(options)
describeAuditEntriesContract(options)
