// The grammar of `runiam run services logs read`, for the command table; the implementation
// (run-services-logs.ts) loads only when the command runs.
import type { CommandDef } from './command-def.js'

/** The command's grammar, for the command table. */
export const LOGS_COMMANDS: readonly CommandDef[] = [
  {
    path: ['run', 'services', 'logs', 'read'],
    summary: 'Read logs for a Cloud Run service (what its local process printed).',
    args: {
      positionals: [{ name: 'SERVICE', help: 'Name for a Cloud Run service.', required: true }],
      flags: [
        {
          name: 'limit',
          kind: 'string',
          metavar: 'LIMIT',
          help: 'Maximum number of entries to read (default: all).',
        },
        {
          name: 'freshness',
          kind: 'string',
          metavar: 'FRESHNESS',
          help: 'Return entries not older than this, e.g. 30m, 2h, 1d (default 1d).',
        },
        {
          name: 'log-filter',
          kind: 'string',
          metavar: 'LOG_FILTER',
          help: 'A Cloud Logging filter AND-ed to the service filter, e.g. textPayload:error.',
        },
        {
          name: 'order',
          kind: 'string',
          metavar: 'ORDER',
          help: 'Which entries --limit keeps: desc (newest, default) or asc (oldest).',
        },
      ],
    },
    load: async () => (await import('./run-services-logs.js')).read,
  },
]
