// The grammar of `runiam iam policies …` (gcloud's IAM v2 policies group: deny policies), for the
// command table; the implementation (iam-policies.ts) loads only when a command runs.
import type { FlagSpec, PositionalSpec } from '../args/spec.js'
import type { CommandDef } from './command-def.js'

const impl = () => import('./iam-policies.js')

const policyId: PositionalSpec = {
  name: 'POLICY_ID',
  help: 'The policy id, e.g. my-deny-policy.',
  required: true,
}

const kind: FlagSpec = {
  name: 'kind',
  kind: 'string',
  metavar: 'KIND',
  required: true,
  help: 'The policy kind: denypolicies.',
}

const attachmentPoint: FlagSpec = {
  name: 'attachment-point',
  kind: 'string',
  metavar: 'ATTACHMENT_POINT',
  required: true,
  help: 'Where the policy is attached, without the leading //, e.g. cloudresourcemanager.googleapis.com/projects/my-project.',
}

const policyFile = (required: boolean): FlagSpec => ({
  name: 'policy-file',
  kind: 'string',
  metavar: 'POLICY_FILE',
  required,
  help: 'The JSON or YAML file with the policy (displayName, rules).',
})

const etag: FlagSpec = {
  name: 'etag',
  kind: 'string',
  metavar: 'ETAG',
  help: 'The etag the policy must have (update: default from the file; delete: none, delete whatever it is).',
}

/** The commands' grammar, for the command table. */
export const IAM_POLICIES_COMMANDS: readonly CommandDef[] = [
  {
    path: ['iam', 'policies', 'create'],
    summary: 'Create a deny policy on an organization or project.',
    args: { positionals: [policyId], flags: [kind, attachmentPoint, policyFile(true)] },
    load: async () => (await impl()).create,
  },
  {
    path: ['iam', 'policies', 'get'],
    summary: 'Show a deny policy.',
    args: { positionals: [policyId], flags: [kind, attachmentPoint] },
    load: async () => (await impl()).get,
  },
  {
    path: ['iam', 'policies', 'list'],
    summary: 'List the deny policies of an organization or project (without their rules).',
    args: { positionals: [], flags: [kind, attachmentPoint] },
    load: async () => (await impl()).list,
  },
  {
    path: ['iam', 'policies', 'update'],
    summary: 'Replace the rules and display name of a deny policy.',
    args: { positionals: [policyId], flags: [kind, attachmentPoint, policyFile(true), etag] },
    load: async () => (await impl()).update,
  },
  {
    path: ['iam', 'policies', 'delete'],
    summary: 'Delete a deny policy (permanent).',
    args: { positionals: [policyId], flags: [kind, attachmentPoint, etag] },
    load: async () => (await impl()).remove,
  },
]
