// `runiam org-policies set-policy|describe|list|delete` against the Org Policy v2 API, as gcloud's
// org-policies group does it: the resource comes from --organization or the project, the
// constraint may carry the constraints/ prefix, set-policy creates or updates.
import type { RuniamClient } from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, formatTable, parseFormat } from '../output/format.js'
import { parseJsonOrYaml, readFileText } from '../read-structured-file.js'
import { flagBool, flagString, positional } from '../resource-refs.js'

type Json = Record<string, unknown>

const CONSTRAINT_PREFIX = 'constraints/'

const bare = (c: string): string =>
  c.startsWith(CONSTRAINT_PREFIX) ? c.slice(CONSTRAINT_PREFIX.length) : c

/** Path segments as the URL carries them (names hold only letters, digits, dots and dashes). */
const path = (name: string): string => `/v2/${name.split('/').map(encodeURIComponent).join('/')}`

/** `projects/P` or `organizations/O`. Compat: gcloud's GetResourceFromArgs. */
function resource(ctx: CommandContext): string {
  const organization = flagString(ctx, 'organization')
  const explicitProject = ctx.args.flags.get('project')
  if (organization !== undefined) {
    if (typeof explicitProject === 'string') {
      throw new CliError(
        'argument --organization: At most one of --organization | --project may be specified.',
        2,
      )
    }
    return `organizations/${organization.replace(/^organizations\//, '')}`
  }
  const project = ctx.settings.project
  if (project === undefined) {
    throw new CliError('Exactly one of (--organization | --project) must be specified.', 2)
  }
  return `projects/${project}`
}

function policyName(ctx: CommandContext): string {
  return `${resource(ctx)}/policies/${bare(positional(ctx, 'CONSTRAINT'))}`
}

function isNotFound(err: unknown): boolean {
  return (err as { status?: unknown }).status === 'NOT_FOUND'
}

function sameJson(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(norm)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, norm((v as Json)[k])]),
          )
        : v
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b))
}

/**
 * Compat: gcloud org-policies set-policy: read the policy; absent → CreatePolicy; equal → nothing
 * to do; else UpdatePolicy (with --update-mask, `policy.` prefix optional).
 */
export async function setPolicy(ctx: CommandContext): Promise<void> {
  const file = positional(ctx, 'POLICY_FILE')
  const doc = await parseJsonOrYaml(await readFileText(ctx.io, file))
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CliError(`Unable to parse file [${file}]: the file must hold a policy object.`)
  }
  const input = doc as Json
  const name = input['name']
  if (typeof name !== 'string' || name === '') {
    throw new CliError('Name field not present in the organization policy.')
  }
  const parts = name.split('/')
  if (parts.length < 4 || parts[2] !== 'policies') {
    throw new CliError(
      `Invalid policy name [${name}]: expected projects/PROJECT/policies/CONSTRAINT or organizations/ORGANIZATION/policies/CONSTRAINT.`,
    )
  }
  const parent = parts.slice(0, 2).join('/')
  const normalized = { ...input, name: `${parent}/policies/${bare(parts.slice(3).join('/'))}` }
  const client: RuniamClient = await ctx.client()
  const format = parseFormat(ctx.settings.format)
  let current: Json | undefined
  try {
    current = await client.request<Json>('GET', path(normalized.name))
  } catch (err) {
    if (!isNotFound(err)) throw err
  }
  let result: Json
  if (current === undefined) {
    result = await client.request<Json>('POST', `${path(parent)}/policies`, { body: normalized })
    ctx.io.stderr(`Created policy [${normalized.name}].\n`)
  } else if (sameJson({ ...current, name: normalized.name }, normalized)) {
    result = current
  } else {
    const mask = flagString(ctx, 'update-mask')
    result = await client.request<Json>('PATCH', path(normalized.name), {
      query: { updateMask: mask },
      body: normalized,
    })
    ctx.io.stderr(`Updated policy [${normalized.name}].\n`)
  }
  ctx.io.stdout(formatResource(result, format))
}

/** Compat: gcloud org-policies describe [--effective]. */
export async function describe(ctx: CommandContext): Promise<void> {
  const name = policyName(ctx)
  const client = await ctx.client()
  const effective = flagBool(ctx, 'effective') === true
  const policy = await client.request<Json>(
    'GET',
    effective ? `${path(name)}:getEffectivePolicy` : path(name),
  )
  ctx.io.stdout(formatResource(policy, parseFormat(ctx.settings.format)))
}

function isSet(policy: Json, kind: 'list' | 'boolean'): boolean {
  const spec = policy['spec'] as { rules?: Json[] } | undefined
  const rules = spec?.rules ?? []
  return kind === 'boolean'
    ? rules.some((r) => r['enforce'] !== undefined)
    : rules.some(
        (r) =>
          r['values'] !== undefined || r['allowAll'] !== undefined || r['denyAll'] !== undefined,
      )
}

/** Compat: gcloud org-policies list: CONSTRAINT LIST_POLICY BOOLEAN_POLICY ETAG. */
export async function list(ctx: CommandContext): Promise<void> {
  const parent = resource(ctx)
  const client = await ctx.client()
  const policies: Json[] = []
  let pageToken: string | undefined
  do {
    const page = await client.request<{ policies?: Json[]; nextPageToken?: string }>(
      'GET',
      `${path(parent)}/policies`,
      { query: { pageToken } },
    )
    policies.push(...(page.policies ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  if (flagBool(ctx, 'show-unset') === true) {
    const constraints = await client.request<{ constraints?: Json[] }>(
      'GET',
      `${path(parent)}/constraints`,
    )
    const have = new Set(policies.map((p) => String(p['name']).split('/').at(-1)))
    for (const c of constraints.constraints ?? []) {
      const id = String(c['name']).split('/').at(-1) ?? ''
      if (!have.has(id)) policies.push({ name: `${parent}/policies/${id}` })
    }
  }
  const format = parseFormat(ctx.settings.format)
  if (format.kind !== 'default') {
    ctx.io.stdout(formatList(policies, format))
    return
  }
  if (policies.length === 0) {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  ctx.io.stdout(
    formatTable(
      ['CONSTRAINT', 'LIST_POLICY', 'BOOLEAN_POLICY', 'ETAG'],
      policies.map((p) => [
        `${CONSTRAINT_PREFIX}${String(p['name']).split('/').at(-1) ?? ''}`,
        isSet(p, 'list') ? 'SET' : '-',
        isSet(p, 'boolean') ? 'SET' : '-',
        typeof p['etag'] === 'string' ? p['etag'] : '-',
      ]),
    ),
  )
}

/** Compat: gcloud org-policies delete: prints `Deleted policy [NAME].` */
export async function remove(ctx: CommandContext): Promise<void> {
  const name = policyName(ctx)
  const client = await ctx.client()
  await client.request('DELETE', path(name))
  ctx.io.stderr(`Deleted policy [${name}].\n`)
}
