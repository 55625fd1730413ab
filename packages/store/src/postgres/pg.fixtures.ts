// What the store's PostgreSQL tests share: the PostgreSQL server they run on (RUNIAM_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/
// postgres), a database of their own on it, a service record to write, and polling.
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { describe } from 'vitest'
import type { ResourceRecord } from '../records.js'

export const PG_BASE_URL =
  process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

/** One statement on its own connection (to `on`, default the base database). */
export async function sql(
  text: string,
  values: unknown[] = [],
  on = PG_BASE_URL,
): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: on, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    return await client.query(text, values)
  } finally {
    await client.end()
  }
}

/**
 * `describe`, or `describe.skip` with a loud warning naming `file` when PostgreSQL is unreachable
 * (never under RUNIAM_REQUIRE_PG=1, where the suite runs and fails).
 */
export async function describeWithPg(
  file: string,
): Promise<typeof describe | typeof describe.skip> {
  const up = await sql('SELECT 1').then(
    () => true,
    () => false,
  )
  if (up || process.env['RUNIAM_REQUIRE_PG'] === '1') return describe
  console.warn(`\n*** PostgreSQL unreachable: ${file} SKIPPED ***\n`)
  return describe.skip
}

/** A fresh database name with `prefix`, and its URL on the base server (create and drop it). */
export function freshDatabase(prefix: string): { readonly name: string; readonly url: string } {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  const u = new URL(PG_BASE_URL)
  u.pathname = `/${name}`
  return { name, url: u.toString() }
}

const LOC = 'projects/p1/locations/us-central1'

/** A Cloud Run service record named `id`. */
export function service(id: string): ResourceRecord {
  const name = `${LOC}/services/${id}`
  return {
    name,
    kind: 'service',
    parent: LOC,
    body: { name },
    etag: `e-${id}`,
    createTime: '2026-01-02T03:04:05.000Z',
    updateTime: '2026-01-02T03:04:05.000Z',
  }
}

/** Polls `check` until it is true; fails with `what` after a generous deadline (no timing claim). */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  deadlineMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + deadlineMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await sleep(20)
  }
}
