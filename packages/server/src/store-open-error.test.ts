// `runiam serve` that cannot open its store says why, as the ops tools do (store-open-error.ts):
// the driver's reason instead of the API's "unavailable, retry later", never the URL's password.
// Real drivers: a PostgreSQL port nothing listens on, and (with the server at 127.0.0.1:5432) a
// database that does not exist, named after the password so that masking it shows.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from './config/load.js'
import { startServer } from './main.js'

const PG_ADMIN = process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const dir = mkdtempSync(join(tmpdir(), 'runiam-store-open-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const serve = (database: string) =>
  startServer(loadConfig(['--port', '0', '--data', dir, '--no-access-log', '--database', database]))

const probe = new pg.Client({ connectionString: PG_ADMIN })
const pgUp = await probe.connect().then(
  () => probe.end().then(() => true),
  () => false,
)

describe('runiam serve, a store it cannot open', () => {
  it('names the reason the driver gives (connection refused), not "retry later"', async () => {
    const err = await serve('postgres://postgres:s3cret-pw@127.0.0.1:1/runiam').then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toBe(
      'Cannot open the PostgreSQL database: connect ECONNREFUSED 127.0.0.1:1.',
    )
    expect(err?.message).not.toContain('s3cret-pw')
  })

  it.skipIf(!pgUp && process.env['RUNIAM_REQUIRE_PG'] !== '1')(
    'names a database that does not exist, with the password masked wherever it shows',
    async () => {
      const secret = `nosuchdb${process.pid}x${Date.now()}`
      const u = new URL(PG_ADMIN)
      u.password = secret
      u.pathname = `/${secret}`
      const err = await serve(u.toString()).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(err?.message).toBe(
        'Cannot open the PostgreSQL database: database "***" does not exist.',
      )
    },
  )
})
