// The grammar of `runiam run services replace FILE`, for the command table; the implementation
// (run-services-yaml.ts, with `run services describe --format export`) loads only when it runs.
import type { CommandDef } from './command-def.js'

export const KNATIVE_COMMANDS: readonly CommandDef[] = [
  {
    path: ['run', 'services', 'replace'],
    summary: 'Create or replace a service from a YAML service specification.',
    args: {
      positionals: [
        {
          name: 'FILE',
          help: 'The path to the YAML (or JSON) file with a Knative service definition for the service to update or deploy, e.g. the output of `run services describe SERVICE --format export`.',
          required: true,
        },
      ],
      flags: [],
    },
    load: async () => (await import('./run-services-yaml.js')).replace,
  },
]
