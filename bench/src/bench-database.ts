// A throw-away PostgreSQL database for a benchmark: created through psql on 127.0.0.1:5432 (user
// postgres, trust auth, as the tests use), dropped afterwards. Undefined, with the reason, when
// PostgreSQL or psql is not there, so the benchmark prints a skipped line instead of failing.
import { spawnSync } from 'node:child_process'

const ADMIN = [
  '-h',
  '127.0.0.1',
  '-p',
  '5432',
  '-U',
  'postgres',
  '-d',
  'postgres',
  '-v',
  'ON_ERROR_STOP=1',
]

function psql(sql: string): string | undefined {
  const r = spawnSync('psql', [...ADMIN, '-c', sql], { encoding: 'utf8' })
  if (r.error !== undefined) return r.error.message
  return r.status === 0 ? undefined : r.stderr.trim()
}

export interface BenchDatabase {
  readonly url: string
  drop(): void
}

/** A new empty database, or the reason there is none. */
export function createBenchDatabase(tag: string): BenchDatabase | { readonly skipped: string } {
  const name = `runiam_bench_${tag}_${process.pid}_${Date.now()}`
  const failed = psql(`CREATE DATABASE ${name}`)
  if (failed !== undefined) return { skipped: `PostgreSQL not usable: ${failed}` }
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: () => void psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}
