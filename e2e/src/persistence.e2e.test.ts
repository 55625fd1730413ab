// What the server acknowledged survives a restart, on the embedded SQLite store and on
// PostgreSQL: projects, services, policies, and the signing key (tokens keep verifying).
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { login, startServer } from './harness.js'
import { unusedPort } from './ports.js'

const PG_ADMIN_URL =
  process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const requirePg = process.env['RUNIAM_REQUIRE_PG'] === '1'

async function pgAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch (err) {
    if (requirePg)
      throw new Error(
        `PostgreSQL is required (RUNIAM_REQUIRE_PG=1) but unreachable: ${String(err)}`,
      )
    console.warn(
      `\n!!! PostgreSQL unreachable at ${PG_ADMIN_URL}: skipping the PostgreSQL end-to-end test\n`,
    )
    return false
  }
}

const dbs: string[] = []
afterAll(async () => {
  if (dbs.length === 0) return
  const client = new pg.Client({ connectionString: PG_ADMIN_URL })
  await client.connect()
  for (const db of dbs) await client.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  await client.end()
})

/** A port free right now: restarts must keep the port, since it is part of the issuer URL. */

async function roundTrip(extra: string[]): Promise<void> {
  const flags = [...extra, '--port', String(await unusedPort())]
  const first = await startServer(flags, { keepData: true })
  const owner = await login(first, 'admin@example.com', 'keep-me')
  expect((await owner.run(['projects', 'create', 'keep-me'])).code).toBe(0)
  const deploy = await owner.run([
    'run',
    'deploy',
    'api',
    '--upstream',
    'http://127.0.0.1:9',
    '--no-allow-unauthenticated',
  ])
  expect(deploy.code, deploy.stderr).toBe(0)
  const add = await owner.run([
    'run',
    'services',
    'add-iam-policy-binding',
    'api',
    '--member=user:bob@example.com',
    '--role=roles/run.invoker',
  ])
  expect(add.code, add.stderr).toBe(0)
  await first.stop()

  const second = await startServer(flags, { dataDir: first.dataDir })
  try {
    // The old login still works: same signing key, read back from the store.
    const again = await fetch(`${second.url}/v1/projects/keep-me`, {
      headers: { authorization: `Bearer ${await tokenOf(owner)}` },
    })
    expect(again.status).toBe(200)
    // The CLI's config points at the first server's URL, so ask the second one directly.
    const res = await fetch(
      `${second.url}/v2/projects/keep-me/locations/us-central1/services/api:getIamPolicy`,
      {
        headers: { authorization: `Bearer ${await tokenOf(owner)}` },
      },
    )
    expect(res.status).toBe(200)
    expect(JSON.stringify(await res.json())).toContain('user:bob@example.com')
  } finally {
    await second.stop()
  }
}

async function tokenOf(user: {
  run(a: readonly string[]): Promise<{ stdout: string; code: number }>
}): Promise<string> {
  const r = await user.run(['auth', 'print-access-token'])
  expect(r.code).toBe(0)
  return r.stdout.trim()
}

describe('persistence across restarts', () => {
  it('on SQLite', async () => {
    await roundTrip([])
  }, 60_000)

  it('on PostgreSQL', async (ctx) => {
    if (!(await pgAvailable())) return ctx.skip()
    const db = `runiam_e2e_${process.pid}_${Date.now()}`
    const client = new pg.Client({ connectionString: PG_ADMIN_URL })
    await client.connect()
    await client.query(`CREATE DATABASE ${db}`)
    await client.end()
    dbs.push(db)
    const url = new URL(PG_ADMIN_URL)
    url.pathname = `/${db}`
    await roundTrip(['--database', url.toString()])
  }, 60_000)
})
