// The replica follower's one connection carries heartbeats, announcements and live-set reads
// that start independently. node-postgres queues a query sent while another runs, but that queue
// is deprecated (every replica printed a DeprecationWarning at start) and goes in pg 9: each query
// here waits for the one before it on the same client instead, in the order they were asked.
import type pg from 'pg'

const tails = new WeakMap<pg.Client, Promise<unknown>>()

/** Runs `text` on `client` once the client's previous queued query has finished (either way). */
export function queued<R extends pg.QueryResultRow = pg.QueryResultRow>(
  client: pg.Client,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  const run = (tails.get(client) ?? Promise.resolve()).then(() => client.query<R>(text, values))
  tails.set(
    client,
    run.catch(() => undefined),
  )
  return run
}
