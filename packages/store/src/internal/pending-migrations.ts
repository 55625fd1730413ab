// A store opened with pendingMigrations: 'refuse' (runiam export) reads the schema as it is: one
// older than this runiam's is refused instead of migrated, so that opening it changes nothing.
import { Code, IamError } from '@runiam/core'

/** Throws SCHEMA_TOO_OLD when a migration of `migrations` is not in `applied`. */
export function refusePending(
  migrations: readonly { readonly version: number }[],
  applied: ReadonlySet<number>,
  current: number,
): void {
  const missing = migrations.filter((m) => !applied.has(m.version)).map((m) => m.version)
  if (missing.length === 0) return
  const latest = Math.max(...migrations.map((m) => m.version))
  throw new IamError(
    Code.FAILED_PRECONDITION,
    'SCHEMA_TOO_OLD',
    current === 0
      ? 'The database holds no runiam schema: there is nothing to read.'
      : `The database schema is at version ${current}, older than this runiam's (${latest}); it is left as it is. Use the runiam that serves it, or run runiam migrate first.`,
  )
}
