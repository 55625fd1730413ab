// `runiam iam roles list|describe|create|update|delete|undelete` and `runiam iam
// list-testable-permissions`, against the IAM API's v1 paths, with gcloud's grammar, checks and
// messages (surface/iam/roles/*.py, command_lib/iam/iam_util.py). A custom role's parent is the
// --organization or --project flag given on the command line, never the configured project.
import type {
  ListRolesResponse,
  Permission,
  QueryTestablePermissionsResponse,
  Role,
} from '@runiam/api'
import { CliError } from '../cli-error.js'
import type { CommandContext } from '../command-context.js'
import { formatList, formatResource, parseFormat } from '../output/format.js'
import { promptContinue } from '../prompt.js'
import { parseJsonOrYaml, readFileText } from '../read-structured-file.js'
import { flagBool, flagString, positional } from '../resource-refs.js'

interface Parent {
  readonly organization?: string
  readonly project?: string
}

/** --organization and an explicit --project (the configured project does not count). */
function parentFlags(ctx: CommandContext): Parent {
  const organization = flagString(ctx, 'organization')
  const project = flagString(ctx, 'project')
  return {
    ...(organization === undefined ? {} : { organization }),
    ...(project === undefined ? {} : { project }),
  }
}

/** Compat: argparse's check of a required mutually exclusive group. */
function requireParentFlag(p: Parent): void {
  if (p.organization === undefined && p.project === undefined) {
    throw new CliError('Exactly one of (--organization | --project) must be specified.', 2)
  }
  if (p.organization !== undefined && p.project !== undefined) {
    throw new CliError(
      'argument --project: At most one of --organization | --project can be specified.',
      2,
    )
  }
}

/** Compat: iam_util.VerifyParent. */
function verifyParent(p: Parent): void {
  if (p.organization === undefined && p.project === undefined) {
    throw new CliError(
      'Missing required argument [--organization or --project]: Should specify the project or organization name for custom roles.',
    )
  }
  if (p.organization !== undefined && p.project !== undefined) {
    throw new CliError('arguments not allowed simultaneously: organization, project')
  }
}

/** Compat: iam_util.GetParentName. */
function parentName(p: Parent): string {
  verifyParent(p)
  return p.organization !== undefined ? `organizations/${p.organization}` : `projects/${p.project}`
}

const invalidRoleId = (message: string): CliError =>
  new CliError(`Invalid value for [ROLE_ID]: ${message}`)

/** Compat: iam_util.GetRoleName. */
function roleName(p: Parent, role: string): string {
  if (role.startsWith('roles/')) {
    if (p.project !== undefined || p.organization !== undefined) {
      throw invalidRoleId(
        "The role id that starts with 'roles/' only stands for predefined role. Should not specify the project or organization for predefined roles",
      )
    }
    return role
  }
  if (role.startsWith('projects/') || role.startsWith('organizations/')) {
    throw invalidRoleId(
      "The role id should not include any 'projects/' or 'organizations/' prefix.",
    )
  }
  if (role.includes('/')) throw invalidRoleId("The role id should not include any '/' character.")
  return `${parentName(p)}/roles/${role}`
}

const seg = (name: string): string => name.split('/').map(encodeURIComponent).join('/')

/** Compat: iam_util.SetRoleStageIfAlpha: gcloud shows the proto3 default stage. */
function withStage(role: Role): Role {
  return role.stage === undefined ? { ...role, stage: 'ALPHA' } : role
}

function print(ctx: CommandContext, role: Role): void {
  ctx.io.stdout(formatResource(withStage(role), parseFormat(ctx.settings.format)))
}

const STAGES: Readonly<Record<string, Role['stage']>> = {
  alpha: 'ALPHA',
  beta: 'BETA',
  ga: 'GA',
  deprecated: 'DEPRECATED',
  disabled: 'DISABLED',
}

/** Compat: iam_util.StageTypeFromString. */
function stageOf(raw: string): Role['stage'] {
  const stage = STAGES[raw.toLowerCase()]
  if (stage === undefined) {
    throw new CliError(
      `Invalid value for [stage]: The stage should be one of ${Object.keys(STAGES).sort().join(',')}.`,
    )
  }
  return stage
}

/** Compat: iam_util.ParseYamlToRole (stage upper-cased; a bad etag is a client-side error). */
async function roleFromFile(ctx: CommandContext, file: string): Promise<Record<string, unknown>> {
  const doc = await parseJsonOrYaml(await readFileText(ctx.io, file))
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new CliError(`Role file ${file} is not a properly formatted YAML role file.`)
  }
  const role = { ...(doc as Record<string, unknown>) }
  if (typeof role['stage'] === 'string') role['stage'] = role['stage'].toUpperCase()
  const etag = role['etag']
  if (etag !== undefined && (typeof etag !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(etag))) {
    throw new CliError(`The etag of role file ${file} is not properly formatted.`)
  }
  return role
}

/** Compat: gcloud iam roles list [--organization | --project] [--show-deleted] [--limit]. */
export async function list(ctx: CommandContext): Promise<void> {
  const p = parentFlags(ctx)
  const showDeleted = flagBool(ctx, 'show-deleted') === true
  const rawLimit = flagString(ctx, 'limit')
  let limit: number | undefined
  if (rawLimit !== undefined) {
    limit = Number(rawLimit)
    if (!Number.isInteger(limit) || limit < 1) {
      throw new CliError(
        `argument --limit: Value must be greater than or equal to 1; received: ${rawLimit}`,
        2,
      )
    }
  }
  const path =
    p.organization === undefined && p.project === undefined
      ? '/v1/roles'
      : `/v1/${seg(parentName(p))}/roles`
  const client = await ctx.client()
  const roles: Role[] = []
  let pageToken: string | undefined
  do {
    const page = await client.request<ListRolesResponse>('GET', path, {
      query: {
        ...(showDeleted ? { showDeleted: true } : {}),
        ...(limit === undefined ? {} : { pageSize: Math.min(limit, 1000) }),
        pageToken,
      },
    })
    roles.push(...(page.roles ?? []))
    pageToken = page.nextPageToken
  } while (pageToken !== undefined && (limit === undefined || roles.length < limit))
  ctx.io.stdout(
    formatList(
      limit === undefined ? roles : roles.slice(0, limit),
      parseFormat(ctx.settings.format),
    ),
  )
}

/** Compat: gcloud iam roles describe ROLE_ID [--organization | --project]. */
export async function describe(ctx: CommandContext): Promise<void> {
  const name = roleName(parentFlags(ctx), positional(ctx, 'ROLE_ID'))
  print(ctx, await (await ctx.client()).request<Role>('GET', `/v1/${seg(name)}`))
}

/** Compat: gcloud iam roles create ROLE_ID (--organization | --project) [flags | --file]. */
export async function create(ctx: CommandContext): Promise<void> {
  const p = parentFlags(ctx)
  requireParentFlag(p)
  const roleId = positional(ctx, 'ROLE_ID')
  const parent = parentName(p)
  const file = flagString(ctx, 'file')
  let role: Record<string, unknown>
  if (file !== undefined) {
    const { name: _name, etag: _etag, ...rest } = await roleFromFile(ctx, file)
    role = rest
  } else {
    const title = flagString(ctx, 'title')
    const description = flagString(ctx, 'description')
    const permissions = flagString(ctx, 'permissions')
    const stage = flagString(ctx, 'stage')
    role = {
      ...(title === undefined ? {} : { title }),
      ...(description === undefined ? {} : { description }),
      ...(permissions === undefined || permissions === ''
        ? {}
        : { includedPermissions: permissions.split(',') }),
      ...(stage === undefined || stage === '' ? {} : { stage: stageOf(stage) }),
    }
  }
  // Compat: gcloud titles a role without a title after its id.
  if (typeof role['title'] !== 'string' || role['title'] === '') role['title'] = roleId
  const created = await (
    await ctx.client()
  ).request<Role>('POST', `/v1/${seg(parent)}/roles`, {
    body: { roleId, role },
  })
  ctx.io.stderr(`Created role [${roleId}].\n`)
  print(ctx, created)
}

const STALE_ETAG =
  'Stale "etag": Please use the etag from your latest describe response. Or new changes have been made since your latest describe operation. Please retry the whole describe-update process. Or you can leave the etag blank to overwrite concurrent role changes.'

const list_ = (s: string | undefined): string[] => (s === undefined || s === '' ? [] : s.split(','))

/**
 * Compat: gcloud iam roles update ROLE_ID (--organization | --project) [flags | --file]. With
 * flags it reads the role, changes what the flags say, and writes it back with the read etag and
 * an updateMask of the changed fields, retrying the whole cycle on a conflict; with --file it
 * writes the file's role (asking first when the file has no etag).
 */
export async function update(ctx: CommandContext): Promise<void> {
  const p = parentFlags(ctx)
  requireParentFlag(p)
  const name = roleName(p, positional(ctx, 'ROLE_ID'))
  const path = `/v1/${seg(name)}`
  const file = flagString(ctx, 'file')
  const title = flagString(ctx, 'title')
  const description = flagString(ctx, 'description')
  const stage = flagString(ctx, 'stage')
  const permissions = flagString(ctx, 'permissions')
  const add = flagString(ctx, 'add-permissions')
  const remove = flagString(ctx, 'remove-permissions')
  const client = await ctx.client()
  if (file !== undefined) {
    if ([title, description, stage, permissions, add, remove].some((x) => x !== undefined)) {
      throw new CliError('arguments not allowed simultaneously: file, others')
    }
    const role = await roleFromFile(ctx, file)
    if (role['etag'] === undefined || role['etag'] === '') {
      await promptContinue(ctx, {
        message:
          'The specified role does not contain an "etag" field identifying a specific version to replace. Updating a role without an "etag" can overwrite concurrent role changes.',
        promptString: 'Replace existing role',
        cancelOnNo: true,
      })
    }
    try {
      print(ctx, await client.request<Role>('PATCH', path, { body: role }))
    } catch (err) {
      if ((err as { status?: unknown }).status === 'ABORTED') throw new CliError(STALE_ETAG)
      throw err
    }
    return
  }
  if (permissions !== undefined && (add !== undefined || remove !== undefined)) {
    throw new CliError(
      'arguments not allowed simultaneously: --permissions, -add-permissions or --remove-permissions',
    )
  }
  const { readModifyWrite } = await import('@runiam/api/client')
  const updated = await readModifyWrite(
    async () => {
      const changed: string[] = []
      const role: Record<string, unknown> = {}
      if (description !== undefined) {
        changed.push('description')
        role['description'] = description
      }
      if (title !== undefined) {
        changed.push('title')
        role['title'] = title
      }
      if (stage !== undefined && stage !== '') {
        changed.push('stage')
        role['stage'] = stageOf(stage)
      }
      if (permissions !== undefined) {
        changed.push('includedPermissions')
        role['includedPermissions'] = list_(permissions)
      }
      const origin = await client.request<Role>('GET', path)
      if (add !== undefined || remove !== undefined) {
        const set = new Set(origin.includedPermissions ?? [])
        let modified = false
        for (const x of list_(add)) {
          if (!set.has(x)) {
            set.add(x)
            modified = true
          }
        }
        for (const x of list_(remove)) {
          if (set.delete(x)) modified = true
        }
        if (modified) changed.push('includedPermissions')
        role['includedPermissions'] = [...set].sort()
      }
      role['etag'] = origin.etag
      return client.request<Role>('PATCH', path, {
        query: { updateMask: changed.join(',') },
        body: role,
      })
    },
    // Compat: gcloud's RetryOnHttpStatus(409): three more tries.
    { maxAttempts: 4 },
  )
  print(ctx, updated)
}

/** Compat: gcloud iam roles delete ROLE_ID (--organization | --project): the deleted role. */
export async function remove(ctx: CommandContext): Promise<void> {
  const p = parentFlags(ctx)
  requireParentFlag(p)
  const name = roleName(p, positional(ctx, 'ROLE_ID'))
  print(ctx, await (await ctx.client()).request<Role>('DELETE', `/v1/${seg(name)}`))
}

/** Compat: gcloud iam roles undelete ROLE_ID (--organization | --project). */
export async function undelete(ctx: CommandContext): Promise<void> {
  const p = parentFlags(ctx)
  requireParentFlag(p)
  const name = roleName(p, positional(ctx, 'ROLE_ID'))
  print(
    ctx,
    await (await ctx.client()).request<Role>('POST', `/v1/${seg(name)}:undelete`, { body: {} }),
  )
}

/**
 * Compat: gcloud iam list-testable-permissions RESOURCE: a full resource name (`//…`) or a URL,
 * turned into one as iam_util.GetFullResourceName does (scheme and API version dropped).
 */
export async function listTestablePermissions(ctx: CommandContext): Promise<void> {
  const given = positional(ctx, 'RESOURCE')
  let fullResourceName: string | undefined
  if (given.startsWith('//')) fullResourceName = given
  else if (given.startsWith('http')) {
    fullResourceName = given.replace(/^\w+:\/\//, '//').replace(/\/v[0-9]+[0-9a-zA-Z]*\//, '/')
  }
  if (fullResourceName === undefined) {
    throw new CliError('The given resource is not a valid full resource name or URL.')
  }
  const client = await ctx.client()
  const permissions: Permission[] = []
  let pageToken: string | undefined
  do {
    const page = await client.request<QueryTestablePermissionsResponse>(
      'POST',
      '/v1/permissions:queryTestablePermissions',
      {
        body: {
          fullResourceName,
          pageSize: 1000,
          ...(pageToken === undefined ? {} : { pageToken }),
        },
      },
    )
    permissions.push(...(page.permissions ?? []))
    pageToken = page.nextPageToken
  } while (pageToken !== undefined)
  ctx.io.stdout(formatList(permissions, parseFormat(ctx.settings.format)))
}
