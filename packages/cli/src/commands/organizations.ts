// `runiam organizations list|describe` and the organization as a policy target of the IAM policy
// commands (iam-policy.ts), plus `runiam projects get-ancestors-iam-policy`, with gcloud's
// grammar, output and messages. An organization is named by its numeric id, `organizations/ID`,
// or its domain (gcloud's org_utils.GetOrganizationId searches for it).
import type {
  GetAncestryResponse,
  OrganizationV1,
  Policy,
  RuniamClient,
  SearchOrganizationsV1Response,
} from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, parseFormat, withDefault } from '../output/format.js'
import { positional } from '../resource-refs.js'
import type { PolicyTarget } from './policy-target.js'

/** gcloud's policy version for organizations (MAX_LIBRARY_IAM_SUPPORTED_VERSION). */
const POLICY_VERSION = 3

// Compat: gcloud organizations list's display format (surface/organizations/list.py).
const LIST_FORMAT =
  'table(displayName:label=DISPLAY_NAME, name.segment():label=ID:align=right:sort=1, owner.directoryCustomerId:label=DIRECTORY_CUSTOMER_ID:align=right)'

const stripPrefix = (arg: string): string => arg.replace(/^organizations\//, '')

async function searchAll(client: RuniamClient, filter?: string): Promise<OrganizationV1[]> {
  const out: OrganizationV1[] = []
  let pageToken: string | undefined
  do {
    const page = await client.request<SearchOrganizationsV1Response>(
      'POST',
      '/v1/organizations:search',
      {
        body: {
          ...(filter === undefined ? {} : { filter }),
          ...(pageToken === undefined ? {} : { pageToken }),
        },
      },
    )
    out.push(...(page.organizations ?? []))
    pageToken = page.nextPageToken === '' ? undefined : page.nextPageToken
  } while (pageToken !== undefined)
  return out
}

/** Compat: command_lib/organizations/org_utils.UnknownOrganizationError. */
function unknownOrganization(arg: string): CliError {
  return new CliError(
    `Invalid value for [ORGANIZATION_ID]: Cannot determine Organization ID from [${arg}]. Try \`runiam organizations list\` to find your Organization ID.`,
  )
}

/** The organization the user named, found by domain when it is not an id. */
async function findByDomain(client: RuniamClient, arg: string): Promise<OrganizationV1> {
  // Compat: organizations.Client.GetByDomain: exactly one match, else unknown.
  const found = await searchAll(client, `domain:${stripPrefix(arg)}`)
  if (found.length !== 1) throw unknownOrganization(arg)
  return found[0] as OrganizationV1
}

/** The numeric id of ORGANIZATION_ID (an id, organizations/ID or a domain). */
async function organizationId(client: RuniamClient, arg: string): Promise<string> {
  const id = stripPrefix(arg)
  if (/^\d+$/.test(id)) return id
  return stripPrefix((await findByDomain(client, arg)).name)
}

/** ORGANIZATION_ID as the target of get/set/add/remove-iam-policy(-binding). */
export function organizationPolicyTarget(ctx: CommandContext): PolicyTarget {
  const arg = positional(ctx, 'ORGANIZATION_ID')
  let id: string | undefined = /^\d+$/.test(stripPrefix(arg)) ? stripPrefix(arg) : undefined
  const resolve = async (c: RuniamClient): Promise<string> => (id ??= await organizationId(c, arg))
  return {
    kind: 'organization',
    version: POLICY_VERSION,
    // gcloud names the organization by id in "Updated IAM policy for organization [ID]."
    get name() {
      return id ?? arg
    },
    get: async (c) =>
      c.request<Policy>('POST', `/v1/organizations/${await resolve(c)}:getIamPolicy`, {
        body: { options: { requestedPolicyVersion: POLICY_VERSION } },
      }),
    set: async (c, policy, updateMask) =>
      c.request<Policy>('POST', `/v1/organizations/${await resolve(c)}:setIamPolicy`, {
        body: updateMask === undefined ? { policy } : { policy, updateMask },
      }),
    // Compat: organizations.Client.SetIamPolicy: the file's sorted keys, then bindings and etag.
    fileMask: (keys) => {
      const mask = [...keys].sort()
      for (const k of ['bindings', 'etag']) if (!mask.includes(k)) mask.push(k)
      return mask.join(',')
    },
  }
}

/** Compat: gcloud organizations list: v1 organizations:search, the table of list.py. */
export async function list(ctx: CommandContext): Promise<void> {
  const format = withDefault(parseFormat(ctx.settings.format), LIST_FORMAT)
  const orgs = await searchAll(await ctx.client())
  const text = formatList(orgs, format)
  ctx.io.stdout(text)
  if (text === '' && parseFormat(ctx.settings.format).kind === 'default')
    ctx.io.stderr('Listed 0 items.\n')
}

/** Compat: gcloud organizations describe ORGANIZATION_ID (an id, organizations/ID or a domain). */
export async function describe(ctx: CommandContext): Promise<void> {
  const arg = positional(ctx, 'ORGANIZATION_ID')
  const format = parseFormat(ctx.settings.format)
  const client = await ctx.client()
  const id = stripPrefix(arg)
  const org = /^\d+$/.test(id)
    ? await client.request<OrganizationV1>('GET', `/v1/organizations/${id}`)
    : await findByDomain(client, arg)
  ctx.io.stdout(formatResource(org, format))
}

function isPermissionDenied(err: unknown): boolean {
  return (err as { status?: unknown }).status === 'PERMISSION_DENIED'
}

/**
 * Compat: gcloud projects get-ancestors-iam-policy (command_lib/projects/util
 * GetIamPolicyWithAncestors): getAncestry, then each ancestor's policy at version 3, printed as a
 * list of {type, id, policy}. runiam has no deny policies, so --include-deny adds none.
 */
export async function getAncestorsIamPolicy(ctx: CommandContext): Promise<void> {
  const project = positional(ctx, 'PROJECT_ID')
  const format = parseFormat(ctx.settings.format)
  const client = await ctx.client()
  const ancestry = await client.request<GetAncestryResponse>(
    'POST',
    `/v1/projects/${encodeURIComponent(project)}:getAncestry`,
    { body: {} },
  )
  const entries: { type: string; id: string; policy: Policy }[] = []
  try {
    for (const { resourceId } of ancestry.ancestor ?? []) {
      if (resourceId.type === 'project') {
        entries.push({
          type: 'project',
          id: project,
          policy: await client.getProjectIamPolicy(project, POLICY_VERSION),
        })
      } else if (resourceId.type === 'organization') {
        const policy = await client.request<Policy>(
          'POST',
          `/v1/organizations/${encodeURIComponent(resourceId.id)}:getIamPolicy`,
          { body: { options: { requestedPolicyVersion: POLICY_VERSION } } },
        )
        entries.push({ type: 'organization', id: resourceId.id, policy })
      }
    }
  } catch (err) {
    // Compat: command_lib/projects/exceptions.AncestorsIamPolicyAccessDeniedError.
    if (isPermissionDenied(err))
      throw new CliError(
        'User is not permitted to access IAM policy for one or more of the ancestors',
      )
    throw err
  }
  ctx.io.stdout(formatList(entries, format))
}
