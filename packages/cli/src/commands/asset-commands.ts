// The grammar of `runiam asset analyze-iam-policy` (gcloud asset analyze-iam-policy), for the
// command table; the implementation (asset-analyze.ts) loads only when the command runs.
import type { CommandDef } from './command-def.js'

const bool = (name: string, help: string) => ({ name, kind: 'bool' as const, help })

/** Compat: gcloud asset analyze-iam-policy's flags (command_lib/asset/flags.py), folder aside. */
export const ASSET_COMMANDS: readonly CommandDef[] = [
  {
    path: ['asset', 'analyze-iam-policy'],
    summary: 'Analyzes IAM policies that match a request (who has what access on which resource).',
    args: {
      positionals: [],
      flags: [
        {
          name: 'organization',
          kind: 'string',
          metavar: 'ORGANIZATION_ID',
          help: 'The organization ID to perform the analysis (or --project).',
        },
        {
          name: 'full-resource-name',
          kind: 'string',
          metavar: 'FULL_RESOURCE_NAME',
          help: 'The full resource name, e.g. //run.googleapis.com/projects/P/locations/L/services/S.',
        },
        {
          name: 'identity',
          kind: 'string',
          metavar: 'IDENTITY',
          help: 'The identity, e.g. user:alice@example.com or group:eng@example.com.',
        },
        {
          name: 'roles',
          kind: 'string',
          metavar: 'ROLES',
          help: 'Comma-separated roles to appear in the result.',
        },
        {
          name: 'permissions',
          kind: 'string',
          metavar: 'PERMISSIONS',
          help: 'Comma-separated permissions to appear in the result.',
        },
        bool('expand-groups', 'Expand the Google groups appearing in IAM policy bindings.'),
        bool('expand-roles', "List the roles' permissions instead of the roles."),
        bool('expand-resources', 'Include the resources below the ones policies are attached to.'),
        bool('output-group-edges', 'Output group edges (needs --show-response).'),
        bool('output-resource-edges', 'Output resource edges (needs --show-response).'),
        bool('show-response', 'Print the AnalyzeIamPolicyResponse as the server answered it.'),
        {
          name: 'access-time',
          kind: 'string',
          metavar: 'ACCESS_TIME',
          help: 'The time conditions on request.time are evaluated at (RFC 3339; default now).',
        },
        {
          name: 'execution-timeout',
          kind: 'string',
          metavar: 'EXECUTION_TIMEOUT',
          help: 'Accepted and ignored: runiam answers every analysis in full.',
        },
      ],
      exclusive: [['organization', 'project']],
    },
    load: async () => (await import('./asset-analyze.js')).analyzeIamPolicy,
  },
]
