// IAM roles (iam.googleapis.com v1): predefined roles (roles.list/get) from the catalog, custom
// roles of a project or the organization (projects.roles.*, organizations.roles.*), and the
// permissions testable on a resource (permissions.queryTestablePermissions). Custom-role methods
// authorize iam.roles.* on the defining project or organization first (AIP-211), then look up.
import type {
  ListRolesResponse,
  Permission,
  QueryTestablePermissionsResponse,
  Role,
  RoleLaunchStage,
} from '@runiam/api'
import {
  assertRoleId,
  canonicalizePolicy,
  checkCustomRole,
  Code,
  getRole,
  IamError,
  invalidRoleName,
  listRoles,
  MAX_CUSTOM_ROLES,
  parseCustomRoleName,
  permissionDenied,
  readRoleInput,
  testablePermissions,
  type CustomRoleContent,
  type CustomRoleName,
  type ResourceType,
  type Role as CatalogRole,
  type RoleInput,
  type RoleStage,
} from '@runiam/core'
import { policyEtag } from '../policy-etag.js'
import type { CustomRoleRecord, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, randomEtag, type ServiceContext } from '../context.js'
import { invalidArgument, parsePageSize } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import { organizationNotFound } from '../resource-manager/organization-service.js'
import { customRoleState, isVisible } from '../custom-role-scope.js'
import { renderCustomRole, roleNotFoundError } from './custom-role-model.js'

export interface ListRolesRequest {
  readonly pageSize?: string | undefined
  readonly pageToken?: string | undefined
  readonly view?: string | undefined
  readonly showDeleted?: string | undefined
}

// Compat: ListRolesRequest: "The default is 300, and the maximum is 1,000."
const ROLES_PAGE = { default: 300, max: 1000 }
// Compat: QueryTestablePermissionsRequest: "The default is 100, and the maximum is 1,000."
const PERMISSIONS_PAGE = { default: 100, max: 1000 }
/** The etag IAM serves for every predefined role. */
const PREDEFINED_ETAG = 'AA=='
const UPDATABLE = ['title', 'description', 'includedPermissions', 'stage'] as const

function pageSizeOf(raw: unknown, limits: { default: number; max: number }): number {
  const size = parsePageSize(raw === undefined || raw === null ? undefined : String(raw))
  return size === 0 ? limits.default : Math.min(size, limits.max)
}

/** Opaque page tokens over a sorted list of names: the last name returned. */
export function pageOf<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  size: number,
  token: string | undefined,
): { page: T[]; next?: string } {
  let start = 0
  if (token !== undefined && token !== '') {
    let after: string
    try {
      after = Buffer.from(token, 'base64url').toString('utf8')
    } catch {
      after = ''
    }
    if (after === '' || Buffer.from(after, 'utf8').toString('base64url') !== token) {
      throw invalidArgument('pageToken', `Invalid page token '${token}'.`)
    }
    start = items.findIndex((i) => keyOf(i) > after)
    if (start < 0) start = items.length
  }
  const page = items.slice(start, start + size)
  const last = page[page.length - 1]
  return start + size < items.length && last !== undefined
    ? { page, next: Buffer.from(keyOf(last), 'utf8').toString('base64url') }
    : { page }
}

function parseView(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === 'BASIC' || raw === '0') return false
  if (raw === 'FULL' || raw === '1') return true
  throw invalidArgument(
    'view',
    `Invalid value at 'view' (type.googleapis.com/google.iam.admin.v1.RoleView), "${raw}"`,
  )
}

function parseBool(raw: string | undefined, field: string): boolean {
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  throw invalidArgument(field, `Invalid value at '${field}' (TYPE_BOOL), "${raw}"`)
}

function renderPredefined(r: CatalogRole, full: boolean): Role {
  return {
    name: r.name,
    title: r.title,
    description: r.description,
    ...(full ? { includedPermissions: [...r.includedPermissions] } : {}),
    ...(r.stage === 'ALPHA' ? {} : { stage: r.stage as RoleLaunchStage }),
    etag: PREDEFINED_ETAG,
  }
}

/** The stored record with new content, a new etag and update time. */
function withContent(
  role: CustomRoleRecord,
  content: CustomRoleContent,
  now: string,
): CustomRoleRecord {
  return {
    ...role,
    title: content.title,
    description: content.description,
    includedPermissions: [...content.includedPermissions],
    stage: content.stage,
    etag: randomEtag(),
    updateTime: now,
  }
}

function contentOf(role: CustomRoleRecord): CustomRoleContent {
  return {
    title: role.title,
    description: role.description,
    includedPermissions: role.includedPermissions,
    stage: role.stage as RoleStage,
  }
}

function deletedError(message: string, name: string): IamError {
  return new IamError(Code.FAILED_PRECONDITION, 'CUSTOM_ROLE_DELETED', message, {
    metadata: { name },
  })
}

export class CustomRoleService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  // ---- predefined roles

  /** Compat: iam roles.list: every predefined role, BASIC view (no permissions) by default. */
  listPredefined(request: ListRolesRequest): ListRolesResponse {
    const full = parseView(request.view)
    parseBool(request.showDeleted, 'showDeleted')
    const size = pageSizeOf(request.pageSize, ROLES_PAGE)
    const { page, next } = pageOf(listRoles(), (r) => r.name, size, request.pageToken)
    return {
      roles: page.map((r) => renderPredefined(r, full)),
      ...(next === undefined ? {} : { nextPageToken: next }),
    }
  }

  /** Compat: iam roles.get: a predefined role with its permissions. */
  getPredefined(name: string): Role {
    const role = getRole(name)
    if (role === undefined) {
      if (!/^roles\/[^/]+$/.test(name)) throw invalidRoleName(name)
      throw roleNotFoundError(name)
    }
    return renderPredefined(role, true)
  }

  // ---- custom roles

  /** The canonical parent (project id, never number) after authorizing `permission` on it. */
  async #authorize(
    caller: Caller,
    permission: string,
    parent: string,
    shown: string,
  ): Promise<string> {
    const d = await this.#ctx.checker.decide(caller, permission, parent)
    if (!d.allowed) throw permissionDenied(permission, shown)
    const [kind, id] = parent.split('/') as [string, string]
    if (kind === 'projects') {
      const project = await this.#ctx.checker.project(id)
      if (project === undefined) throw projectNotFound(id)
      return `projects/${project.projectId}`
    }
    const org = await this.#ctx.checker.organization()
    if (org === undefined || org.id !== id) throw organizationNotFound(parent)
    return parent
  }

  /** Authorizes on the role's parent and answers its canonical name. */
  async #authorizeRole(caller: Caller, permission: string, name: string): Promise<CustomRoleName> {
    const parsed = parseCustomRoleName(name)
    if (parsed === undefined) throw invalidRoleName(name)
    const parent = await this.#authorize(caller, permission, parsed.parent, name)
    const canonical = `${parent}/roles/${parsed.roleId}`
    return { ...parsed, name: canonical, parent, parentId: parent.split('/')[1] ?? '' }
  }

  /**
   * Purges the parent's roles deleted 7 days ago or more: their bindings leave every policy
   * (Compat: "If an IAM policy contains a binding to the custom role, the binding is permanently
   * removed"), and once 37 days have passed the record that reserved the id goes too. Runs inside
   * the caller's transaction, before anything reads the roles.
   */
  async #purge(tx: StoreTx, parent: string): Promise<void> {
    const now = this.#ctx.now()
    for (const role of await tx.listAllCustomRoles(parent)) {
      const state = customRoleState(role, now)
      if (state !== 'purged' && state !== 'free') continue
      if (role.purgeTime === undefined) {
        for (const stored of await tx.policiesBindingRole(role.name)) {
          const bindings = (stored.policy.bindings ?? []).filter((b) => b.role !== role.name)
          const { etag: _drop, ...content } = stored.policy
          const canonical = canonicalizePolicy({ ...content, bindings })
          await tx.putPolicy(stored.resource, { ...canonical, etag: policyEtag(canonical) })
        }
      }
      if (state === 'free') await tx.deleteCustomRole(role.name)
      else if (role.purgeTime === undefined) {
        await tx.updateCustomRole({ ...role, purgeTime: isoTime(now), etag: randomEtag() })
      }
    }
  }

  /** #purge in a transaction of its own, when a read finds a role whose bindings are due to go. */
  async #purgeDue(parent: string): Promise<void> {
    const now = this.#ctx.now()
    const due = (await this.#ctx.store.listAllCustomRoles(parent)).some((r) => {
      const state = customRoleState(r, now)
      return (state === 'purged' || state === 'free') && r.purgeTime === undefined
    })
    if (due) await this.#ctx.store.transact((tx) => this.#purge(tx, parent))
  }

  /** Compat: iam projects.roles.create / organizations.roles.create. */
  async create(caller: Caller, parentName: string, body: unknown): Promise<Role> {
    const parent = await this.#authorize(caller, 'iam.roles.create', parentName, parentName)
    if (!isObject(body)) throw invalidArgument('roleId', 'Request body must be a JSON object.')
    for (const k of Object.keys(body)) {
      if (k !== 'roleId' && k !== 'role_id' && k !== 'role') {
        throw invalidArgument(
          k,
          `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`,
        )
      }
    }
    const roleId = body['roleId'] ?? body['role_id'] ?? ''
    if (typeof roleId !== 'string') {
      throw invalidArgument(
        'roleId',
        `Invalid value at 'role_id' (TYPE_STRING), ${JSON.stringify(roleId)}`,
      )
    }
    assertRoleId(roleId)
    const input = readRoleInput(body['role'])
    // Compat: CreateRoleRequest: "When Role is used in CreateRole, the role name must not be set."
    if (input.name !== undefined && input.name !== '') {
      throw invalidArgument('role.name', 'Must not specify role.name.')
    }
    const level = parent.startsWith('projects/') ? 'project' : 'organization'
    const content = checkCustomRole(
      {
        title: input.title ?? '',
        description: input.description ?? '',
        includedPermissions: input.includedPermissions ?? [],
        stage: input.stage ?? 'ALPHA',
      },
      level,
    )
    const name = `${parent}/roles/${roleId}`
    const now = this.#ctx.now()
    const created = await this.#ctx.store.transact(async (tx) => {
      await tx.lockCustomRoles(parent)
      await this.#purge(tx, parent)
      const existing = await tx.getCustomRole(name)
      if (existing !== undefined) {
        const state = customRoleState(existing, now)
        if (state === 'live') {
          throw new IamError(
            Code.ALREADY_EXISTS,
            'ALREADY_EXISTS',
            `A role named ${roleId} in ${parent} already exists.`,
            { metadata: { name } },
          )
        }
        // Compat: IAM's answers for an id still held by a deleted or purged role
        // (python-docs-samples#9388, terraform-provider-google#1668 and azul#4390).
        if (state === 'deleted') {
          throw deletedError(
            `You can't create a role with role_id (${roleId}) where there is an existing role with that role_id in a deleted state.`,
            name,
          )
        }
        throw new IamError(
          Code.FAILED_PRECONDITION,
          'CUSTOM_ROLE_ID_RESERVED',
          `You can't create a role_id (${roleId}) which has been marked for deletion.`,
          { metadata: { name } },
        )
      }
      const counted = (await tx.listAllCustomRoles(parent)).filter((r) => isVisible(r, now))
      if (counted.length >= MAX_CUSTOM_ROLES) {
        // Compat: IAM's 429 (winglang/wing#5236).
        throw new IamError(
          Code.RESOURCE_EXHAUSTED,
          'CUSTOM_ROLE_LIMIT',
          `Maximum number of roles reached. Maximum is: ${MAX_CUSTOM_ROLES}`,
          { metadata: { parent, limit: String(MAX_CUSTOM_ROLES) } },
        )
      }
      const record: CustomRoleRecord = {
        name,
        parent,
        title: content.title,
        description: content.description,
        includedPermissions: [...content.includedPermissions],
        stage: content.stage,
        etag: randomEtag(),
        createTime: isoTime(now),
        updateTime: isoTime(now),
      }
      await tx.createCustomRole(record)
      return record
    })
    return renderCustomRole(created)
  }

  /** Compat: iam projects.roles.list / organizations.roles.list (BASIC view by default). */
  async list(
    caller: Caller,
    parentName: string,
    request: ListRolesRequest,
  ): Promise<ListRolesResponse> {
    const parent = await this.#authorize(caller, 'iam.roles.list', parentName, parentName)
    const full = parseView(request.view)
    const showDeleted = parseBool(request.showDeleted, 'showDeleted')
    const size = pageSizeOf(request.pageSize, ROLES_PAGE)
    const now = this.#ctx.now()
    await this.#purgeDue(parent)
    const page = await this.#ctx.store.listCustomRoles(parent, {
      pageSize: size,
      showDeleted,
      ...(request.pageToken === undefined || request.pageToken === ''
        ? {}
        : { pageToken: request.pageToken }),
    })
    const roles = page.items.filter((r) => isVisible(r, now)).map((r) => renderCustomRole(r, full))
    return {
      ...(roles.length === 0 ? {} : { roles }),
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    }
  }

  /** The stored role if the caller may see it and it is visible; NOT_FOUND otherwise. */
  async #visible(caller: Caller, permission: string, name: string): Promise<CustomRoleRecord> {
    const role = await this.#authorizeRole(caller, permission, name)
    await this.#purgeDue(role.parent)
    const stored = await this.#ctx.store.getCustomRole(role.name)
    if (stored === undefined || !isVisible(stored, this.#ctx.now())) throw roleNotFoundError(name)
    return stored
  }

  /** Compat: iam projects.roles.get / organizations.roles.get (deleted roles too, 7 days). */
  async get(caller: Caller, name: string): Promise<Role> {
    return renderCustomRole(await this.#visible(caller, 'iam.roles.get', name))
  }

  /**
   * Compat: iam projects.roles.patch / organizations.roles.patch. Without updateMask every
   * updatable field is replaced (gcloud's --file); with one, only the fields it names. A role
   * etag that does not match is 409 ABORTED.
   */
  async patch(
    caller: Caller,
    name: string,
    updateMask: string | undefined,
    body: unknown,
  ): Promise<Role> {
    const role = await this.#authorizeRole(caller, 'iam.roles.update', name)
    const input = readRoleInput(body)
    const mask = parseMask(updateMask)
    const now = this.#ctx.now()
    const updated = await this.#ctx.store.transact(async (tx) => {
      await this.#purge(tx, role.parent)
      const stored = await tx.getCustomRole(role.name)
      if (stored === undefined || !isVisible(stored, now)) throw roleNotFoundError(name)
      if (stored.deleteTime !== undefined) {
        throw deletedError(`You can't update role_id (${role.name}) as it is deleted.`, role.name)
      }
      const content = checkCustomRole(merge(contentOf(stored), input, mask), role.parentType)
      const next = withContent(stored, content, isoTime(now))
      await tx.updateCustomRole(
        next,
        input.etag === undefined || input.etag === '' ? {} : { ifEtag: input.etag },
      )
      return next
    })
    return renderCustomRole(updated)
  }

  /** Compat: iam projects.roles.delete / organizations.roles.delete: the role, now deleted. */
  async delete(caller: Caller, name: string, etag: string | undefined): Promise<Role> {
    const role = await this.#authorizeRole(caller, 'iam.roles.delete', name)
    const now = this.#ctx.now()
    const deleted = await this.#ctx.store.transact(async (tx) => {
      await this.#purge(tx, role.parent)
      const stored = await tx.getCustomRole(role.name)
      if (stored === undefined || !isVisible(stored, now)) throw roleNotFoundError(name)
      if (stored.deleteTime !== undefined) {
        // Compat: IAM's answer (k8s-config-connector#338).
        throw deletedError(
          `You can't delete role_id (${role.name}) as it is already deleted.`,
          role.name,
        )
      }
      const next: CustomRoleRecord = {
        ...stored,
        deleteTime: isoTime(now),
        etag: randomEtag(),
        updateTime: isoTime(now),
      }
      await tx.updateCustomRole(next, etag === undefined || etag === '' ? {} : { ifEtag: etag })
      return next
    })
    return renderCustomRole(deleted)
  }

  /** Compat: iam projects.roles.undelete / organizations.roles.undelete (within 7 days). */
  async undelete(caller: Caller, name: string, body: unknown): Promise<Role> {
    const role = await this.#authorizeRole(caller, 'iam.roles.undelete', name)
    let etag: string | undefined
    if (body !== undefined && body !== null) {
      if (!isObject(body)) throw invalidArgument('etag', 'Request body must be a JSON object.')
      for (const [k, v] of Object.entries(body)) {
        if (k !== 'etag') {
          throw invalidArgument(
            k,
            `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`,
          )
        }
        if (v !== null && typeof v !== 'string') {
          throw invalidArgument(
            'etag',
            `Invalid value at 'etag' (TYPE_BYTES), ${JSON.stringify(v)}`,
          )
        }
        if (typeof v === 'string' && v !== '') etag = v
      }
    }
    const now = this.#ctx.now()
    const restored = await this.#ctx.store.transact(async (tx) => {
      await this.#purge(tx, role.parent)
      const stored = await tx.getCustomRole(role.name)
      if (stored === undefined || !isVisible(stored, now)) throw roleNotFoundError(name)
      if (stored.deleteTime === undefined) {
        throw deletedError(
          `You can't undelete role_id (${role.name}) as it is not deleted.`,
          role.name,
        )
      }
      const { deleteTime: _gone, ...rest } = stored
      const next: CustomRoleRecord = { ...rest, etag: randomEtag(), updateTime: isoTime(now) }
      await tx.updateCustomRole(next, etag === undefined ? {} : { ifEtag: etag })
      return next
    })
    return renderCustomRole(restored)
  }

  // ---- testable permissions

  /**
   * Compat: iam permissions.queryTestablePermissions. The answer depends only on the kind of
   * resource the full name denotes, so nothing is looked up and no permission is needed; every
   * permission runiam knows is SUPPORTED in custom roles (Google's TESTING and NOT_SUPPORTED
   * levels are not modelled).
   */
  queryTestablePermissions(body: unknown): QueryTestablePermissionsResponse {
    if (!isObject(body)) {
      throw invalidArgument('fullResourceName', 'Request body must be a JSON object.')
    }
    for (const k of Object.keys(body)) {
      if (
        ![
          'fullResourceName',
          'full_resource_name',
          'pageSize',
          'page_size',
          'pageToken',
          'page_token',
        ].includes(k)
      ) {
        throw invalidArgument(
          k,
          `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`,
        )
      }
    }
    const full = body['fullResourceName'] ?? body['full_resource_name']
    if (typeof full !== 'string' || full === '') {
      throw invalidArgument('fullResourceName', 'Field fullResourceName is required.')
    }
    const type = resourceTypeOf(full)
    const size = pageSizeOf(body['pageSize'] ?? body['page_size'], PERMISSIONS_PAGE)
    const token = body['pageToken'] ?? body['page_token']
    const { page, next } = pageOf(
      testablePermissions(type),
      (p) => p,
      size,
      typeof token === 'string' ? token : undefined,
    )
    const permissions: Permission[] = page.map((name) => ({
      name,
      stage: 'GA',
      customRolesSupportLevel: 'SUPPORTED',
    }))
    return {
      ...(permissions.length === 0 ? {} : { permissions }),
      ...(next === undefined ? {} : { nextPageToken: next }),
    }
  }
}

function parseMask(raw: string | undefined): ReadonlySet<string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined
  const paths = new Set<string>()
  for (const p of raw
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')) {
    const name = p === 'included_permissions' ? 'includedPermissions' : p
    if (!(UPDATABLE as readonly string[]).includes(name)) {
      throw invalidArgument(
        'updateMask',
        `Invalid update mask path "${p}": a role's updatable fields are title, description, includedPermissions and stage.`,
      )
    }
    paths.add(name)
  }
  return paths
}

/** The role's content after a patch: the mask's fields from the input, the rest kept. */
function merge(
  current: CustomRoleContent,
  input: RoleInput,
  mask: ReadonlySet<string> | undefined,
): CustomRoleContent {
  const take = (field: (typeof UPDATABLE)[number]): boolean => mask === undefined || mask.has(field)
  return {
    title: take('title') ? (input.title ?? '') : current.title,
    description: take('description') ? (input.description ?? '') : current.description,
    includedPermissions: take('includedPermissions')
      ? (input.includedPermissions ?? [])
      : current.includedPermissions,
    stage: take('stage') ? (input.stage ?? 'ALPHA') : current.stage,
  }
}

const FULL_NAME_PATTERNS: readonly [RegExp, ResourceType][] = [
  [/^\/\/cloudresourcemanager\.googleapis\.com\/organizations\/[^/]+$/, 'organization'],
  [/^\/\/cloudresourcemanager\.googleapis\.com\/projects\/[^/]+$/, 'project'],
  [/^\/\/run\.googleapis\.com\/projects\/[^/]+\/locations\/[^/]+\/services\/[^/]+$/, 'service'],
  [/^\/\/run\.googleapis\.com\/projects\/[^/]+\/locations\/[^/]+\/jobs\/[^/]+$/, 'job'],
  [
    /^\/\/run\.googleapis\.com\/projects\/[^/]+\/locations\/[^/]+\/(workerPools|workerpools)\/[^/]+$/,
    'workerPool',
  ],
  [/^\/\/iam\.googleapis\.com\/projects\/[^/]+\/serviceAccounts\/[^/]+$/, 'serviceAccount'],
]

/** The kind of resource a full resource name denotes (cloud.google.com/iam/docs/full-resource-names). */
function resourceTypeOf(fullName: string): ResourceType {
  for (const [re, type] of FULL_NAME_PATTERNS) if (re.test(fullName)) return type
  throw invalidArgument(
    'fullResourceName',
    `The full resource name ${JSON.stringify(fullName)} is not one runiam knows: use //cloudresourcemanager.googleapis.com/{organizations,projects}/…, //run.googleapis.com/projects/P/locations/L/{services,jobs,workerPools}/N or //iam.googleapis.com/projects/P/serviceAccounts/EMAIL.`,
  )
}
