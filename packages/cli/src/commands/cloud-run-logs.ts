// `logs read` for any Cloud Run resource (`run services`, `run jobs`, `run worker-pools`): reads
// what its processes printed through Cloud Logging's entries:list and prints it the way `gcloud
// run services logs read` does: the newest --limit entries, printed oldest first, one
// `YYYY-MM-DD HH:MM:SS TEXT` line each (UTC).
// Compat: the filter is the one gcloud builds (resource type, name, region, severity and a
// --freshness timestamp, plus --log-filter), and only stdout/stderr entries are printed.
import type { ListLogEntriesResponse, LogEntry } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { flagString } from '../resource-refs.js'

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }

/** gcloud's --freshness durations: 30s, 10m, 2h, 1d, 1w. */
export function parseFreshness(text: string): number {
  const m = /^(\d+)([smhdw])$/i.exec(text.trim())
  if (m === null) {
    throw new CliError(
      `argument --freshness: Failed to parse duration: ${text}. Use a number and a unit (s, m, h, d), e.g. 1d.`,
      2,
    )
  }
  return Number(m[1]) * (UNITS[(m[2] ?? 's').toLowerCase()] ?? 1) * 1000
}

const pad = (n: number): string => String(n).padStart(2, '0')

function formatTime(rfc3339: string): string {
  const d = new Date(rfc3339)
  if (Number.isNaN(d.getTime())) return rfc3339
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
}

/** One printed line, or undefined for entries gcloud skips (system logs). */
export function formatLogLine(
  entry: Partial<Pick<LogEntry, 'logName' | 'textPayload' | 'timestamp'>>,
): string | undefined {
  const kind = (entry.logName ?? '').split('%2F')[1]
  if (kind !== 'stdout' && kind !== 'stderr') return undefined
  return `${formatTime(entry.timestamp ?? '')} ${entry.textPayload ?? ''}`
}

const quote = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`

/** Whose logs `readLogs` reads: a Cloud Logging resource type and the label naming it. */
export interface LogsTarget {
  readonly project: string
  readonly region: string
  /** `cloud_run_revision` (a service) or `cloud_run_worker_pool`. */
  readonly resourceType: string
  /** `service_name`, `job_name` or `worker_pool_name`. */
  readonly nameLabel: string
  readonly name: string
  /** Entry labels that must match too (a job's `run.googleapis.com/execution_name`). */
  readonly labels?: Readonly<Record<string, string>>
}

/** The flags every `logs read` shares: --limit (undefined: all), --order, --freshness (ms). */
export interface ReadFlags {
  readonly limit: number | undefined
  readonly order: 'asc' | 'desc'
  readonly freshnessMs: number
}

export function readFlags(ctx: CommandContext): ReadFlags {
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
  return { limit, order, freshnessMs: parseFreshness(flagString(ctx, 'freshness') ?? '1d') }
}

/**
 * entries:list, paged up to `limit` entries. Compat: gcloud pages with pageSize = min(limit or
 * 1000, 1000) and stops client-side after --limit.
 */
export async function listEntries(
  ctx: CommandContext,
  request: { readonly resourceNames: readonly string[]; readonly filter: string },
  flags: Pick<ReadFlags, 'limit' | 'order'>,
): Promise<LogEntry[]> {
  const { limit, order } = flags
  const client = await ctx.client()
  const entries: LogEntry[] = []
  let pageToken: string | undefined
  do {
    const want = limit === undefined ? 1000 : Math.min(1000, limit - entries.length)
    const page = await client.request<ListLogEntriesResponse>('POST', '/v2/entries:list', {
      body: {
        resourceNames: request.resourceNames,
        ...(request.filter === '' ? {} : { filter: request.filter }),
        orderBy: `timestamp ${order}`,
        pageSize: want,
        ...(pageToken === undefined ? {} : { pageToken }),
      },
    })
    entries.push(...(page.entries ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined && (limit === undefined || entries.length < limit))
  return entries.slice(0, limit)
}

/** `logs read` for any Cloud Run resource: the flags and output of gcloud's logs commands. */
export async function readLogs(ctx: CommandContext, ref: LogsTarget): Promise<void> {
  const { limit, order, freshnessMs } = readFlags(ctx)
  const since = Date.now() - freshnessMs
  const logFilter = flagString(ctx, 'log-filter')
  const clauses = [
    ...(logFilter === undefined ? [] : [logFilter]),
    `resource.type = ${quote(ref.resourceType)}`,
    `resource.labels.${ref.nameLabel} = ${quote(ref.name)}`,
    `resource.labels.location = ${quote(ref.region)}`,
    ...Object.entries(ref.labels ?? {}).map(([k, v]) => `labels."${k}" = ${quote(v)}`),
    'severity >= DEFAULT',
    `timestamp >= ${quote(new Date(since).toISOString())}`,
    // Audit entries carry the same resource labels; they are not what the process printed, and
    // would eat into --limit (`runiam logging read` shows them).
    'NOT logName:"cloudaudit.googleapis.com"',
  ]
  const filter = clauses.map((c) => `(${c})`).join(' AND ')
  const entries = await listEntries(
    ctx,
    { resourceNames: [`projects/${ref.project}`], filter },
    { limit, order },
  )
  const lines = entries.map(formatLogLine).filter((l): l is string => l !== undefined)
  // Compat: gcloud prints the fetched lines in reverse, so the default (desc) reads oldest first.
  lines.reverse()
  if (lines.length > 0) ctx.io.stdout(`${lines.join('\n')}\n`)
}
