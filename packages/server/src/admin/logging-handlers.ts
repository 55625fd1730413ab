// The admin API handler of Cloud Logging's entries.list: the request body goes as is to the
// transport-free LogEntriesService (runtime/), which authorizes, filters and pages.
import { routeKey } from '@runiam/api'
import type { Services } from '../services/create-services.js'
import type { Handler } from './handler.js'

export function loggingHandlers(s: Services): [string, Handler][] {
  return [
    [
      routeKey({ api: 'logging/v2', id: 'logging.entries.list' }),
      (c) => s.logEntries.list(c.caller, c.body),
    ],
  ]
}
