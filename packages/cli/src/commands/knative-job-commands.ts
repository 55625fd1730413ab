// The grammar of `runiam run jobs replace FILE`, for the command table; the implementation
// (run-jobs-yaml.ts, with `run jobs describe --format export`) loads only when it runs.
import type { CommandDef } from './command-def.js'

export const KNATIVE_JOB_COMMANDS: readonly CommandDef[] = [
  {
    path: ['run', 'jobs', 'replace'],
    summary: 'Create or replace a job from a YAML job specification.',
    args: {
      positionals: [
        {
          name: 'FILE',
          help: 'The path to the YAML (or JSON) file with a Cloud Run job definition for the job to update or create, e.g. the output of `run jobs describe JOB --format export`.',
          required: true,
        },
      ],
      flags: [],
    },
    load: async () => (await import('./run-jobs-yaml.js')).replace,
  },
]
