// The grammar of `runiam run jobs …` (create, describe, list, delete, execute, the four IAM
// commands, logs read) and `runiam run jobs executions …` (list, describe, cancel, delete), for the
// command table; the implementations (run-jobs.ts, iam-policy.ts) load only when a command runs.
// Compat: gcloud's `run jobs` surface, its flags and their help.
import type { FlagSpec, PositionalSpec } from '../args/spec.js'
import type { CommandDef } from './command-def.js'

const JOB: PositionalSpec = { name: 'JOB', help: 'Name of the job.', required: true }
const EXECUTION: PositionalSpec = {
  name: 'EXECUTION',
  help: 'Name of the execution (JOB-xxxxx) or its full resource name.',
  required: true,
}

const str = (name: string, metavar: string, help: string): FlagSpec => ({
  name,
  kind: 'string',
  metavar,
  help,
})

const argsFlag = str(
  'args',
  'ARG',
  'Comma-separated arguments passed to the command (^DELIM^ before them picks another delimiter); an empty string clears them.',
)
const tasksFlag = str('tasks', 'TASKS', 'Number of tasks to run (default 1).')
const timeoutFlag = str(
  'task-timeout',
  'TASK_TIMEOUT',
  'How long a task attempt may run, e.g. 600s, 10m, 1h (default 10m).',
)

/** Flags that set a job's configuration (create). */
const JOB_FLAGS: readonly FlagSpec[] = [
  str('image', 'IMAGE', 'The container image (recorded; runiam runs --command, not images).'),
  str(
    'command',
    'COMMAND',
    'Comma-separated entrypoint: the program a task runs, then its first arguments.',
  ),
  argsFlag,
  str('set-env-vars', 'KEY=VALUE', 'Comma-separated environment variables of the container.'),
  tasksFlag,
  str('parallelism', 'PARALLELISM', 'Tasks that may run at once (default 0: as many as possible).'),
  timeoutFlag,
  str('max-retries', 'MAX_RETRIES', 'Retries of a failed task before it fails (default 3).'),
]

const iam = () => import('./iam-policy.js')
const jobs = () => import('./run-jobs.js')

const member: FlagSpec = {
  name: 'member',
  kind: 'string',
  required: true,
  aliases: ['principal'],
  metavar: 'PRINCIPAL',
  help: 'The principal, e.g. user:alice@example.com or serviceAccount:…',
}
const role: FlagSpec = {
  name: 'role',
  kind: 'string',
  required: true,
  metavar: 'ROLE',
  help: 'The role name, e.g. roles/run.invoker.',
}

export const JOBS_COMMANDS: readonly CommandDef[] = [
  {
    path: ['run', 'jobs', 'create'],
    summary: 'Create a job (its tasks run as local processes of the server).',
    args: { positionals: [JOB], flags: JOB_FLAGS },
    load: async () => (await jobs()).create,
  },
  {
    path: ['run', 'jobs', 'describe'],
    summary: 'Show a job.',
    args: { positionals: [JOB], flags: [] },
    load: async () => (await jobs()).describe,
  },
  {
    path: ['run', 'jobs', 'list'],
    summary: 'List jobs.',
    args: { positionals: [], flags: [] },
    load: async () => (await jobs()).list,
  },
  {
    path: ['run', 'jobs', 'delete'],
    summary: 'Delete a job and its executions.',
    args: { positionals: [JOB], flags: [] },
    load: async () => (await jobs()).remove,
  },
  {
    path: ['run', 'jobs', 'execute'],
    summary: 'Execute a job.',
    args: {
      positionals: [JOB],
      flags: [
        argsFlag,
        str(
          'update-env-vars',
          'KEY=VALUE',
          'Comma-separated environment variables set for this execution only.',
        ),
        tasksFlag,
        timeoutFlag,
        { name: 'wait', kind: 'bool', help: 'Wait until the execution has completed.' },
        {
          name: 'async',
          kind: 'bool',
          help: 'Return once the execution has started (the default).',
        },
      ],
      exclusive: [['wait', 'async']],
    },
    load: async () => (await jobs()).execute,
  },
  {
    path: ['run', 'jobs', 'get-iam-policy'],
    summary: 'Get the IAM policy for a job.',
    args: { positionals: [JOB], flags: [] },
    load: async () => (await import('./get-iam-policy.js')).getIamPolicy,
  },
  {
    path: ['run', 'jobs', 'set-iam-policy'],
    summary: 'Set the IAM policy for a job from a JSON or YAML file.',
    args: {
      positionals: [JOB, { name: 'POLICY_FILE', help: 'The policy file.', required: true }],
      flags: [],
    },
    load: async () => (await iam()).setIamPolicy,
  },
  {
    path: ['run', 'jobs', 'add-iam-policy-binding'],
    summary: 'Add an IAM policy binding to a job.',
    args: { positionals: [JOB], flags: [member, role] },
    load: async () => (await iam()).addIamPolicyBinding,
  },
  {
    path: ['run', 'jobs', 'remove-iam-policy-binding'],
    summary: 'Remove an IAM policy binding from a job.',
    args: { positionals: [JOB], flags: [member, role] },
    load: async () => (await iam()).removeIamPolicyBinding,
  },
  {
    path: ['run', 'jobs', 'logs', 'read'],
    summary: "Read a job's logs (what its tasks printed).",
    args: {
      positionals: [JOB],
      flags: [
        str('limit', 'LIMIT', 'Maximum number of entries to read (default: all).'),
        str(
          'freshness',
          'FRESHNESS',
          'Return entries not older than this, e.g. 30m, 2h, 1d (default 1d).',
        ),
        str('log-filter', 'LOG_FILTER', 'A Cloud Logging filter AND-ed to the job filter.'),
        str('execution', 'EXECUTION', 'Only the entries of this execution.'),
        str('order', 'ORDER', 'Which entries --limit keeps: desc (newest, default) or asc.'),
      ],
    },
    load: async () => (await jobs()).logsRead,
  },
  {
    path: ['run', 'jobs', 'executions', 'list'],
    summary: 'List executions (of one job with --job).',
    args: { positionals: [], flags: [str('job', 'JOB', 'Limit the list to this job.')] },
    load: async () => (await jobs()).listExecutions,
  },
  {
    path: ['run', 'jobs', 'executions', 'describe'],
    summary: 'Show an execution.',
    args: { positionals: [EXECUTION], flags: [] },
    load: async () => (await jobs()).describeExecution,
  },
  {
    path: ['run', 'jobs', 'executions', 'cancel'],
    summary: 'Cancel an execution: its running tasks are stopped.',
    args: { positionals: [EXECUTION], flags: [] },
    load: async () => (await jobs()).cancelExecution,
  },
  {
    path: ['run', 'jobs', 'executions', 'delete'],
    summary: 'Delete an execution (a running one is cancelled first).',
    args: { positionals: [EXECUTION], flags: [] },
    load: async () => (await jobs()).deleteExecution,
  },
]
