// The grammar of `runiam logging read` (gcloud logging read), for the command table; the
// implementation (logging-read.ts) loads only when the command runs.
import type { CommandDef } from './command-def.js'

/** Compat: gcloud logging read's flags (surface/logging/read.py), folders and views aside. */
export const LOGGING_COMMANDS: readonly CommandDef[] = [
  {
    path: ['logging', 'read'],
    summary: 'Read log entries (audit logs and what services printed).',
    args: {
      positionals: [
        {
          name: 'LOG_FILTER',
          help: 'A Cloud Logging filter, e.g. \'protoPayload.methodName="google.cloud.run.v2.Services.SetIamPolicy"\'.',
        },
      ],
      flags: [
        {
          name: 'limit',
          kind: 'string',
          metavar: 'LIMIT',
          help: 'Maximum number of log entries to return (default: all).',
        },
        {
          name: 'freshness',
          kind: 'string',
          metavar: 'FRESHNESS',
          help: 'Return entries not older than this, e.g. 30m, 2h, 1d (default 1d; ignored when the filter mentions timestamp).',
        },
        {
          name: 'order',
          kind: 'string',
          metavar: 'ORDER',
          help: 'desc (newest first, default) or asc.',
        },
        {
          name: 'organization',
          kind: 'string',
          metavar: 'ORGANIZATION_ID',
          help: "Read the organization's logs instead of the project's.",
        },
        {
          name: 'resource-names',
          kind: 'string',
          metavar: 'RESOURCE',
          help: 'Comma-separated projects/P or organizations/O to read (instead of --project).',
        },
      ],
    },
    load: async () => (await import('./logging-read.js')).read,
  },
]
