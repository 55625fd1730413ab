// `runiam iam policies create|get|list|update|delete` against the IAM v2 deny-policy API, as
// gcloud's iam policies group does it: the attachment point is written without `//` and sent as
// one URL-encoded segment; --kind is the literal path segment (runiam serves denypolicies).
// Compat: gcloud lib/surface/iam/policies/*.py and api_lib/iam/policies.py (reference §4.7).
import type { RuniamClient } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, parseFormat } from '../output/format.js'
import { parseJsonOrYaml, readFileText } from '../read-structured-file.js'
import { flagString, positional } from '../resource-refs.js'

type Json = Record<string, unknown>

function parent(ctx: CommandContext): string {
  const kind = flagString(ctx, 'kind') ?? ''
  if (kind !== 'denypolicies') {
    throw new CliError(
      `argument --kind: Invalid choice: '${kind}'. runiam supports only denypolicies.`,
      2,
    )
  }
  const point = (flagString(ctx, 'attachment-point') ?? '').replace(/^\/\//, '')
  // Compat: gcloud: attachment_point.replace('/', '%2F').
  return `/v2/policies/${encodeURIComponent(point)}/${kind}`
}

const policyPath = (ctx: CommandContext): string =>
  `${parent(ctx)}/${encodeURIComponent(positional(ctx, 'POLICY_ID'))}`

async function policyFile(ctx: CommandContext): Promise<Json> {
  const file = flagString(ctx, 'policy-file') ?? ''
  const text = await readFileText(ctx.io, file)
  let doc: unknown
  try {
    doc = await parseJsonOrYaml(text)
  } catch {
    doc = undefined
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    // Compat: gcloud's message for a bad --policy-file.
    throw new CliError(
      `Policy file [${file}] is not a properly formatted YAML or JSON policy file.`,
    )
  }
  return doc as Json
}

/** create/update/delete: gcloud logs the action; --format shows the Operation. */
function done(ctx: CommandContext, verb: string, op: Json): void {
  ctx.io.stderr(`${verb} [${positional(ctx, 'POLICY_ID')}].\n`)
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') ctx.io.stdout(formatResource(op, format))
}

export async function create(ctx: CommandContext): Promise<void> {
  const body = await policyFile(ctx)
  const client: RuniamClient = await ctx.client()
  const op = await client.request<Json>('POST', parent(ctx), {
    query: { policyId: positional(ctx, 'POLICY_ID') },
    body,
  })
  done(ctx, 'Created', op)
}

export async function get(ctx: CommandContext): Promise<void> {
  const client = await ctx.client()
  const policy = await client.request<Json>('GET', policyPath(ctx))
  ctx.io.stdout(formatResource(policy, parseFormat(ctx.settings.format)))
}

export async function list(ctx: CommandContext): Promise<void> {
  const client = await ctx.client()
  const policies: Json[] = []
  let pageToken: string | undefined
  do {
    const page = await client.request<{ policies?: Json[]; nextPageToken?: string }>(
      'GET',
      parent(ctx),
      { query: { pageToken } },
    )
    policies.push(...(page.policies ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  if (policies.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  ctx.io.stdout(formatList(policies, parseFormat(ctx.settings.format)))
}

/** Compat: gcloud iam policies update: --etag, else the file's etag; gcloud sets the name. */
export async function update(ctx: CommandContext): Promise<void> {
  const body = await policyFile(ctx)
  const etag = flagString(ctx, 'etag') ?? (typeof body['etag'] === 'string' ? body['etag'] : '')
  const path = policyPath(ctx)
  const client = await ctx.client()
  const op = await client.request<Json>('PUT', path, {
    body: { ...body, name: path.slice('/v2/'.length), ...(etag === '' ? {} : { etag }) },
  })
  done(ctx, 'Updated', op)
}

/** Compat: gcloud iam policies delete: without --etag, whatever the current etag. */
export async function remove(ctx: CommandContext): Promise<void> {
  const client = await ctx.client()
  const op = await client.request<Json>('DELETE', policyPath(ctx), {
    query: { etag: flagString(ctx, 'etag') },
  })
  done(ctx, 'Deleted', op)
}
