// `runiam logging read [FILTER]`: Cloud Logging's entries:list as gcloud logging read calls it —
// the newest entries first, an implicit `timestamp >= now - --freshness` unless the filter
// mentions timestamp, paged up to --limit, printed as YAML documents (or --format).
// Compat: gcloud's command_lib/logs/read.py and api_lib/logging/common.py.
import type { ListLogEntriesResponse, LogEntry } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, parseFormat } from '../output/format.js'
import { flagString, requireProject } from '../resource-refs.js'
import { parseFreshness } from './cloud-run-logs.js'

function resourceNames(ctx: CommandContext): string[] {
  const given = flagString(ctx, 'resource-names')
  if (given !== undefined) {
    const names = given
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '')
    for (const n of names) {
      // Compat: gcloud's InvalidArgumentException for --resource-names.
      if (!/^(projects|organizations|folders|billingAccounts)\//.test(n)) {
        throw new CliError(
          `Invalid resource ${n}: resource names must start with one of projects/, organizations/, folders/, billingAccounts/.`,
          2,
        )
      }
    }
    return names
  }
  const org = flagString(ctx, 'organization')
  if (org !== undefined) return [`organizations/${org}`]
  return [`projects/${requireProject(ctx)}`]
}

export async function read(ctx: CommandContext): Promise<void> {
  const names = resourceNames(ctx)
  const limitText = flagString(ctx, 'limit')
  let limit: number | undefined
  if (limitText !== undefined) {
    limit = Number(limitText)
    if (!Number.isInteger(limit) || limit < 1) {
      throw new CliError(
        `argument --limit: Value must be greater than or equal to 1; received: ${limitText}`,
        2,
      )
    }
  }
  const order = (flagString(ctx, 'order') ?? 'desc').toLowerCase()
  if (order !== 'desc' && order !== 'asc') {
    throw new CliError(
      `argument --order: Invalid choice: '${order}'. Valid choices are [asc, desc].`,
      2,
    )
  }
  const freshness = parseFreshness(flagString(ctx, 'freshness') ?? '1d')
  const given = ctx.args.positionals['LOG_FILTER'] ?? ''
  // Compat: with --order desc and no "timestamp" in the filter, gcloud adds a freshness bound.
  const filter =
    order === 'desc' && !given.includes('timestamp')
      ? [
          `timestamp>="${new Date(Date.now() - freshness).toISOString()}"`,
          ...(given === '' ? [] : [given]),
        ].join(' AND ')
      : given
  const format = parseFormat(ctx.settings.format)
  const client = await ctx.client()
  const entries: LogEntry[] = []
  let pageToken: string | undefined
  do {
    // Compat: pageSize = min(limit or 1000, 1000), stopping client-side at --limit.
    const want = limit === undefined ? 1000 : Math.min(1000, limit - entries.length)
    const page = await client.request<ListLogEntriesResponse>('POST', '/v2/entries:list', {
      body: {
        resourceNames: names,
        ...(filter === '' ? {} : { filter }),
        orderBy: `timestamp ${order}`,
        pageSize: want,
        ...(pageToken === undefined ? {} : { pageToken }),
      },
    })
    entries.push(...(page.entries ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined && (limit === undefined || entries.length < limit))
  const shown = entries.slice(0, limit)
  if (shown.length > 0) ctx.io.stdout(formatList(shown, format))
}
