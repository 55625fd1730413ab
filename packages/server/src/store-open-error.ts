// Why a store could not be opened, for the operator starting runiam (serve, export, import,
// migrate). The store's own "unavailable, retry later" and "internal error" are worded for API
// clients at run time; at start-up the person at the console is told the driver's reason (refused,
// no such host or database, authentication failed, another application's table in the way of the
// schema). The driver's message never holds the URL's password; it is masked all the same.
import { Code, IamError, isIamError } from '@runiam/core'
import { join } from 'node:path'
import type { ServerConfig } from './config/schema.js'

/** The store a config names, in words: never the URL, which may carry a password. */
export function storeWhereabouts(config: ServerConfig): string {
  return config.database === undefined
    ? `SQLite store ${join(config.dataDir, 'runiam.db')}`
    : 'PostgreSQL database'
}

/** `err` from opening the store, reworded with its cause for the operator (others unchanged). */
export function whyStoreNotOpened(err: unknown, config: ServerConfig): unknown {
  const told = isIamError(err) && (err.code === Code.UNAVAILABLE || err.code === Code.INTERNAL)
  if (!told || !(err.cause instanceof Error)) return err
  let why = err.cause.message
  const password = config.database === undefined ? '' : urlPassword(config.database)
  if (password !== '') why = why.replaceAll(password, '***')
  return new IamError(
    err.code,
    err.reason,
    `Cannot open the ${storeWhereabouts(config)}: ${why}.`,
    {
      cause: err.cause,
    },
  )
}

function urlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password)
  } catch {
    return ''
  }
}
