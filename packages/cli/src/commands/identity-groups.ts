// `runiam identity groups create|describe|list|delete` and `… memberships add|list|delete`,
// against the Cloud Identity Groups API's v1 paths, with gcloud's grammar and messages. Compat:
// gcloud names groups and members by email and looks their resource names up first
// (groups:lookup, memberships:lookup); create and delete print gcloud's "Created." / "Deleted.".
import type {
  CloudIdentityOperation,
  Group,
  ListGroupsResponse,
  ListMembershipsResponse,
  LookupGroupNameResponse,
  LookupMembershipNameResponse,
  Membership,
  OrganizationV1,
  RuniamClient,
} from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, parseFormat } from '../output/format.js'
import { promptContinue } from '../prompt.js'
import { flagString, positional } from '../resource-refs.js'

const DISCUSSION = 'cloudidentity.googleapis.com/groups.discussion_forum'

// Compat: gcloud's GROUP_TYPE_MAP (command_lib/identity/groups/hooks.py).
const GROUP_TYPES: Readonly<Record<string, readonly string[]>> = {
  discussion: [DISCUSSION],
  dynamic: ['cloudidentity.googleapis.com/groups.dynamic'],
  security: [DISCUSSION, 'cloudidentity.googleapis.com/groups.security'],
}

/** A failed lookup: the group or membership is not there (or not the caller's to see). */
function isMissing(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; reason?: unknown }
  // google.rpc codes: 5 NOT_FOUND; Cloud Identity answers a missing group 403 GROUP_NOT_FOUND.
  return e?.name === 'IamError' && (e.code === 5 || e.reason === 'GROUP_NOT_FOUND')
}

/** Compat: gcloud's ConvertEmailToResourceName (groups:lookup). */
async function groupName(client: RuniamClient, email: string, flag: string): Promise<string> {
  try {
    const r = await client.request<LookupGroupNameResponse>('GET', '/v1/groups:lookup', {
      query: { 'groupKey.id': email },
    })
    return r.name
  } catch (err) {
    if (!isMissing(err)) throw err
    throw new CliError(
      `Invalid value for [${flag}]: There is no such a group associated with the specified argument:${email}`,
    )
  }
}

/** Compat: gcloud's ConvertEmailToMembershipResourceName (memberships:lookup). */
async function membershipName(
  client: RuniamClient,
  group: string,
  member: string,
): Promise<string> {
  const parent = await groupName(client, group, '--group-email')
  try {
    const r = await client.request<LookupMembershipNameResponse>(
      'GET',
      `/v1/${parent}/memberships:lookup`,
      { query: { 'memberKey.id': member } },
    )
    return r.name
  } catch (err) {
    if (!isMissing(err)) throw err
    throw new CliError(
      `Invalid value for [--group-email, --member-email]: There is no such membership associated with the specified arguments: ${group}, ${member}`,
    )
  }
}

/**
 * The parent of a group: `customers/C…`. Compat: gcloud reads --organization's
 * owner.directoryCustomerId through organizations.get; given a domain, runiam (which has one
 * organization) asks for the caller's own customer, `customers/my_customer`.
 */
async function customerParent(ctx: CommandContext, client: RuniamClient): Promise<string> {
  const customer = flagString(ctx, 'customer')
  const org = flagString(ctx, 'organization')
  if (customer !== undefined) return `customers/${customer}`
  if (org === undefined) {
    throw new CliError('Exactly one of (--customer | --organization) must be specified.', 2)
  }
  const id = org.replace(/^organizations\//, '')
  if (!/^\d+$/.test(id)) return 'customers/my_customer'
  const o = await client.request<OrganizationV1>('GET', `/v1/organizations/${id}`)
  return `customers/${o.owner.directoryCustomerId}`
}

/** Compat: gcloud's FilterLabels + ReformatLabels: "k1,k2=v" → {k1: '', k2: 'v'}. */
function parseLabels(text: string): Record<string, string> {
  if (text === '')
    throw new CliError('Invalid value for [labels]: labels can not be an empty string')
  const out: Record<string, string> = {}
  for (const label of text.split(',')) {
    const parts = label.split('=')
    if (parts.length > 2) {
      throw new CliError(
        `Invalid value for [labels]: Invalid format of label string has been input. Label: ${label}`,
      )
    }
    out[parts[0] ?? ''] = parts[1] ?? ''
  }
  return out
}

function choice(ctx: CommandContext, flag: string, valid: readonly string[]): string | undefined {
  const v = flagString(ctx, flag)
  if (v !== undefined && !valid.includes(v)) {
    throw new CliError(
      `argument --${flag}: Invalid choice: '${v}'. Valid choices are [${valid.join(', ')}].`,
      2,
    )
  }
  return v
}

function positiveInt(ctx: CommandContext, flag: string): number | undefined {
  const v = flagString(ctx, flag)
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) {
    throw new CliError(
      `argument --${flag}: Value must be greater than or equal to 1; received: ${v}`,
      2,
    )
  }
  return n
}

/** Every item of a paged list, up to --limit. */
async function listAll<T>(
  ctx: CommandContext,
  page: (
    pageToken: string | undefined,
    pageSize: number | undefined,
  ) => Promise<{
    items: readonly T[]
    next: string | undefined
  }>,
): Promise<T[]> {
  const limit = positiveInt(ctx, 'limit')
  const pageSize = positiveInt(ctx, 'page-size')
  const items: T[] = []
  let token: string | undefined
  do {
    const p = await page(token, pageSize)
    items.push(...p.items)
    token = p.next === '' ? undefined : p.next
  } while (token !== undefined && (limit === undefined || items.length < limit))
  return limit === undefined ? items : items.slice(0, limit)
}

function printList(ctx: CommandContext, items: readonly unknown[]): void {
  if (items.length === 0 && parseFormat(ctx.settings.format).kind === 'default') {
    ctx.io.stderr('Listed 0 items.\n')
    return
  }
  ctx.io.stdout(formatList(items, parseFormat(ctx.settings.format)))
}

const viewOf = (ctx: CommandContext): string | undefined =>
  choice(ctx, 'view', ['basic', 'full'])?.toUpperCase()

/** Compat: gcloud identity groups create EMAIL (--organization=ORG | --customer=C) …. */
export async function create(ctx: CommandContext): Promise<void> {
  const email = positional(ctx, 'EMAIL')
  const groupType = choice(ctx, 'group-type', ['discussion', 'dynamic', 'security'])
  const owner = choice(ctx, 'with-initial-owner', ['with-initial-owner', 'empty'])
  const labelsText = flagString(ctx, 'labels')
  const labels = Object.fromEntries(
    labelsText !== undefined
      ? Object.entries(parseLabels(labelsText))
      : (GROUP_TYPES[groupType ?? 'discussion'] ?? []).map((l) => [l, '']),
  )
  // Compat: gcloud's SetInitialOwner: EMPTY for dynamic groups, WITH_INITIAL_OWNER otherwise.
  const dynamic = groupType === 'dynamic' || (labelsText ?? '').includes('dynamic')
  const initialGroupConfig =
    owner === 'empty' || (owner === undefined && dynamic) ? 'EMPTY' : 'WITH_INITIAL_OWNER'
  const displayName = flagString(ctx, 'display-name')
  const description = flagString(ctx, 'description')
  const client = await ctx.client()
  const parent = await customerParent(ctx, client)
  const op = await client.request<CloudIdentityOperation>('POST', '/v1/groups', {
    query: { initialGroupConfig },
    body: {
      parent,
      groupKey: { id: email },
      ...(displayName === undefined ? {} : { displayName }),
      ...(description === undefined ? {} : { description }),
      labels,
    },
  })
  ctx.io.stderr('Created.\n')
  ctx.io.stdout(formatResource(op.response, parseFormat(ctx.settings.format)))
}

/** Compat: gcloud identity groups describe EMAIL. */
export async function describe(ctx: CommandContext): Promise<void> {
  const client = await ctx.client()
  const name = await groupName(client, positional(ctx, 'EMAIL'), 'EMAIL')
  const group = await client.request<Group>('GET', `/v1/${name}`)
  ctx.io.stdout(formatResource(group, parseFormat(ctx.settings.format)))
}

/** runiam identity groups list (--organization=ORG | --customer=C) [--view] [--limit]. */
export async function list(ctx: CommandContext): Promise<void> {
  const view = viewOf(ctx)
  const client = await ctx.client()
  const parent = await customerParent(ctx, client)
  const groups = await listAll<Group>(ctx, async (pageToken, pageSize) => {
    const r = await client.request<ListGroupsResponse>('GET', '/v1/groups', {
      query: { parent, view, pageToken, pageSize },
    })
    return { items: r.groups ?? [], next: r.nextPageToken }
  })
  printList(ctx, groups)
}

/** Compat: gcloud identity groups delete EMAIL (prompts unless --quiet). */
export async function remove(ctx: CommandContext): Promise<void> {
  const email = positional(ctx, 'EMAIL')
  const client = await ctx.client()
  const name = await groupName(client, email, 'EMAIL')
  await promptContinue(ctx, {
    message: `You are about to delete group [${email}]`,
    cancelOnNo: true,
  })
  await client.request<CloudIdentityOperation>('DELETE', `/v1/${name}`)
  ctx.io.stderr('Deleted.\n')
}

/** Compat: gcloud identity groups memberships add --group-email=G --member-email=M [--roles]. */
export async function membershipsAdd(ctx: CommandContext): Promise<void> {
  const group = flagString(ctx, 'group-email') ?? ''
  const member = flagString(ctx, 'member-email') ?? ''
  const roles = (flagString(ctx, 'roles') ?? 'MEMBER')
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '')
  const client = await ctx.client()
  const parent = await groupName(client, group, '--group-email')
  const op = await client.request<CloudIdentityOperation>('POST', `/v1/${parent}/memberships`, {
    body: { preferredMemberKey: { id: member }, roles: roles.map((name) => ({ name })) },
  })
  ctx.io.stderr('Created.\n')
  ctx.io.stdout(formatResource(op, parseFormat(ctx.settings.format)))
}

/** Compat: gcloud identity groups memberships list --group-email=G [--view] [--limit]. */
export async function membershipsList(ctx: CommandContext): Promise<void> {
  const view = viewOf(ctx)
  const client = await ctx.client()
  const parent = await groupName(client, flagString(ctx, 'group-email') ?? '', '--group-email')
  const memberships = await listAll<Membership>(ctx, async (pageToken, pageSize) => {
    const r = await client.request<ListMembershipsResponse>('GET', `/v1/${parent}/memberships`, {
      query: { view, pageToken, pageSize },
    })
    return { items: r.memberships ?? [], next: r.nextPageToken }
  })
  printList(ctx, memberships)
}

/** Compat: gcloud identity groups memberships delete --group-email=G --member-email=M. */
export async function membershipsDelete(ctx: CommandContext): Promise<void> {
  const group = flagString(ctx, 'group-email') ?? ''
  const member = flagString(ctx, 'member-email') ?? ''
  const client = await ctx.client()
  const name = await membershipName(client, group, member)
  await promptContinue(ctx, {
    message: `You are about to delete membership [${member}] of group [${group}]`,
    cancelOnNo: true,
  })
  await client.request<CloudIdentityOperation>('DELETE', `/v1/${name}`)
  ctx.io.stderr('Deleted.\n')
}
