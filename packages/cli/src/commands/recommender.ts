// `runiam recommender recommendations list|describe|mark-*`: gcloud's commands over Recommender
// v1. The parent is projects/PROJECT/locations/LOCATION/recommenders/RECOMMENDER (--project, else
// the configured project); RECOMMENDATION is an id or a full name; lists print gcloud's table.
// Compat: surface/recommender/recommendations/*.py (GA) and command_lib/recommender/flags.py.
import type { ListRecommendationsResponse, Recommendation } from '@runiam/api'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, parseFormat, withDefault } from '../output/format.js'
import { flagString, positional, requireProject } from '../resource-refs.js'
import { parseEnvVars } from './run-jobs.js'

/** Compat: list.py's default table. */
const LIST_FORMAT =
  'table(name.basename():label=RECOMMENDATION_ID, primaryImpact.category:label=PRIMARY_IMPACT_CATEGORY, stateInfo.state:label=RECOMMENDATION_STATE, lastRefreshTime:label=LAST_REFRESH_TIME, priority:label=PRIORITY, recommenderSubtype:label=RECOMMENDER_SUBTYPE, description:label=DESCRIPTION)'

function parentOf(ctx: CommandContext): string {
  const project = flagString(ctx, 'project') ?? requireProject(ctx)
  const location = flagString(ctx, 'location') ?? ''
  const recommender = flagString(ctx, 'recommender') ?? ''
  return `projects/${project}/locations/${location}/recommenders/${recommender}`
}

function nameOf(ctx: CommandContext): string {
  const id = positional(ctx, 'RECOMMENDATION')
  return id.includes('/') ? id : `${parentOf(ctx)}/recommendations/${id}`
}

const path = (name: string): string => `/v1/${name.split('/').map(encodeURIComponent).join('/')}`

export async function list(ctx: CommandContext): Promise<void> {
  const client = await ctx.client()
  const base = `${path(parentOf(ctx))}/recommendations`
  const all: Recommendation[] = []
  let token: string | undefined
  do {
    const page = await client.request<ListRecommendationsResponse>(
      'GET',
      token === undefined ? base : `${base}?pageToken=${encodeURIComponent(token)}`,
    )
    all.push(...(page.recommendations ?? []))
    token = page.nextPageToken
  } while (token !== undefined && token !== '')
  const format = withDefault(parseFormat(ctx.settings.format), LIST_FORMAT)
  const text = formatList(all, format)
  ctx.io.stdout(text)
  if (text === '' && parseFormat(ctx.settings.format).kind === 'default')
    ctx.io.stderr('Listed 0 items.\n')
}

export async function describe(ctx: CommandContext): Promise<void> {
  const client = await ctx.client()
  const r = await client.request<Recommendation>('GET', path(nameOf(ctx)))
  ctx.io.stdout(formatResource(r, parseFormat(ctx.settings.format)))
}

const VERBS: Readonly<Record<string, string>> = {
  'mark-claimed': 'markClaimed',
  'mark-succeeded': 'markSucceeded',
  'mark-failed': 'markFailed',
  'mark-dismissed': 'markDismissed',
}

export async function mark(ctx: CommandContext): Promise<void> {
  const verb = VERBS[ctx.id.slice(ctx.id.lastIndexOf('.') + 1)] ?? 'markDismissed'
  const etag = flagString(ctx, 'etag')
  const metadata = flagString(ctx, 'state-metadata')
  const body = {
    ...(etag === undefined ? {} : { etag }),
    ...(metadata === undefined
      ? {}
      : {
          stateMetadata: Object.fromEntries(
            parseEnvVars('state-metadata', metadata).map((p) => [p.name, p.value]),
          ),
        }),
  }
  const client = await ctx.client()
  const r = await client.request<Recommendation>('POST', `${path(nameOf(ctx))}:${verb}`, { body })
  ctx.io.stdout(formatResource(r, parseFormat(ctx.settings.format)))
}
