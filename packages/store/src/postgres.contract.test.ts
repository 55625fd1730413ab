// Runs the Store contract suite on the PostgreSQL engine, one fresh schema per test (dropped after).
// Database: RUNIAM_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres. Unreachable:
// skipped with a loud warning locally, a failure when RUNIAM_REQUIRE_PG=1 (CI).
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, it } from 'vitest'
import { openPostgresStore } from '@runiam/store/postgres'
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

const url = process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const required = process.env['RUNIAM_REQUIRE_PG'] === '1'

/** The URL as printed: never with its password. */
function shown(u: string): string {
  try {
    const parsed = new URL(u)
    if (parsed.password !== '') parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparseable RUNIAM_TEST_PG_URL)'
  }
}

async function reachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)
  } finally {
    await client.end()
  }
}

const problem = await reachable()
const schemas = new Map<Store, string>()

if (problem === undefined) {
  const options: StoreContractOptions = {
    name: 'postgres',
    async create() {
      const schema = `runiam_test_${randomBytes(6).toString('hex')}`
      const store = await openPostgresStore({ url, schema })
      schemas.set(store, schema)
      return store
    },
    async destroy(store) {
      await store.close()
      const schema = schemas.get(store)
      schemas.delete(store)
      if (schema !== undefined) await dropSchema(schema)
    },
    async openSame(store) {
      const schema = schemas.get(store)
      if (schema === undefined) throw new Error('unknown store')
      return openPostgresStore({ url, schema })
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
} else if (required) {
  describe('Store contract: postgres', () => {
    it('needs PostgreSQL (RUNIAM_REQUIRE_PG=1)', () => {
      throw new Error(`PostgreSQL at ${shown(url)} is unreachable: ${problem}`)
    })
  })
} else {
  console.warn(
    `\n*** PostgreSQL at ${shown(url)} is unreachable (${problem}): the postgres Store contract suite is SKIPPED. ` +
      'Set RUNIAM_TEST_PG_URL, or RUNIAM_REQUIRE_PG=1 to make this a failure. ***\n',
  )
  describe.skip('Store contract: postgres (PostgreSQL unreachable)', () => {
    it('skipped', () => undefined)
  })
}
