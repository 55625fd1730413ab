// Checking a client out of the node-postgres pool without letting a dying connection crash the
// process. pg emits 'error' on a client whose connection breaks, and an 'error' event nobody
// listens to is an uncaught exception. pg-pool listens only while a client is idle, and drops its
// listener before the checkout reaches the caller: a FATAL that arrives in the same packet as the
// end of the connection start-up (pg_terminate_backend, a server shutting down) lands in between.
// So guardPool() gives every client a listener for its whole life, from the moment it connects;
// the error is kept, and a lease whose connection died releases the client with it, which makes
// the pool destroy the client instead of handing it out again.
import { setTimeout as sleep } from 'node:timers/promises'
import type pg from 'pg'
import { isPgConnectionError, isPgTimeout, translatePgConnectError } from './pg-errors.js'

/** The error each dead connection died of (recorded by guardPool's listener). */
const lostConnections = new WeakMap<pg.ClientBase, unknown>()

/** Makes every client of `pool` safe from its own 'error' events, idle or checked out. */
export function guardPool(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      if (!lostConnections.has(client)) lostConnections.set(client, error)
    })
  })
  // pg-pool re-emits an idle client's error here after discarding the client; the next query on a
  // fresh client reports any lasting problem.
  pool.on('error', () => undefined)
}

export interface Lease {
  readonly client: pg.PoolClient
  /** The error the connection died of while leased, if it did. */
  readonly lost: unknown
  /** Back to the pool; destroyed instead when `broken` is given or the connection was lost. */
  release(broken?: unknown): void
}

/** A connection from a guarded pool, or IamError UNAVAILABLE when none can be made. */
export async function lease(pool: pg.Pool): Promise<Lease> {
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw translatePgConnectError(error)
  }
  let released = false
  return {
    client,
    get lost() {
      return lostConnections.get(client)
    },
    release(broken?: unknown) {
      if (released) return
      released = true
      const reason = broken ?? lostConnections.get(client)
      client.release(reason === undefined ? undefined : asError(reason))
    },
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason))
}

/** What PgRows needs of a connection: a pool wrapper or a leased client. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig | string): Promise<pg.QueryResult<R>>
}

/** How many times a read outside a transaction is tried when its connection turns out dead. */
const READ_ATTEMPTS = 3

/**
 * Reads outside transactions: one statement per lease. A statement is read-only and stands alone,
 * so when its connection was dead (killed while idle in the pool, a restarted server) it is simply
 * run again on a fresh one, a few times. Timeouts are not retried: the caller has waited enough.
 */
export class PoolQueryable implements Queryable {
  readonly #pool: pg.Pool

  constructor(pool: pg.Pool) {
    this.#pool = pool
  }

  async query<R extends pg.QueryResultRow>(
    config: pg.QueryConfig | string,
  ): Promise<pg.QueryResult<R>> {
    for (let attempt = 1; ; attempt++) {
      let failure: unknown
      try {
        return await this.#once<R>(config)
      } catch (error) {
        failure = error
      }
      if (!isPgConnectionError(failure) || isPgTimeout(failure) || attempt >= READ_ATTEMPTS) {
        throw failure
      }
      await sleep(10 * attempt)
    }
  }

  async #once<R extends pg.QueryResultRow>(
    config: pg.QueryConfig | string,
  ): Promise<pg.QueryResult<R>> {
    const leased = await lease(this.#pool)
    try {
      const result = await leased.client.query<R>(config)
      leased.release()
      return result
    } catch (error) {
      const lost = leased.lost
      const broken = lost !== undefined || isPgConnectionError(error)
      leased.release(broken ? (lost ?? error) : undefined)
      // Whatever the statement reported, a connection that died under it is the real story.
      throw lost !== undefined && !isPgConnectionError(error) ? lost : error
    }
  }
}
