// Every runiam command as data: its path, grammar and a lazy loader for its implementation.
// main.ts only reads this table; implementations load on demand so startup stays fast.
import type { FlagSpec, PositionalSpec } from '../args/spec.js'
import { OUTPUT_FLAGS } from '../output/output-flags.js'
import type { CommandDef } from './command-def.js'
import { IDENTITY_GROUPS_COMMANDS } from './identity-groups-commands.js'
import { JOBS_COMMANDS } from './jobs-commands.js'
import { CONTAINER_FLAGS } from './container-flags.js'
import { HIERARCHY_COMMANDS } from './hierarchy-commands.js'
import { ADMIN_COMMANDS } from './admin-commands.js'
import { LOGS_COMMANDS } from './logs-commands.js'
import { ASSET_COMMANDS } from './asset-commands.js'
import { RECOMMENDER_COMMANDS } from './recommender-commands.js'
import { TROUBLESHOOT_COMMANDS } from './troubleshoot-commands.js'
import { LOGGING_COMMANDS } from './logging-commands.js'
import { ORG_POLICIES_COMMANDS } from './org-policies-commands.js'
import { IAM_POLICIES_COMMANDS } from './iam-policies-commands.js'
import { SERVICE_ACCOUNT_COMMANDS } from './service-account-commands.js'
import { KNATIVE_COMMANDS } from './knative-commands.js'
import { KNATIVE_JOB_COMMANDS } from './knative-job-commands.js'
import { WORKER_POOL_COMMANDS } from './worker-pool-commands.js'
import { IAM_ROLES_COMMANDS } from './iam-roles-commands.js'

export type { CommandDef } from './command-def.js'

/** Flags every command accepts (gcloud's global flags plus --region, as runiam's brief says). */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  { name: 'project', kind: 'string', metavar: 'PROJECT_ID', help: 'The project to use.' },
  { name: 'region', kind: 'string', metavar: 'REGION', help: 'The Cloud Run region.' },
  { name: 'account', kind: 'string', metavar: 'ACCOUNT', help: 'The account to act as.' },
  {
    name: 'format',
    kind: 'string',
    metavar: 'FORMAT',
    help: 'Output format: yaml (default for resources), json, value(KEY,…), csv(KEY,…), table(KEY,…) or none.',
  },
  ...OUTPUT_FLAGS,
  {
    name: 'quiet',
    kind: 'bool',
    short: 'q',
    help: 'Disable all interactive prompts; use the default answers.',
  },
  { name: 'help', kind: 'bool', short: 'h', help: 'Show help for this command.' },
]

const pos = (name: string, help: string, required = true): PositionalSpec => ({
  name,
  help,
  required,
})

const memberFlag: FlagSpec = {
  name: 'member',
  kind: 'string',
  required: true,
  aliases: ['principal'],
  metavar: 'PRINCIPAL',
  help: 'The principal to add the binding for, e.g. user:alice@example.com or allUsers.',
}
const roleFlag: FlagSpec = {
  name: 'role',
  kind: 'string',
  required: true,
  metavar: 'ROLE',
  help: 'The role name, e.g. roles/run.invoker.',
}
const conditionFlags: readonly FlagSpec[] = [
  {
    name: 'condition',
    kind: 'string',
    metavar: 'KEY=VALUE',
    help: 'A condition: None, or expression=EXPR,title=TITLE[,description=DESC] (use ^:^ to change the delimiter).',
  },
  {
    name: 'condition-from-file',
    kind: 'string',
    metavar: 'PATH',
    help: 'A JSON or YAML file with the condition (expression, title, description).',
  },
]
const conditionExclusive = [['condition', 'condition-from-file']] as const

function iamCommands(group: readonly string[], noun: string, nounHelp: string): CommandDef[] {
  const iam = () => import('./iam-policy.js')
  return [
    {
      path: [...group, 'get-iam-policy'],
      summary: `Get the IAM policy for a ${nounHelp}.`,
      args: { positionals: [pos(noun, `The ${nounHelp}.`)], flags: [] },
      load: async () => (await import('./get-iam-policy.js')).getIamPolicy,
    },
    {
      path: [...group, 'set-iam-policy'],
      summary: `Set the IAM policy for a ${nounHelp} from a JSON or YAML file.`,
      args: {
        positionals: [pos(noun, `The ${nounHelp}.`), pos('POLICY_FILE', 'The policy file.')],
        flags: [],
      },
      load: async () => (await iam()).setIamPolicy,
    },
    {
      path: [...group, 'add-iam-policy-binding'],
      summary: `Add an IAM policy binding to a ${nounHelp}.`,
      args: {
        positionals: [pos(noun, `The ${nounHelp}.`)],
        flags: [memberFlag, roleFlag, ...conditionFlags],
        exclusive: conditionExclusive,
      },
      load: async () => (await iam()).addIamPolicyBinding,
    },
    {
      path: [...group, 'remove-iam-policy-binding'],
      summary: `Remove an IAM policy binding from a ${nounHelp}.`,
      args: {
        positionals: [pos(noun, `The ${nounHelp}.`)],
        flags: [
          { ...memberFlag, help: 'The principal to remove the binding for.' },
          roleFlag,
          ...conditionFlags,
          {
            name: 'all',
            kind: 'bool',
            help: 'Remove the principal from every binding of the role, whatever the condition.',
          },
        ],
        exclusive: [['condition', 'condition-from-file', 'all']],
      },
      load: async () => (await iam()).removeIamPolicyBinding,
    },
  ]
}

const auth = () => import('./auth.js')
const config = () => import('./config.js')
const projects = () => import('./projects.js')
const services = () => import('./run-services.js')

export const COMMANDS: readonly CommandDef[] = [
  {
    path: ['serve'],
    summary: 'Run the runiam server (see `runiam serve --help`).',
    args: { positionals: [], flags: [] },
    raw: true,
    load: async () => (await import('./serve.js')).serve,
  },
  {
    path: ['export'],
    summary: 'Write the store to a versioned JSON file (see `runiam export --help`).',
    args: { positionals: [], flags: [] },
    raw: true,
    load: async () => (await import('./ops-tools.js')).exportStore,
  },
  {
    path: ['import'],
    summary: 'Read an export into an empty store (see `runiam import --help`).',
    args: { positionals: [], flags: [] },
    raw: true,
    load: async () => (await import('./ops-tools.js')).importStore,
  },
  {
    path: ['migrate'],
    summary: "Apply the store's schema migrations without serving (see `runiam migrate --help`).",
    args: { positionals: [], flags: [] },
    raw: true,
    load: async () => (await import('./ops-tools.js')).migrateStore,
  },
  {
    path: ['auth', 'login'],
    summary: 'Obtain credentials for an account (development login) and make it active.',
    args: { positionals: [pos('ACCOUNT', 'The account to log in as.')], flags: [] },
    load: async () => (await auth()).login,
  },
  {
    path: ['auth', 'list'],
    summary: 'List the accounts that have credentials.',
    args: { positionals: [], flags: [] },
    load: async () => (await auth()).list,
  },
  {
    path: ['auth', 'revoke'],
    summary: 'Forget the credentials of an account (the active one by default).',
    args: { positionals: [pos('ACCOUNT', 'The account.', false)], flags: [] },
    load: async () => (await auth()).revoke,
  },
  {
    path: ['auth', 'print-access-token'],
    summary: 'Print an access token for the active account.',
    args: { positionals: [pos('ACCOUNT', 'The account.', false)], flags: [] },
    load: async () => (await auth()).printAccessToken,
  },
  {
    path: ['config', 'set'],
    summary: 'Set a property: project, run/region, api_endpoint, account.',
    args: {
      positionals: [pos('SECTION/PROPERTY', 'The property.'), pos('VALUE', 'Its value.')],
      flags: [],
    },
    load: async () => (await config()).set,
  },
  {
    path: ['config', 'get'],
    summary: 'Print the value of a property.',
    args: { positionals: [pos('SECTION/PROPERTY', 'The property.')], flags: [] },
    load: async () => (await config()).get,
  },
  {
    path: ['config', 'list'],
    summary: 'List the properties that are set.',
    args: { positionals: [], flags: [] },
    load: async () => (await config()).list,
  },
  {
    path: ['config', 'unset'],
    summary: 'Unset a property.',
    args: { positionals: [pos('SECTION/PROPERTY', 'The property.')], flags: [] },
    load: async () => (await config()).unset,
  },
  {
    path: ['projects', 'create'],
    summary: 'Create a project.',
    args: {
      positionals: [pos('PROJECT_ID', 'The ID of the new project.')],
      flags: [{ name: 'name', kind: 'string', metavar: 'NAME', help: 'The display name.' }],
    },
    load: async () => (await projects()).create,
  },
  {
    path: ['projects', 'describe'],
    summary: 'Show a project.',
    args: { positionals: [pos('PROJECT_ID', 'The project.')], flags: [] },
    load: async () => (await projects()).describe,
  },
  {
    path: ['projects', 'list'],
    summary: 'List the projects you can see.',
    args: { positionals: [], flags: [] },
    load: async () => (await projects()).list,
  },
  ...iamCommands(['projects'], 'PROJECT_ID', 'project'),
  {
    path: ['run', 'deploy'],
    summary: 'Create or update a service.',
    args: {
      positionals: [pos('SERVICE', 'The service name.')],
      flags: [
        {
          name: 'upstream',
          kind: 'string',
          metavar: 'URL',
          help: 'Where the invoker gateway forwards allowed requests (annotation runiam.dev/upstream).',
        },
        { name: 'image', kind: 'string', metavar: 'IMAGE', help: 'The container image.' },
        ...CONTAINER_FLAGS,
        {
          name: 'allow-unauthenticated',
          kind: 'bool',
          negatable: true,
          help: 'Whether to grant roles/run.invoker to allUsers (--no-… removes it).',
        },
        {
          name: 'invoker-iam-check',
          kind: 'bool',
          negatable: true,
          help: 'Whether the invoker IAM check is enforced (--no-… makes the service public).',
        },
      ],
    },
    load: async () => (await import('./run-deploy.js')).deploy,
  },
  {
    path: ['run', 'services', 'list'],
    summary: 'List services.',
    args: { positionals: [], flags: [] },
    load: async () => (await services()).list,
  },
  {
    path: ['run', 'services', 'describe'],
    summary: 'Show a service.',
    args: { positionals: [pos('SERVICE', 'The service.')], flags: [] },
    load: async () => (await services()).describe,
  },
  {
    path: ['run', 'services', 'delete'],
    summary: 'Delete a service.',
    args: { positionals: [pos('SERVICE', 'The service.')], flags: [] },
    load: async () => (await services()).remove,
  },
  {
    path: ['run', 'services', 'update'],
    summary: 'Update settings of an existing service.',
    args: {
      positionals: [pos('SERVICE', 'The service.')],
      flags: [
        {
          name: 'invoker-iam-check',
          kind: 'bool',
          negatable: true,
          help: 'Whether the invoker IAM check is enforced (--no-… makes the service public; needs run.services.setIamPolicy).',
        },
        {
          name: 'upstream',
          kind: 'string',
          metavar: 'URL',
          help: 'Where the invoker gateway forwards allowed requests (annotation runiam.dev/upstream).',
        },
        { name: 'image', kind: 'string', metavar: 'IMAGE', help: 'The container image.' },
      ],
    },
    load: async () => (await import('./run-deploy.js')).update,
  },
  ...iamCommands(['run', 'services'], 'SERVICE', 'service'),
  ...LOGS_COMMANDS,
  ...ASSET_COMMANDS,
  ...RECOMMENDER_COMMANDS,
  ...TROUBLESHOOT_COMMANDS,
  ...LOGGING_COMMANDS,
  ...ORG_POLICIES_COMMANDS,
  ...SERVICE_ACCOUNT_COMMANDS,
  ...JOBS_COMMANDS,
  ...KNATIVE_COMMANDS,
  ...KNATIVE_JOB_COMMANDS,
  ...WORKER_POOL_COMMANDS,
  ...iamCommands(['run', 'worker-pools'], 'WORKER_POOL', 'worker pool'),
  ...IDENTITY_GROUPS_COMMANDS,
  ...iamCommands(['iam', 'service-accounts'], 'SERVICE_ACCOUNT', 'service account'),
  ...IAM_ROLES_COMMANDS,
  ...IAM_POLICIES_COMMANDS,
  ...HIERARCHY_COMMANDS,
  ...iamCommands(['organizations'], 'ORGANIZATION_ID', 'organization'),
  ...ADMIN_COMMANDS,
]
