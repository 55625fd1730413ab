// Cloud Identity groups as data: their names, Google's JSON shapes (Group, Membership, the
// Operation writes answer with), the checks on what a request may say and the errors Cloud
// Identity answers with.
import type { CloudIdentityOperation, Group, Membership, MembershipRole } from '@runiam/api'
import { asciiLower, Code, IamError } from '@runiam/core'
import type { GroupMemberType, GroupRecord, MembershipRecord } from '@runiam/store'
import { isObject } from '../context.js'
import { invalidArgument, parsePageSize } from '../names.js'
import './cloud-identity-reasons.js'

export const LABEL_DISCUSSION = 'cloudidentity.googleapis.com/groups.discussion_forum'
export const LABEL_SECURITY = 'cloudidentity.googleapis.com/groups.security'
export const LABEL_LOCKED = 'cloudidentity.googleapis.com/groups.locked'
const LABEL_DYNAMIC = 'cloudidentity.googleapis.com/groups.dynamic'
const LABEL_EXTERNAL = 'system/groups/external'

const TYPE_PREFIX = 'type.googleapis.com/google.apps.cloudidentity.groups.v1'

/** Compat: Cloud Identity's limit on Group.description. */
export const MAX_DESCRIPTION = 4096
/** runiam's limit on Group.displayName (Google documents none). */
export const MAX_DISPLAY_NAME = 1024

/** The level of detail of a list (groups.list, memberships.list). */
export type View = 'BASIC' | 'FULL'

/** The organization's Cloud Identity customer id, as organizations.get reports it. */
export const customerIdOf = (orgId: string): string => `C${orgId}`

// Compat: Cloud Identity answers a group or membership it cannot show (missing, or not the
// caller's to see) with 403 and this text, and a google.rpc.ResourceInfo naming it.
export function groupDenied(resource: string, type = 'Group'): IamError {
  const message = `Error(2028): Permission denied for resource ${resource} (or it may not exist).`
  return new IamError(Code.PERMISSION_DENIED, 'GROUP_NOT_FOUND', message, {
    metadata: { resource },
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ResourceInfo',
        resourceType: `cloudidentity.googleapis.com/${type}`,
        resourceName: resource,
        owner: 'domain:cloudidentity.googleapis.com',
        description: message,
      },
    ],
  })
}

// Compat: Cloud Identity's 409 for a taken group email or a member the group already has.
export function entityExists(resource: string): IamError {
  return new IamError(
    Code.ALREADY_EXISTS,
    'GROUP_ALREADY_EXISTS',
    'Error(4003): Entity already exists.',
    {
      metadata: { resource },
    },
  )
}

// Compat: Cloud Identity's 400 for `groups/{x}` where x is not a group id (an email, say).
function invalidGroupName(field: string, kind: 'Group' | 'Membership'): IamError {
  const form =
    kind === 'Group' ? 'groups/{group_id}' : 'groups/{group_id}/memberships/{membership_id}'
  const message = `Error(2033): ${kind} resource name has the correct format of \`${form}\`, but it contains an invalid \`{${kind === 'Group' ? 'group_id' : 'membership_id'}}\`.`
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_GROUP_NAME', message, {
    metadata: { field },
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field, description: message }],
      },
    ],
  })
}

const ID_RE = /^[0-9a-z]{1,64}$/

/** The `{id}` of `groups/{id}`. */
export function parseGroupName(name: string, field = 'name'): string {
  const parts = name.split('/')
  if (parts.length !== 2 || parts[0] !== 'groups') {
    throw invalidArgument(field, `Invalid resource name '${name}': expected groups/{group_id}.`)
  }
  const id = parts[1] ?? ''
  if (!ID_RE.test(id)) throw invalidGroupName(field, 'Group')
  return id
}

/** The group id and membership id of `groups/{g}/memberships/{m}`. */
export function parseMembershipName(name: string): { groupId: string; id: string } {
  const parts = name.split('/')
  if (parts.length !== 4 || parts[0] !== 'groups' || parts[2] !== 'memberships') {
    throw invalidArgument(
      'name',
      `Invalid resource name '${name}': expected groups/{group_id}/memberships/{membership_id}.`,
    )
  }
  const groupId = parts[1] ?? ''
  const id = parts[3] ?? ''
  if (!ID_RE.test(groupId)) throw invalidGroupName('name', 'Group')
  if (!ID_RE.test(id)) throw invalidGroupName('name', 'Membership')
  return { groupId, id }
}

const EMAIL_RE =
  /^[a-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/

/** An EntityKey's email, lower-cased (ASCII only); INVALID_ARGUMENT naming the field otherwise. */
export function parseEntityKey(raw: unknown, field: string): string {
  if (raw === undefined || raw === null) throw invalidArgument(field, `Field ${field} is required.`)
  if (!isObject(raw)) {
    throw invalidArgument(field, `Invalid value at '${field}': ${JSON.stringify(raw)}.`)
  }
  const namespace = raw['namespace']
  if (namespace !== undefined && namespace !== null && namespace !== '') {
    throw invalidArgument(
      `${field}.namespace`,
      `Invalid ${field}.namespace ${JSON.stringify(namespace)}: runiam has no external identity sources; leave the namespace out.`,
    )
  }
  return parseEmail(raw['id'], `${field}.id`)
}

/** An email address, lower-cased (ASCII only). */
export function parseEmail(raw: unknown, field: string): string {
  if (raw === undefined || raw === null || raw === '') {
    throw invalidArgument(field, `Field ${field} is required.`)
  }
  const email = typeof raw === 'string' ? asciiLower(raw.trim()) : ''
  if (typeof raw !== 'string' || email.length > 254 || !EMAIL_RE.test(email)) {
    throw invalidArgument(
      field,
      `Invalid ${field} ${JSON.stringify(raw)}: it must be an email address (user@example.com).`,
    )
  }
  return email
}

/** Membership.type of a member that is not a group. */
export function memberTypeOf(email: string): GroupMemberType {
  return email.endsWith('.gserviceaccount.com') ? 'SERVICE_ACCOUNT' : 'USER'
}

/** An optional string field of at most `max` characters ('' when absent). */
export function stringField(body: Record<string, unknown>, key: string, max: number): string {
  const v = body[key]
  if (v === undefined || v === null) return ''
  if (typeof v !== 'string') {
    throw invalidArgument(key, `Invalid value at '${key}' (TYPE_STRING), ${JSON.stringify(v)}`)
  }
  if (v.length > max) {
    throw invalidArgument(key, `Invalid ${key}: it must be at most ${max} characters long.`)
  }
  return v
}

/**
 * Group.labels. Compat: labels are keys with empty values; a Google group has the discussion
 * forum label, a security group the security label too (which can never be removed); a group can
 * be locked. Dynamic and identity-mapped groups are refused: runiam has neither.
 */
export function parseLabels(
  raw: unknown,
  previous?: Readonly<Record<string, string>>,
): Record<string, string> {
  if (raw === undefined || raw === null || (isObject(raw) && Object.keys(raw).length === 0)) {
    throw invalidArgument(
      'labels',
      `Field labels is required: give at least {"${LABEL_DISCUSSION}": ""}.`,
    )
  }
  if (!isObject(raw)) {
    throw invalidArgument('labels', `Invalid value at 'labels': ${JSON.stringify(raw)}.`)
  }
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (key === LABEL_DYNAMIC || key === LABEL_EXTERNAL) {
      throw invalidArgument(
        'labels',
        `Invalid label '${key}': runiam has no dynamic or identity-mapped groups.`,
      )
    }
    if (key !== LABEL_DISCUSSION && key !== LABEL_SECURITY && key !== LABEL_LOCKED) {
      throw invalidArgument(
        'labels',
        `Invalid label '${key}': the labels of a group are ${LABEL_DISCUSSION}, ${LABEL_SECURITY} and ${LABEL_LOCKED}.`,
      )
    }
    if (value !== '') {
      throw invalidArgument('labels', `Invalid value for label '${key}': labels have empty values.`)
    }
    out[key] = ''
  }
  if (out[LABEL_DISCUSSION] === undefined) {
    throw invalidArgument(
      'labels',
      `Invalid labels: a group needs the label ${LABEL_DISCUSSION} (a security group has both it and ${LABEL_SECURITY}).`,
    )
  }
  if (previous?.[LABEL_SECURITY] !== undefined && out[LABEL_SECURITY] === undefined) {
    throw invalidArgument(
      'labels',
      `Invalid labels: the label ${LABEL_SECURITY} cannot be removed once a group has it.`,
    )
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)))
}

const ROLE_ORDER = ['OWNER', 'MANAGER', 'MEMBER'] as const

/**
 * Membership.roles as names. Compat: absent means MEMBER; OWNER and MANAGER memberships are
 * members too (MEMBER is added); duplicates are refused. Expiry is not supported by runiam.
 */
export function parseRoles(raw: unknown): string[] {
  if (raw === undefined || raw === null) return ['MEMBER']
  if (!Array.isArray(raw)) {
    throw invalidArgument('roles', `Invalid value at 'roles': ${JSON.stringify(raw)}.`)
  }
  const names = new Set<string>()
  for (const r of raw) {
    const name = isObject(r) ? r['name'] : undefined
    if (typeof name !== 'string' || !(ROLE_ORDER as readonly string[]).includes(name)) {
      throw invalidArgument(
        'roles',
        `Invalid membership role ${JSON.stringify(isObject(r) ? r['name'] : r)}: it must be one of OWNER, MANAGER, MEMBER.`,
      )
    }
    if (isObject(r) && r['expiryDetail'] !== undefined && r['expiryDetail'] !== null) {
      throw invalidArgument(
        'roles.expiryDetail',
        'Invalid roles.expiryDetail: runiam memberships do not expire; leave it out.',
      )
    }
    if (names.has(name)) {
      throw invalidArgument(
        'roles',
        `Invalid roles: the membership role ${name} is given twice (MembershipRoles must not repeat a name).`,
      )
    }
    names.add(name)
  }
  names.add('MEMBER')
  return ROLE_ORDER.filter((r) => names.has(r))
}

/** A list request's view: BASIC unless FULL is asked for. */
export function parseView(raw: string | undefined): View {
  if (raw === undefined || raw === '' || raw === 'VIEW_UNSPECIFIED' || raw === 'BASIC') {
    return 'BASIC'
  }
  if (raw === 'FULL') return 'FULL'
  throw invalidArgument(
    'view',
    `Invalid value at 'view' (type.googleapis.com/google.apps.cloudidentity.groups.v1.View), "${raw}"`,
  )
}

/** Compat: a list's page size defaults to 200 (BASIC) or 50 (FULL), at most 1000 or 500. */
export function listPageSize(raw: string | undefined, view: View): number {
  const size = parsePageSize(raw)
  const [def, max] = view === 'BASIC' ? [200, 1000] : [50, 500]
  return size === 0 ? def : Math.min(size, max)
}

/** google.apps.cloudidentity.groups.v1.Group JSON; BASIC leaves out description and times. */
export function renderGroup(g: GroupRecord, view: View = 'FULL'): Group {
  return {
    name: `groups/${g.id}`,
    groupKey: { id: g.email },
    parent: g.parent,
    ...(g.displayName === '' ? {} : { displayName: g.displayName }),
    ...(view === 'FULL' && g.description !== '' ? { description: g.description } : {}),
    ...(view === 'FULL' ? { createTime: g.createTime, updateTime: g.updateTime } : {}),
    labels: { ...g.labels },
  }
}

/** google.apps.cloudidentity.groups.v1.Membership JSON; BASIC leaves out type and times. */
export function renderMembership(m: MembershipRecord, view: View = 'FULL'): Membership {
  return {
    name: `groups/${m.groupId}/memberships/${m.id}`,
    preferredMemberKey: { id: m.memberKey },
    roles: m.roles.map((name) => ({ name }) as MembershipRole),
    ...(view === 'FULL'
      ? { type: m.type, createTime: m.createTime, updateTime: m.updateTime }
      : {}),
  }
}

/** Compat: Cloud Identity's writes answer with a finished Operation (it has no operations API). */
export function operationOf(
  type: 'Group' | 'Membership' | 'Empty',
  body: object = {},
): CloudIdentityOperation {
  const at =
    type === 'Empty' ? 'type.googleapis.com/google.protobuf.Empty' : `${TYPE_PREFIX}.${type}`
  return { done: true, response: { '@type': at, ...body } }
}
