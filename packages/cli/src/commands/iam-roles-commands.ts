// The grammar of `runiam iam roles list|describe|create|update|delete|undelete` and `runiam iam
// list-testable-permissions`, for the command table; the implementations (iam-roles.ts) load only
// when a command runs. Compat: gcloud's surface/iam/roles/*.py and list_testable_permissions.py.
import type { FlagSpec, PositionalSpec } from '../args/spec.js'
import type { CommandDef } from './command-def.js'

const roles = () => import('./iam-roles.js')

const roleId = (verb: string, custom: boolean): PositionalSpec => ({
  name: 'ROLE_ID',
  help: custom
    ? `ID of the custom role to ${verb}. You must also specify the \`--organization\` or \`--project\` flag.`
    : `ID of the role to ${verb}. Curated roles example: roles/viewer. Custom roles example: CustomRole. For custom roles, you must also specify the \`--organization\` or \`--project\` flag.`,
  required: true,
})

const organization = (verb: string): FlagSpec => ({
  name: 'organization',
  kind: 'string',
  metavar: 'ORGANIZATION',
  help: `Organization of the role you want to ${verb} (or --project PROJECT_ID).`,
})

const str = (name: string, help: string, metavar = name.toUpperCase()): FlagSpec => ({
  name,
  kind: 'string',
  metavar,
  help,
})

const settingsFlags = (verb: string): FlagSpec[] => [
  str('title', `The title of the role you want to ${verb}.`),
  str('description', `The description of the role you want to ${verb}.`),
  str(
    'stage',
    `The state of the role you want to ${verb}: ALPHA, BETA, GA, DEPRECATED or DISABLED.`,
  ),
  str(
    'permissions',
    `The permissions of the role you want to ${verb === 'create' ? 'create' : 'set'}. Use commas to separate them.`,
  ),
]

export const IAM_ROLES_COMMANDS: readonly CommandDef[] = [
  {
    path: ['iam', 'roles', 'list'],
    summary: 'List predefined roles, or the custom roles of an organization or project.',
    args: {
      positionals: [],
      flags: [
        organization('list'),
        { name: 'show-deleted', kind: 'bool', help: 'Show deleted roles by specifying this flag.' },
        str('limit', 'The maximum number of roles to list.', 'LIMIT'),
      ],
    },
    load: async () => (await roles()).list,
  },
  {
    path: ['iam', 'roles', 'describe'],
    summary: 'Show metadata for a role.',
    args: { positionals: [roleId('describe', false)], flags: [organization('describe')] },
    load: async () => (await roles()).describe,
  },
  {
    path: ['iam', 'roles', 'create'],
    summary: 'Create a custom role for a project or an organization.',
    args: {
      positionals: [roleId('create', true)],
      flags: [
        organization('create'),
        ...settingsFlags('create'),
        str('file', 'The JSON or YAML file with the IAM Role to create.', 'FILE'),
      ],
      exclusive: [
        ['file', 'title'],
        ['file', 'description'],
        ['file', 'stage'],
        ['file', 'permissions'],
      ],
    },
    load: async () => (await roles()).create,
  },
  {
    path: ['iam', 'roles', 'update'],
    summary: 'Update an IAM custom role.',
    args: {
      positionals: [roleId('update', true)],
      flags: [
        organization('update'),
        ...settingsFlags('update'),
        str(
          'add-permissions',
          'The permissions you want to add to the role. Use commas to separate them.',
          'ADD_PERMISSIONS',
        ),
        str(
          'remove-permissions',
          'The permissions you want to remove from the role. Use commas to separate them.',
          'REMOVE_PERMISSIONS',
        ),
        str(
          'file',
          'The YAML file you want to use to update a role. Can not be specified with other flags except role-id.',
          'FILE',
        ),
      ],
    },
    load: async () => (await roles()).update,
  },
  {
    path: ['iam', 'roles', 'delete'],
    summary: 'Delete a custom role from an organization or a project.',
    args: { positionals: [roleId('delete', true)], flags: [organization('delete')] },
    load: async () => (await roles()).remove,
  },
  {
    path: ['iam', 'roles', 'undelete'],
    summary: 'Undelete a custom role from an organization or a project.',
    args: { positionals: [roleId('undelete', true)], flags: [organization('undelete')] },
    load: async () => (await roles()).undelete,
  },
  {
    path: ['iam', 'list-testable-permissions'],
    summary: 'List IAM testable permissions for a resource.',
    args: {
      positionals: [
        {
          name: 'RESOURCE',
          help: 'The full resource name (//cloudresourcemanager.googleapis.com/projects/P, //run.googleapis.com/projects/P/locations/L/services/S, …) or URI to get the testable permissions for.',
          required: true,
        },
      ],
      flags: [],
    },
    load: async () => (await roles()).listTestablePermissions,
  },
]
