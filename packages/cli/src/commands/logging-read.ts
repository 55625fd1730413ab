// `runiam logging read [FILTER]`: Cloud Logging's entries:list as gcloud logging read calls it —
// the newest entries first, an implicit `timestamp >= now - --freshness` unless the filter
// mentions timestamp, paged up to --limit, printed as YAML documents (or --format).
// Compat: gcloud's command_lib/logs/read.py and api_lib/logging/common.py.
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, parseFormat } from '../output/format.js'
import { flagString, requireProject } from '../resource-refs.js'
import { listEntries, readFlags } from './cloud-run-logs.js'

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
  const { limit, order, freshnessMs } = readFlags(ctx)
  const given = ctx.args.positionals['LOG_FILTER'] ?? ''
  // Compat: with --order desc and no "timestamp" in the filter, gcloud adds a freshness bound.
  const filter =
    order === 'desc' && !given.includes('timestamp')
      ? [
          `timestamp>="${new Date(Date.now() - freshnessMs).toISOString()}"`,
          ...(given === '' ? [] : [given]),
        ].join(' AND ')
      : given
  const format = parseFormat(ctx.settings.format)
  const shown = await listEntries(ctx, { resourceNames: names, filter }, { limit, order })
  if (shown.length > 0) ctx.io.stdout(formatList(shown, format))
}
