// The grammar of `runiam recommender recommendations list|describe|mark-claimed|mark-succeeded|
// mark-failed|mark-dismissed` (gcloud recommender recommendations), for the command table; the
// implementation (recommender.ts) loads only when a command runs.
import type { CommandDef } from './command-def.js'

const LOCATION = {
  name: 'location',
  kind: 'string' as const,
  required: true,
  metavar: 'LOCATION',
  help: 'The location: global for google.iam.policy.Recommender, a region for Cloud Run.',
}
const RECOMMENDER = {
  name: 'recommender',
  kind: 'string' as const,
  required: true,
  metavar: 'RECOMMENDER',
  help: 'The recommender: google.iam.policy.Recommender or google.run.service.SecurityRecommender.',
}
const ETAG = {
  name: 'etag',
  kind: 'string' as const,
  metavar: 'ETAG',
  help: "The recommendation's etag (from list or describe).",
}
const RECOMMENDATION = {
  name: 'RECOMMENDATION',
  help: 'The recommendation id (or its full name).',
  required: true,
}
const STATE_METADATA = {
  name: 'state-metadata',
  kind: 'string' as const,
  metavar: 'KEY=VALUE,…',
  help: 'State metadata to attach (replaces what the recommendation had).',
}

const mark = (verb: string, summary: string, etagRequired: boolean): CommandDef => ({
  path: ['recommender', 'recommendations', verb],
  summary,
  args: {
    positionals: [RECOMMENDATION],
    flags: [
      LOCATION,
      RECOMMENDER,
      { ...ETAG, required: etagRequired },
      ...(verb === 'mark-dismissed' ? [] : [STATE_METADATA]),
    ],
  },
  load: async () => (await import('./recommender.js')).mark,
})

/** Compat: gcloud recommender recommendations (surface/recommender/recommendations/*.py), GA. */
export const RECOMMENDER_COMMANDS: readonly CommandDef[] = [
  {
    path: ['recommender', 'recommendations', 'list'],
    summary: 'Lists the recommendations of a recommender for a project.',
    args: { positionals: [], flags: [LOCATION, RECOMMENDER] },
    load: async () => (await import('./recommender.js')).list,
  },
  {
    path: ['recommender', 'recommendations', 'describe'],
    summary: 'Describes a recommendation.',
    args: {
      positionals: [RECOMMENDATION],
      flags: [LOCATION, RECOMMENDER],
    },
    load: async () => (await import('./recommender.js')).describe,
  },
  mark('mark-claimed', 'Marks a recommendation CLAIMED (someone is acting on it).', true),
  mark('mark-succeeded', 'Marks a recommendation SUCCEEDED (it was applied).', true),
  mark('mark-failed', 'Marks a recommendation FAILED (applying it failed).', true),
  mark('mark-dismissed', 'Marks a recommendation DISMISSED.', false),
]
