// The grammar of `runiam run worker-pools deploy|describe|list|delete|logs read`, for the command
// table (the four IAM commands come from table.ts's iamCommands); the implementation
// (run-worker-pools.ts) loads only when a command runs. Compat: gcloud's flags of the same names
// (surface/run/worker_pools/*.py).
import type { FlagSpec, PositionalSpec } from '../args/spec.js'
import type { CommandDef } from './command-def.js'
import { LOGS_COMMANDS } from './logs-commands.js'

const pools = () => import('./run-worker-pools.js')

const pool = (help: string): PositionalSpec => ({ name: 'WORKER_POOL', help, required: true })
const asyncFlag: FlagSpec = {
  name: 'async',
  kind: 'bool',
  help: 'Return immediately, without waiting for the operation in progress to complete.',
}
const envFlag = (name: string, help: string, metavar = 'KEY=VALUE,[KEY=VALUE,…]'): FlagSpec => ({
  name,
  kind: 'string',
  metavar,
  help,
})

export const WORKER_POOL_COMMANDS: readonly CommandDef[] = [
  {
    path: ['run', 'worker-pools', 'deploy'],
    summary:
      'Create or update a Cloud Run worker pool (a container command runs as local processes).',
    args: {
      positionals: [pool('The worker pool to deploy to.')],
      flags: [
        { name: 'image', kind: 'string', metavar: 'IMAGE', help: 'The container image.' },
        {
          name: 'command',
          kind: 'string',
          metavar: 'COMMAND',
          help: 'Entrypoint, comma-separated (runiam runs it as a local process); an empty string clears it.',
        },
        {
          name: 'args',
          kind: 'string',
          metavar: 'ARG',
          help: 'Comma-separated arguments passed to the command (^DELIM^ changes the delimiter); an empty string clears them.',
        },
        envFlag('set-env-vars', 'Replace every environment variable with these.'),
        envFlag('update-env-vars', 'Set these environment variables, keeping the others.'),
        envFlag('remove-env-vars', 'Remove these environment variables.', 'KEY,[KEY,…]'),
        { name: 'clear-env-vars', kind: 'bool', help: 'Remove every environment variable.' },
        {
          name: 'instances',
          kind: 'string',
          metavar: 'INSTANCES',
          help: 'The number of instances (manual scaling); runiam runs at most 10 locally.',
        },
        {
          name: 'description',
          kind: 'string',
          metavar: 'DESCRIPTION',
          help: 'A description of the worker pool.',
        },
        envFlag('labels', 'Replace the labels with these.'),
        {
          name: 'service-account',
          kind: 'string',
          metavar: 'SERVICE_ACCOUNT',
          help: "The revision's runtime service account (recorded; local processes run as the server's OS user).",
        },
        asyncFlag,
      ],
      exclusive: [
        ['set-env-vars', 'update-env-vars'],
        ['set-env-vars', 'remove-env-vars'],
        ['set-env-vars', 'clear-env-vars'],
        ['clear-env-vars', 'update-env-vars'],
        ['clear-env-vars', 'remove-env-vars'],
      ],
    },
    load: async () => (await pools()).deploy,
  },
  {
    path: ['run', 'worker-pools', 'describe'],
    summary: 'Obtain details about a given worker pool.',
    args: { positionals: [pool('The worker pool to describe.')], flags: [] },
    load: async () => (await pools()).describe,
  },
  {
    path: ['run', 'worker-pools', 'list'],
    summary: 'List available worker pools (every region unless --region is given).',
    args: { positionals: [], flags: [] },
    load: async () => (await pools()).list,
  },
  {
    path: ['run', 'worker-pools', 'delete'],
    summary: 'Delete a worker pool (its local processes stop).',
    args: { positionals: [pool('The worker pool to delete.')], flags: [asyncFlag] },
    load: async () => (await pools()).remove,
  },
  {
    path: ['run', 'worker-pools', 'logs', 'read'],
    summary: 'Read logs for a Cloud Run worker pool (what its local processes printed).',
    args: {
      positionals: [
        { name: 'WORKER_POOL', help: 'Name for a Cloud Run worker pool.', required: true },
      ],
      flags: LOGS_COMMANDS[0]?.args.flags ?? [],
    },
    load: async () => (await pools()).logsRead,
  },
]
