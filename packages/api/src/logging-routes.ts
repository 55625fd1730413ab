// Cloud Logging v2's entries.list (logging.googleapis.com), as data for routes.ts: how
// `runiam run services logs read` (and Google's logging clients) read what local service
// processes printed. The permission is checked on every project in the body's resourceNames.
// Compat: path, method id and permission follow google/logging/v2/logging.proto.
import type { RouteSpec } from './route-spec.js'

export const LOGGING_ROUTES: readonly RouteSpec[] = [
  {
    api: 'logging/v2',
    id: 'logging.entries.list',
    method: 'POST',
    template: '/v2/entries:list',
    permission: 'logging.logEntries.list',
    resourceType: 'project',
    body: true,
    note: "checked on each project of the body's resourceNames",
  },
]
