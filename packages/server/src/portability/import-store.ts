// `runiam import`: writes an ExportDocument into an empty store, in one transaction, after
// validating every entry as the API would validate it (names, members, roles, conditions, custom
// roles, constraints, references between entries). A refusal names the entry (`policies[3]
// (projects/p): …`) and writes nothing. Etags and times are kept, so a client's read-modify-write
// spans the move; a policy whose content was edited by hand gets the etag of its new content.
import { createPrivateKey, createPublicKey } from 'node:crypto'
import {
  canonicalizePolicy,
  checkCustomRole,
  Code,
  IamError,
  isCustomRoleName,
  isIamError,
  normalizeMember,
  parseCustomRoleName,
  ROLE_STAGES,
  validatePolicy,
  type CustomRoleForPolicy,
  type Policy,
  type ResourceType,
  type RoleStage,
} from '@runiam/core'
import { policyEtag } from '../services/policy-etag.js'
import { validateConditionExpr } from '@runiam/core/conditions'
import {
  type CustomRoleRecord,
  type GroupMemberType,
  type GroupRecord,
  type MembershipRecord,
  type OrganizationRecord,
  type OrgPolicyRecord,
  type ProjectRecord,
  type ResourceKind,
  type ResourceRecord,
  type ServiceAccountKeyRecord,
  type ServiceAccountRecord,
  type SigningKeyRecord,
  type Store,
  type StoredPolicy,
  type StoreTx,
} from '@runiam/store'
import { importJWK, type JWK } from 'jose'
import {
  customerIdOf,
  parseEmail,
  parseGroupName,
  parseMembershipName,
  parseRoles,
} from '../services/cloud-identity/group-model.js'
import { compileConditionsInSlices } from '../services/condition-slices.js'
import { SIGNING_ALG } from '../services/keys/new-signing-key.js'
import { customRoleState, inHierarchy } from '../services/custom-role-scope.js'
import {
  ACCOUNT_ID_RE,
  SERVICE_ACCOUNT_DOMAIN,
  serviceAccountName,
} from '../services/iam/service-account-model.js'
import { checkProjectId, checkRegion, checkServiceId } from '../services/names.js'
import { constraintOf, readSpec } from '../services/org-policy/org-policy-model.js'
import { EXPORT_FORMAT, EXPORT_VERSION, SECTIONS } from './export-document.js'

export interface ImportOptions {
  /** Epoch milliseconds: custom roles' state, and the retire time of keys imported without their private half. */
  readonly now: number
}

/** What was imported, by section (for the command's summary line). */
export type ImportSummary = Readonly<Record<(typeof SECTIONS)[number], number>>

type Json = Record<string, unknown>

function refuse(message: string, reason = 'IMPORT_INVALID'): IamError {
  return new IamError(Code.INVALID_ARGUMENT, reason, message)
}

/** Errors that are the file's fault (a bad value, a conflict between two entries); never an outage. */
const FILE_FAULTS: ReadonlySet<Code> = new Set([
  Code.INVALID_ARGUMENT,
  Code.ALREADY_EXISTS,
  Code.NOT_FOUND,
  Code.FAILED_PRECONDITION,
])

const isObj = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x)

/** Runs `fn`; any refusal it throws is reworded to name the entry it was about. */
function about<T>(label: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (isIamError(err) && FILE_FAULTS.has(err.code)) throw refuse(`${label}: ${err.message}`)
    throw err
  }
}

async function aboutAsync<T>(label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    // A store conflict (two entries with one key) is the file's fault, not the store's.
    if (isIamError(err) && FILE_FAULTS.has(err.code)) throw refuse(`${label}: ${err.message}`)
    throw err
  }
}

// --- field readers: each throws a plain IamError that `about` prefixes with the entry ------------

function str(o: Json, key: string, opts: { empty?: boolean; max?: number } = {}): string {
  const v = o[key]
  if (typeof v !== 'string')
    throw refuse(`field '${key}' must be a string, got ${JSON.stringify(v) ?? 'nothing'}.`)
  if (!opts.empty && v === '') throw refuse(`field '${key}' must not be empty.`)
  if (v.length > (opts.max ?? 4096))
    throw refuse(`field '${key}' is too long (${v.length} characters).`)
  return v
}

const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/

function time(o: Json, key: string): string {
  const v = str(o, key)
  if (!TIME_RE.test(v) || Number.isNaN(Date.parse(v))) {
    throw refuse(`field '${key}' must be an RFC 3339 time, got ${JSON.stringify(v)}.`)
  }
  return v
}

function optTime(o: Json, key: string): string | undefined {
  return o[key] === undefined ? undefined : time(o, key)
}

function bool(o: Json, key: string): boolean {
  const v = o[key]
  if (typeof v !== 'boolean')
    throw refuse(`field '${key}' must be true or false, got ${JSON.stringify(v) ?? 'nothing'}.`)
  return v
}

/**
 * Far deeper than any record runiam writes. A hostile depth (100,000 nested lists) would overflow
 * the store's JSON.stringify: an INTERNAL error instead of a refusal naming the entry.
 */
const MAX_DEPTH = 64

/** How deep `v` nests objects and lists, counted without recursion, up to MAX_DEPTH + 1. */
function depthOf(v: unknown): number {
  let deepest = 0
  const stack: [unknown, number][] = [[v, 1]]
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [x, d] = top
    if (typeof x !== 'object' || x === null) continue
    if (d > deepest) deepest = d
    if (deepest > MAX_DEPTH) break
    for (const c of Object.values(x)) stack.push([c, d + 1])
  }
  return deepest
}

function obj(o: Json, key: string): Json {
  const v = o[key]
  if (!isObj(v)) throw refuse(`field '${key}' must be a JSON object.`)
  if (depthOf(v) > MAX_DEPTH) throw refuse(`field '${key}' nests deeper than ${MAX_DEPTH} levels.`)
  return v
}

function stringMap(o: Json, key: string): Record<string, string> {
  const v = obj(o, key)
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw refuse(`field '${key}.${k}' must be a string.`)
  }
  return v as Record<string, string>
}

function known(o: Json, keys: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw refuse(`unknown field '${k}'.`)
  }
}

/** The members of a JWK that belong to its private half (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const

function oneOf<T extends string>(o: Json, key: string, values: readonly T[]): T {
  const v = str(o, key)
  if (!(values as readonly string[]).includes(v)) {
    throw refuse(`field '${key}' must be one of ${values.join(', ')}, got ${JSON.stringify(v)}.`)
  }
  return v as T
}

function match(o: Json, key: string, re: RegExp, what: string): string {
  const v = str(o, key)
  if (!re.test(v)) throw refuse(`field '${key}' is not ${what}: ${JSON.stringify(v)}.`)
  return v
}

function isPrivateKey(pem: string): boolean {
  try {
    createPrivateKey(pem)
    return true
  } catch {
    return false
  }
}

const NUMERIC_ID = /^[1-9][0-9]{0,19}$/
const UNIQUE_ID = /^[0-9]{21}$/
const KEY_ID = /^[0-9a-f]{40}$/
const KID = /^[A-Za-z0-9_-]{1,128}$/
// Executions and tasks get ids runiam made (`job-abcde`, `job-abcde-task0`).
const CHILD_ID = /^[a-z0-9](?:[a-z0-9-]{0,126}[a-z0-9])?$/

/** Names and their first entry: a second entry under one key is refused naming both. */
class Keys {
  readonly #seen = new Map<string, string>()
  readonly what: string
  constructor(what: string) {
    this.what = what
  }
  add(key: string, label: string): void {
    const first = this.#seen.get(key)
    if (first !== undefined)
      throw refuse(`${label}: duplicate ${this.what} ${JSON.stringify(key)} (also ${first}).`)
    this.#seen.set(key, label)
  }
  has(key: string): boolean {
    return this.#seen.has(key)
  }
}

function section(doc: Json, key: string): Json[] {
  const v = doc[key]
  if (!Array.isArray(v)) throw refuse(`The file's '${key}' must be a list.`)
  return v.map((e, i) => {
    if (!isObj(e)) throw refuse(`${key}[${i}]: must be a JSON object.`)
    return e
  })
}

/** The parts of a v2 Run resource name, checked as the API checks ids. */
function runResourceName(kind: ResourceKind, name: string, parent: string): string {
  const p = name.split('/')
  const base = (): string => {
    if (p[0] !== 'projects' || p[2] !== 'locations')
      throw refuse(`Invalid resource name '${name}'.`)
    checkProjectId(p[1])
    checkRegion(p[3] ?? '')
    return p[1] ?? ''
  }
  const collection = { service: 'services', job: 'jobs', workerPool: 'workerPools' } as const
  switch (kind) {
    case 'service':
    case 'job':
    case 'workerPool': {
      if (p.length !== 6 || p[4] !== collection[kind]) {
        throw refuse(
          `Invalid ${kind} name '${name}': expected projects/P/locations/L/${collection[kind]}/ID.`,
        )
      }
      const project = base()
      checkServiceId(p[5], 'name')
      if (parent !== `projects/${project}/locations/${p[3]}`) {
        throw refuse(`parent '${parent}' does not match the name '${name}'.`)
      }
      return project
    }
    case 'execution':
    case 'task': {
      const child = kind === 'execution' ? 'executions' : 'tasks'
      const id = p[p.length - 1] ?? ''
      if (p[p.length - 2] !== child || !CHILD_ID.test(id) || `${parent}/${child}/${id}` !== name) {
        throw refuse(`Invalid ${kind} name '${name}': expected ${parent}/${child}/ID.`)
      }
      return base()
    }
  }
}

export interface Parsed {
  organization: OrganizationRecord | undefined
  projects: ProjectRecord[]
  customRoles: CustomRoleRecord[]
  resources: ResourceRecord[]
  serviceAccounts: ServiceAccountRecord[]
  serviceAccountKeys: ServiceAccountKeyRecord[]
  groups: GroupRecord[]
  memberships: MembershipRecord[]
  policies: { record: StoredPolicy; label: string }[]
  orgPolicies: OrgPolicyRecord[]
  signingKeys: SigningKeyRecord[]
}

const TOP_KEYS = ['format', 'version', 'source', 'privateKeys', 'notIncluded', ...SECTIONS]

/**
 * Checks an export document and everything in it, without a store: structure, names, references
 * between entries, members, roles and conditions. Returns the records to write.
 */
export async function parseExport(raw: unknown, options: ImportOptions): Promise<Parsed> {
  if (!isObj(raw) || raw['format'] !== EXPORT_FORMAT) {
    throw refuse(
      `This is not a runiam export: it needs "format": "${EXPORT_FORMAT}".`,
      'IMPORT_WRONG_FORMAT',
    )
  }
  if (raw['version'] !== EXPORT_VERSION) {
    throw refuse(
      `This runiam reads export version ${EXPORT_VERSION}; the file is version ${JSON.stringify(raw['version'])}.`,
      'IMPORT_WRONG_VERSION',
    )
  }
  about('The file', () => known(raw, TOP_KEYS))
  const privateKeys = about('The file', () =>
    oneOf(raw, 'privateKeys', ['included', 'omitted'] as const),
  )
  for (const key of SECTIONS) {
    if (raw[key] === undefined) throw refuse(`The file has no '${key}' section: it is incomplete.`)
  }

  // The organization.
  let organization: OrganizationRecord | undefined
  if (raw['organization'] !== null) {
    organization = about('organization', () => {
      const o = obj(raw, 'organization')
      known(o, ['id', 'domain', 'displayName', 'createTime'])
      return {
        id: match(o, 'id', NUMERIC_ID, 'a numeric organization id'),
        domain: str(o, 'domain', { max: 253 }),
        displayName: str(o, 'displayName', { empty: true }),
        createTime: time(o, 'createTime'),
      }
    })
  }
  const orgName = organization === undefined ? undefined : `organizations/${organization.id}`

  // Projects.
  const projectIds = new Keys('project id')
  const projectNumbers = new Keys('project number')
  const projects = section(raw, 'projects').map((o, i) => {
    const label = `projects[${i}]`
    const p = about(label, (): ProjectRecord => {
      known(o, [
        'projectId',
        'projectNumber',
        'displayName',
        'parent',
        'state',
        'labels',
        'createTime',
        'updateTime',
        'etag',
      ])
      const parent = str(o, 'parent')
      if (parent !== orgName)
        throw refuse(
          `parent '${parent}' is not the organization${orgName === undefined ? ' (the file has none)' : ` (${orgName})`}.`,
        )
      return {
        projectId: checkProjectId(o['projectId']),
        projectNumber: match(o, 'projectNumber', NUMERIC_ID, 'a project number'),
        displayName: str(o, 'displayName', { empty: true }),
        parent,
        state: oneOf(o, 'state', ['ACTIVE', 'DELETE_REQUESTED'] as const),
        labels: stringMap(o, 'labels'),
        createTime: time(o, 'createTime'),
        updateTime: time(o, 'updateTime'),
        etag: str(o, 'etag'),
      }
    })
    projectIds.add(p.projectId, `${label} (${p.projectId})`)
    projectNumbers.add(p.projectNumber, `${label} (${p.projectId})`)
    return p
  })
  const parentExists = (parent: string): boolean =>
    parent === orgName || (parent.startsWith('projects/') && projectIds.has(parent.slice(9)))

  // Custom roles (deleted ones too).
  const roleNames = new Keys('custom role')
  const roles = new Map<string, CustomRoleRecord>()
  const customRoles = section(raw, 'customRoles').map((o, i) => {
    const label = `customRoles[${i}]${typeof o['name'] === 'string' ? ` (${o['name']})` : ''}`
    const role = about(label, (): CustomRoleRecord => {
      known(o, [
        'name',
        'parent',
        'title',
        'description',
        'includedPermissions',
        'stage',
        'etag',
        'createTime',
        'updateTime',
        'deleteTime',
        'purgeTime',
      ])
      const name = str(o, 'name')
      const parsed = parseCustomRoleName(name)
      if (parsed === undefined) throw refuse(`Invalid custom role name '${name}'.`)
      const parent = str(o, 'parent')
      if (parsed.parent !== parent) throw refuse(`parent '${parent}' does not match the name.`)
      if (!parentExists(parent)) throw refuse(`its parent ${parent} is not in the file.`)
      const perms = o['includedPermissions']
      if (!Array.isArray(perms) || perms.some((p) => typeof p !== 'string')) {
        throw refuse("field 'includedPermissions' must be a list of strings.")
      }
      const content = checkCustomRole(
        {
          title: str(o, 'title', { empty: true }),
          description: str(o, 'description', { empty: true, max: 1 << 16 }),
          includedPermissions: perms as string[],
          stage: oneOf(o, 'stage', ROLE_STAGES) as RoleStage,
        },
        parsed.parentType,
      )
      const deleteTime = optTime(o, 'deleteTime')
      const purgeTime = optTime(o, 'purgeTime')
      if (purgeTime !== undefined && deleteTime === undefined)
        throw refuse('a purged role needs a deleteTime.')
      return {
        name,
        parent,
        ...content,
        etag: str(o, 'etag'),
        createTime: time(o, 'createTime'),
        updateTime: time(o, 'updateTime'),
        ...(deleteTime === undefined ? {} : { deleteTime }),
        ...(purgeTime === undefined ? {} : { purgeTime }),
      }
    })
    roleNames.add(role.name, label)
    roles.set(role.name, role)
    return role
  })

  // Run resources: services, jobs and worker pools, then executions under jobs, tasks under executions.
  const resourceNames = new Keys('resource name')
  const kindOf = new Map<string, ResourceKind>()
  const resources = section(raw, 'resources').map((o, i) => {
    const label = `resources[${i}]${typeof o['name'] === 'string' ? ` (${o['name']})` : ''}`
    const r = about(label, (): ResourceRecord => {
      known(o, ['name', 'kind', 'parent', 'body', 'etag', 'createTime', 'updateTime'])
      const kind = oneOf(o, 'kind', ['service', 'job', 'workerPool', 'execution', 'task'] as const)
      const name = str(o, 'name')
      const parent = str(o, 'parent')
      const project = runResourceName(kind, name, parent)
      if (!projectIds.has(project)) throw refuse(`its project ${project} is not in the file.`)
      const needs = kind === 'execution' ? 'job' : kind === 'task' ? 'execution' : undefined
      if (needs !== undefined && kindOf.get(parent) !== needs) {
        throw refuse(`its ${needs} ${parent} is not earlier in the file.`)
      }
      const body = obj(o, 'body')
      if (body['name'] !== undefined && body['name'] !== name) {
        throw refuse(`its body names ${JSON.stringify(body['name'])}, not '${name}'.`)
      }
      return {
        name,
        kind,
        parent,
        body,
        etag: str(o, 'etag'),
        createTime: time(o, 'createTime'),
        updateTime: time(o, 'updateTime'),
      }
    })
    resourceNames.add(r.name, label)
    kindOf.set(r.name, r.kind)
    return r
  })

  // Service accounts and their keys (public halves).
  const emails = new Keys('service account email')
  const uniqueIds = new Keys('service account unique id')
  const serviceAccounts = section(raw, 'serviceAccounts').map((o, i) => {
    const label = `serviceAccounts[${i}]${typeof o['email'] === 'string' ? ` (${o['email']})` : ''}`
    const sa = about(label, (): ServiceAccountRecord => {
      known(o, [
        'email',
        'projectId',
        'uniqueId',
        'displayName',
        'description',
        'disabled',
        'etag',
        'createTime',
      ])
      const email = str(o, 'email')
      const projectId = str(o, 'projectId')
      const [accountId = '', domain] = email.split('@')
      if (!ACCOUNT_ID_RE.test(accountId) || domain !== `${projectId}.${SERVICE_ACCOUNT_DOMAIN}`) {
        throw refuse(`Invalid service account email '${email}' for project '${projectId}'.`)
      }
      if (!projectIds.has(projectId)) throw refuse(`its project ${projectId} is not in the file.`)
      return {
        email,
        projectId,
        uniqueId: match(o, 'uniqueId', UNIQUE_ID, 'a 21-digit unique id'),
        displayName: str(o, 'displayName', { empty: true, max: 100 }),
        description: str(o, 'description', { empty: true, max: 256 }),
        disabled: bool(o, 'disabled'),
        etag: str(o, 'etag'),
        createTime: time(o, 'createTime'),
      }
    })
    emails.add(sa.email, label)
    uniqueIds.add(sa.uniqueId, label)
    return sa
  })
  const keyIds = new Keys('key id')
  const serviceAccountKeys = section(raw, 'serviceAccountKeys').map((o, i) => {
    const label = `serviceAccountKeys[${i}]${typeof o['keyId'] === 'string' ? ` (${o['keyId']})` : ''}`
    const key = about(label, (): ServiceAccountKeyRecord => {
      known(o, [
        'keyId',
        'serviceAccountEmail',
        'publicKeyPem',
        'keyAlgorithm',
        'validAfterTime',
        'validBeforeTime',
        'disabled',
        'createTime',
      ])
      const email = str(o, 'serviceAccountEmail')
      if (!emails.has(email)) throw refuse(`its service account ${email} is not in the file.`)
      const publicKeyPem = str(o, 'publicKeyPem', { max: 16384 })
      try {
        createPublicKey(publicKeyPem)
      } catch {
        throw refuse("field 'publicKeyPem' is not a PEM public key.")
      }
      // createPublicKey also takes a private key (it derives the public half): such a key would be
      // kept, and be in every later export, even one said to hold no secret.
      if (isPrivateKey(publicKeyPem)) {
        throw refuse(
          "field 'publicKeyPem' holds a private key; an export holds the public halves only.",
        )
      }
      return {
        keyId: match(o, 'keyId', KEY_ID, '40 hex digits'),
        serviceAccountEmail: email,
        publicKeyPem,
        keyAlgorithm: str(o, 'keyAlgorithm'),
        validAfterTime: time(o, 'validAfterTime'),
        validBeforeTime: time(o, 'validBeforeTime'),
        disabled: bool(o, 'disabled'),
        createTime: time(o, 'createTime'),
      }
    })
    keyIds.add(key.keyId, label)
    return key
  })

  // Groups and memberships.
  const groupIds = new Keys('group id')
  const groupEmails = new Keys('group email')
  const groupById = new Map<string, GroupRecord>()
  const customer =
    organization === undefined ? undefined : `customers/${customerIdOf(organization.id)}`
  const groups = section(raw, 'groups').map((o, i) => {
    const label = `groups[${i}]${typeof o['email'] === 'string' ? ` (${o['email']})` : ''}`
    const g = about(label, (): GroupRecord => {
      known(o, [
        'id',
        'email',
        'parent',
        'displayName',
        'description',
        'labels',
        'createTime',
        'updateTime',
      ])
      const id = parseGroupName(`groups/${str(o, 'id')}`, 'id')
      const parent = str(o, 'parent')
      if (parent !== customer)
        throw refuse(
          `parent '${parent}' is not the organization's customer (${customer ?? 'none'}).`,
        )
      const email = parseEmail(o['email'], 'email')
      if (email !== o['email'])
        throw refuse(`field 'email' must be lower-case: ${JSON.stringify(o['email'])}.`)
      return {
        id,
        email,
        parent,
        displayName: str(o, 'displayName', { empty: true }),
        description: str(o, 'description', { empty: true }),
        labels: stringMap(o, 'labels'),
        createTime: time(o, 'createTime'),
        updateTime: time(o, 'updateTime'),
      }
    })
    groupIds.add(g.id, label)
    groupEmails.add(g.email, label)
    groupById.set(g.id, g)
    return g
  })
  const membershipKeys = new Keys('membership')
  const memberships = section(raw, 'memberships').map((o, i) => {
    const label = `memberships[${i}]`
    const m = about(label, (): MembershipRecord => {
      known(o, [
        'groupId',
        'id',
        'memberKey',
        'type',
        'memberGroupId',
        'roles',
        'createTime',
        'updateTime',
      ])
      const { groupId, id } = parseMembershipName(
        `groups/${str(o, 'groupId')}/memberships/${str(o, 'id')}`,
      )
      if (!groupById.has(groupId)) throw refuse(`its group ${groupId} is not in the file.`)
      const memberKey = parseEmail(o['memberKey'], 'memberKey')
      if (memberKey !== o['memberKey']) throw refuse(`field 'memberKey' must be lower-case.`)
      const type = oneOf<GroupMemberType>(o, 'type', ['USER', 'SERVICE_ACCOUNT', 'GROUP'])
      let memberGroupId: string | undefined
      if (type === 'GROUP') {
        memberGroupId = str(o, 'memberGroupId')
        if (groupById.get(memberGroupId)?.email !== memberKey) {
          throw refuse(
            `its member group ${memberGroupId} is not a group of the file with email ${memberKey}.`,
          )
        }
      } else if (o['memberGroupId'] !== undefined) {
        throw refuse(`only a GROUP member has a memberGroupId.`)
      }
      const rolesRaw = o['roles']
      if (!Array.isArray(rolesRaw)) throw refuse("field 'roles' must be a list.")
      const roleNamesOf = parseRoles(rolesRaw.map((name) => ({ name })))
      return {
        groupId,
        id,
        memberKey,
        type,
        ...(memberGroupId === undefined ? {} : { memberGroupId }),
        roles: roleNamesOf,
        createTime: time(o, 'createTime'),
        updateTime: time(o, 'updateTime'),
      }
    })
    membershipKeys.add(`${m.groupId}/${m.id}`, label)
    membershipKeys.add(`${m.groupId} member ${m.memberKey}`, label)
    return m
  })

  // Allow policies: validated as setIamPolicy validates them, on the resource they are attached to.
  const policyTargets = new Map<string, ResourceType>()
  if (orgName !== undefined) policyTargets.set(orgName, 'organization')
  for (const p of projects) policyTargets.set(`projects/${p.projectId}`, 'project')
  for (const r of resources) {
    if (r.kind === 'service' || r.kind === 'job' || r.kind === 'workerPool')
      policyTargets.set(r.name, r.kind)
  }
  for (const sa of serviceAccounts) policyTargets.set(serviceAccountName(sa), 'serviceAccount')
  const policyKeys = new Keys('policy of')
  const policies: Parsed['policies'] = []
  const rawPolicies = section(raw, 'policies')
  for (const [i, o] of rawPolicies.entries()) {
    const label = `policies[${i}]${typeof o['resource'] === 'string' ? ` (${o['resource']})` : ''}`
    const { resource, updateTime, rawPolicy } = about(label, () => {
      known(o, ['resource', 'policy', 'etag', 'updateTime'])
      const resource = str(o, 'resource')
      if (!policyTargets.has(resource))
        throw refuse(`no resource of the file is named ${resource}.`)
      str(o, 'etag')
      return { resource, updateTime: time(o, 'updateTime'), rawPolicy: obj(o, 'policy') }
    })
    policyKeys.add(resource, label)
    const bindings = rawPolicy['bindings']
    const failures = await compileConditionsInSlices(bindings)
    const policy = about(label, () => {
      const { etag: _etag, ...content } = rawPolicy
      const validated = validatePolicy(content, {
        resourceType: policyTargets.get(resource) ?? 'project',
        customRoles: customRolesFor(resource, bindings, roles, organization?.id, options.now),
        checkCondition: (e) => {
          const failed = failures.get(e.expression ?? '')
          // As setIamPolicy: a compile failure of a titled condition is reported as such.
          if (failed !== undefined && typeof e.title === 'string' && e.title.trim() !== '') {
            throw failed
          }
          validateConditionExpr(e)
        },
      })
      const { etag: _none, ...rest } = validated
      const canonical = canonicalizePolicy(rest)
      return { ...canonical, etag: policyEtag(canonical) } satisfies Policy
    })
    policies.push({ record: { resource, policy, etag: policy.etag ?? '', updateTime }, label })
  }

  // Org policies.
  const orgPolicyNames = new Keys('org policy')
  const orgPolicies = section(raw, 'orgPolicies').map((o, i) => {
    const label = `orgPolicies[${i}]${typeof o['name'] === 'string' ? ` (${o['name']})` : ''}`
    const p = about(label, (): OrgPolicyRecord => {
      known(o, ['name', 'parent', 'policy', 'etag', 'updateTime'])
      const name = str(o, 'name')
      const parent = str(o, 'parent')
      if (!parentExists(parent)) throw refuse(`its parent ${parent} is not in the file.`)
      const constraint = name.startsWith(`${parent}/policies/`)
        ? name.slice(parent.length + 10)
        : ''
      if (constraint === '' || constraint.includes('/')) {
        throw refuse(`Invalid org policy name '${name}': expected ${parent}/policies/CONSTRAINT.`)
      }
      const info = constraintOf(constraint)
      const policy = obj(o, 'policy')
      // What the API keeps of a policy (it refuses dryRunSpec and unknown fields); the record is
      // served as it is, so anything else would appear in every get.
      for (const k of Object.keys(policy)) {
        if (k !== 'name' && k !== 'spec' && k !== 'etag')
          throw refuse(`unknown field 'policy.${k}' (an org policy holds name, spec and etag).`)
      }
      if (policy['name'] !== undefined && policy['name'] !== name) {
        throw refuse(`its policy names ${JSON.stringify(policy['name'])}, not '${name}'.`)
      }
      if (policy['spec'] !== undefined) readSpec(info, policy['spec'], 'policy.spec')
      return { name, parent, policy, etag: str(o, 'etag'), updateTime: time(o, 'updateTime') }
    })
    orgPolicyNames.add(p.name, label)
    return p
  })

  // Issuer signing keys.
  const kids = new Keys('signing key id')
  const signingKeys: SigningKeyRecord[] = []
  for (const [i, o] of section(raw, 'signingKeys').entries()) {
    const label = `signingKeys[${i}]${typeof o['kid'] === 'string' ? ` (${o['kid']})` : ''}`
    const base = about(label, () => {
      known(o, [
        'kid',
        'alg',
        'publicJwk',
        'privateJwk',
        'createTime',
        'activateTime',
        'retireTime',
        'dropTime',
      ])
      const hasPrivate = o['privateJwk'] !== undefined
      if (hasPrivate && privateKeys === 'omitted') {
        throw refuse("the file says private keys are omitted, but this key has a 'privateJwk'.")
      }
      // With private keys included, only a retired key may lack one (it was itself imported
      // without it, and only verifies).
      if (!hasPrivate && privateKeys === 'included' && o['retireTime'] === undefined) {
        throw refuse(
          "the file says its private keys are included, but this key, which is not retired, has no 'privateJwk'.",
        )
      }
      return {
        kid: match(o, 'kid', KID, 'a key id'),
        // runiam signs (and verifies its access tokens) with RS256 only: a key of another
        // algorithm would become the signing key and fail every token minted with it.
        alg: oneOf(o, 'alg', [SIGNING_ALG] as const),
        publicJwk: obj(o, 'publicJwk'),
        privateJwk: hasPrivate ? obj(o, 'privateJwk') : undefined,
        createTime: time(o, 'createTime'),
        activateTime: optTime(o, 'activateTime'),
        retireTime: optTime(o, 'retireTime'),
        dropTime: optTime(o, 'dropTime'),
      }
    })
    kids.add(base.kid, label)
    await aboutAsync(label, async () => {
      // Any private member (an RSA key's primes alone give it away), as the JWKS publishes it.
      if (PRIVATE_JWK_MEMBERS.some((m) => base.publicJwk[m] !== undefined))
        throw refuse("its 'publicJwk' holds a private key.")
      await importJWK(base.publicJwk as JWK, base.alg).catch(() => {
        throw refuse("its 'publicJwk' is not a usable public key.")
      })
      if (base.privateJwk !== undefined) {
        await importJWK(base.privateJwk as JWK, base.alg).catch(() => {
          throw refuse("its 'privateJwk' is not a usable private key.")
        })
        if (
          base.privateJwk['n'] !== base.publicJwk['n'] ||
          base.privateJwk['x'] !== base.publicJwk['x']
        ) {
          throw refuse("its 'privateJwk' is not the private half of its 'publicJwk'.")
        }
      }
    })
    // Without its private half a key can only verify: it is kept retired, and the server makes a
    // new signing key at its first start.
    const retireTime =
      base.retireTime ??
      (base.privateJwk === undefined ? new Date(options.now).toISOString() : undefined)
    signingKeys.push({
      kid: base.kid,
      alg: base.alg,
      privateJwk: base.privateJwk ?? {},
      publicJwk: base.publicJwk,
      createTime: base.createTime,
      ...(base.activateTime === undefined ? {} : { activateTime: base.activateTime }),
      ...(retireTime === undefined ? {} : { retireTime }),
      ...(base.dropTime === undefined ? {} : { dropTime: base.dropTime }),
    })
  }

  return {
    organization,
    projects,
    customRoles,
    resources,
    serviceAccounts,
    serviceAccountKeys,
    groups,
    memberships,
    policies,
    orgPolicies,
    signingKeys,
  }
}

/**
 * The custom roles a policy of the file may bind (as customRolesForPolicy, over the file): a
 * deleted role may keep the members the policy binds to it, since that policy is the stored one.
 */
function customRolesFor(
  resource: string,
  bindings: unknown,
  roles: ReadonlyMap<string, CustomRoleRecord>,
  orgId: string | undefined,
  now: number,
): Map<string, CustomRoleForPolicy> {
  const out = new Map<string, CustomRoleForPolicy>()
  if (!Array.isArray(bindings)) return out
  for (const b of bindings) {
    const name = isObj(b) ? b['role'] : undefined
    if (typeof name !== 'string' || !isCustomRoleName(name) || out.has(name)) continue
    const parsed = parseCustomRoleName(name)
    const role = roles.get(name)
    if (parsed === undefined || role === undefined || !inHierarchy(parsed, resource, orgId))
      continue
    const state = customRoleState(role, now)
    if (state === 'free') continue
    if (state === 'live') {
      out.set(name, { includedPermissions: role.includedPermissions, deleted: false })
      continue
    }
    const bound = new Set<string>()
    for (const x of bindings) {
      if (isObj(x) && x['role'] === name && Array.isArray(x['members'])) {
        for (const m of x['members']) if (typeof m === 'string') bound.add(normalizeMember(m))
      }
    }
    out.set(name, {
      includedPermissions: role.includedPermissions,
      deleted: true,
      boundMembers: bound,
    })
  }
  return out
}

/** What a non-empty store holds, named for the refusal; undefined when it is empty. */
async function contents(tx: StoreTx): Promise<string | undefined> {
  const found: string[] = []
  const org = await tx.getOrganization()
  if (org !== undefined) found.push(`organizations/${org.id}`)
  const projects = await tx.listProjects({ pageSize: 3 })
  if (projects.items.length > 0) {
    const more = projects.nextPageToken === undefined ? '' : ', …'
    found.push(`projects ${projects.items.map((p) => p.projectId).join(', ')}${more}`)
  }
  const keys = await tx.listSigningKeys()
  if (keys.length > 0) found.push(`${keys.length} signing key${keys.length === 1 ? '' : 's'}`)
  for (const kind of ['service', 'job', 'workerPool'] as const) {
    const first = (await tx.listAllResources(kind))[0]
    if (first !== undefined) found.push(first.name)
  }
  return found.length === 0 ? undefined : found.join('; ')
}

/** Validates `raw` (a parsed export file) and writes it into the empty `store` in one transaction. */
export async function importStore(
  store: Store,
  raw: unknown,
  options: ImportOptions,
): Promise<ImportSummary> {
  return writeImport(store, await parseExport(raw, options))
}

/** Writes what parseExport checked into the empty `store`, in one transaction. */
export async function writeImport(store: Store, parsed: Parsed): Promise<ImportSummary> {
  await store.transact(async (tx) => {
    const there = await contents(tx)
    if (there !== undefined) {
      throw new IamError(
        Code.FAILED_PRECONDITION,
        'IMPORT_STORE_NOT_EMPTY',
        `The store is not empty (${there}): import only into a new data folder or a new database. runiam import never merges or overwrites.`,
      )
    }
    if (parsed.organization !== undefined) {
      const org = parsed.organization
      await aboutAsync('organization', () => tx.createOrganization(org))
    }
    for (const [i, p] of parsed.projects.entries())
      await aboutAsync(`projects[${i}] (${p.projectId})`, () => tx.createProject(p))
    for (const [i, r] of parsed.customRoles.entries())
      await aboutAsync(`customRoles[${i}] (${r.name})`, () => tx.createCustomRole(r))
    for (const [i, r] of parsed.resources.entries())
      await aboutAsync(`resources[${i}] (${r.name})`, () => tx.createResource(r))
    for (const [i, sa] of parsed.serviceAccounts.entries())
      await aboutAsync(`serviceAccounts[${i}] (${sa.email})`, () => tx.createServiceAccount(sa))
    for (const [i, k] of parsed.serviceAccountKeys.entries())
      await aboutAsync(`serviceAccountKeys[${i}] (${k.keyId})`, () => tx.createServiceAccountKey(k))
    for (const [i, g] of parsed.groups.entries())
      await aboutAsync(`groups[${i}] (${g.email})`, () => tx.createGroup(g))
    for (const [i, m] of parsed.memberships.entries())
      await aboutAsync(`memberships[${i}]`, () => tx.createMembership(m))
    for (const { record, label } of parsed.policies) {
      await aboutAsync(label, () =>
        tx.putPolicy(record.resource, record.policy, { updateTime: record.updateTime }),
      )
    }
    for (const [i, p] of parsed.orgPolicies.entries())
      await aboutAsync(`orgPolicies[${i}] (${p.name})`, () => tx.createOrgPolicy(p))
    for (const k of parsed.signingKeys) await tx.putSigningKey(k)
  })
  return {
    organization: parsed.organization === undefined ? 0 : 1,
    projects: parsed.projects.length,
    customRoles: parsed.customRoles.length,
    resources: parsed.resources.length,
    serviceAccounts: parsed.serviceAccounts.length,
    serviceAccountKeys: parsed.serviceAccountKeys.length,
    groups: parsed.groups.length,
    memberships: parsed.memberships.length,
    policies: parsed.policies.length,
    orgPolicies: parsed.orgPolicies.length,
    signingKeys: parsed.signingKeys.length,
  }
}
