// The grammar of `runiam org-policies …` (gcloud's org-policies group), for the command table;
// the implementation (org-policies.ts) loads only when a command runs.
import type { FlagSpec } from '../args/spec.js'
import type { CommandDef } from './command-def.js'

const org = () => import('./org-policies.js')

const constraint = {
  name: 'CONSTRAINT',
  help: 'The constraint, with or without the constraints/ prefix, e.g. iam.allowedPolicyMemberDomains.',
  required: true,
}

const organizationFlag: FlagSpec = {
  name: 'organization',
  kind: 'string',
  metavar: 'ORGANIZATION_ID',
  help: 'The organization (instead of --project).',
}

/** The commands' grammar, for the command table. */
export const ORG_POLICIES_COMMANDS: readonly CommandDef[] = [
  {
    path: ['org-policies', 'set-policy'],
    summary: 'Create or update an organization policy from a JSON or YAML file.',
    args: {
      positionals: [
        { name: 'POLICY_FILE', help: 'The JSON or YAML file with the policy.', required: true },
      ],
      flags: [
        {
          name: 'update-mask',
          kind: 'string',
          metavar: 'UPDATE_MASK',
          help: 'The fields to update: spec, dryRunSpec or * (policy. prefix optional).',
        },
      ],
    },
    load: async () => (await org()).setPolicy,
  },
  {
    path: ['org-policies', 'describe'],
    summary: 'Describe the organization policy of a constraint on a project or the organization.',
    args: {
      positionals: [constraint],
      flags: [
        organizationFlag,
        {
          name: 'effective',
          kind: 'bool',
          help: 'Describe the effective policy (inherited and merged down the hierarchy).',
        },
      ],
    },
    load: async () => (await org()).describe,
  },
  {
    path: ['org-policies', 'list'],
    summary: 'List the organization policies set on a project or the organization.',
    args: {
      positionals: [],
      flags: [
        organizationFlag,
        {
          name: 'show-unset',
          kind: 'bool',
          help: 'Also list the constraints that have no policy on the resource.',
        },
      ],
    },
    load: async () => (await org()).list,
  },
  {
    path: ['org-policies', 'delete'],
    summary: 'Delete the organization policy of a constraint on a project or the organization.',
    args: { positionals: [constraint], flags: [organizationFlag] },
    load: async () => (await org()).remove,
  },
]
