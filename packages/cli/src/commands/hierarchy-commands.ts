// The grammar of `runiam organizations list|describe` and `runiam projects
// get-ancestors-iam-policy`, for the command table; the implementations (organizations.ts) load
// only when a command runs. The organization IAM commands come from table.ts's iamCommands.
import type { CommandDef } from './command-def.js'

const organizations = () => import('./organizations.js')

export const HIERARCHY_COMMANDS: readonly CommandDef[] = [
  {
    path: ['organizations', 'list'],
    summary: 'List organizations accessible by the active account.',
    args: { positionals: [], flags: [] },
    load: async () => (await organizations()).list,
  },
  {
    path: ['organizations', 'describe'],
    summary: 'Show metadata for an organization.',
    args: {
      positionals: [
        {
          name: 'ORGANIZATION_ID',
          help: 'ID for the organization (also organizations/ID, or its domain).',
          required: true,
        },
      ],
      flags: [],
    },
    load: async () => (await organizations()).describe,
  },
  {
    path: ['projects', 'get-ancestors-iam-policy'],
    summary: 'Get IAM policies for a project and its ancestors.',
    args: {
      positionals: [
        { name: 'PROJECT_ID', help: 'ID for the project to get IAM policy for.', required: true },
      ],
      flags: [
        {
          name: 'include-deny',
          kind: 'bool',
          help: 'Include deny policies on the project and its ancestors (runiam has none).',
        },
      ],
    },
    load: async () => (await organizations()).getAncestorsIamPolicy,
  },
]
