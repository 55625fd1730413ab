// The grammar of `runiam policy-troubleshoot iam` (gcloud policy-troubleshoot iam), for the
// command table; the implementation (policy-troubleshoot.ts) loads only when the command runs.
import type { CommandDef } from './command-def.js'

/**
 * Compat: gcloud policy-troubleshoot iam's positional and required flags (surface
 * policy_troubleshoot/iam.yaml); --request-host and --resource-request-path are runiam's
 * (Cloud Run conditions read request.host and request.path).
 */
export const TROUBLESHOOT_COMMANDS: readonly CommandDef[] = [
  {
    path: ['policy-troubleshoot', 'iam'],
    summary:
      'Troubleshoot IAM allow (and deny) policies: why a principal can or cannot do something.',
    args: {
      positionals: [
        {
          name: 'RESOURCE',
          help: 'Full resource name, e.g. //run.googleapis.com/projects/P/locations/L/services/S.',
          required: true,
        },
      ],
      flags: [
        {
          name: 'principal-email',
          kind: 'string',
          metavar: 'EMAIL',
          required: true,
          help: 'The email of the user or service account to troubleshoot.',
        },
        {
          name: 'permission',
          kind: 'string',
          metavar: 'PERMISSION',
          required: true,
          help: 'The permission, e.g. run.routes.invoke (v1) or run.googleapis.com/routes.invoke (v2).',
        },
        {
          name: 'resource-request-path',
          aliases: ['request-path'],
          kind: 'string',
          metavar: 'PATH',
          help: 'request.path for conditions (unknown when not given).',
        },
        {
          name: 'request-host',
          kind: 'string',
          metavar: 'HOST',
          help: 'request.host for conditions (unknown when not given).',
        },
        {
          name: 'request-time',
          kind: 'string',
          metavar: 'TIME',
          help: 'request.time for conditions, RFC 3339 (unknown when not given).',
        },
      ],
    },
    load: async () => (await import('./policy-troubleshoot.js')).troubleshootIam,
  },
]
