// Reads and checks a troubleshooting request's accessTuple (v1, v2alpha1 and v3 share it) into
// what troubleshoot() needs. Every refusal is INVALID_ARGUMENT naming the offending value and its
// field. Sizes are capped before anything is parsed (a huge body is refused, not processed).
// Compat: policytroubleshooter AccessTuple: principal (an email: Google Account or service
// account), fullResourceName, permission (v1 `run.routes.invoke` or v2
// `run.googleapis.com/routes.invoke`), conditionContext.request.receiveTime (RFC 3339).
import {
  parseFullResourceName,
  type ParsedFullResourceName,
} from '../analyzer/full-resource-name.js'
import { MAX_ATTRIBUTE_LENGTH } from '../conditions/limits.js'
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { badRequestDetail } from '../errors/reasons.js'
import { memberForEmail } from '../members/email-member.js'
import { isKnownPermission } from '../roles/catalog.js'
import type { AccessTuple, TroubleshootAttributes } from './types.js'

/** Longest principal email, permission and full resource name accepted. */
export const MAX_PRINCIPAL_LENGTH = 320
export const MAX_PERMISSION_LENGTH = 256
export const MAX_RESOURCE_NAME_LENGTH = 1024

export interface ReadAccessTuple {
  /** The tuple echoed back, with permissionFqdn. */
  readonly accessTuple: AccessTuple
  /** `user:EMAIL` or `serviceAccount:EMAIL`. */
  readonly member: string
  /** The permission in v1 form. */
  readonly permission: string
  readonly resource: ParsedFullResourceName
  readonly attributes: TroubleshootAttributes
}

export function invalidTuple(field: string, message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_ACCESS_TUPLE', message, {
    metadata: { field },
    details: [badRequestDetail([{ field, description: message }])],
  })
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

function text(
  o: Record<string, unknown>,
  key: string,
  field: string,
  max: number,
): string | undefined {
  const v = o[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw invalidTuple(field, `${field} must be a string.`)
  if (v.length > max) throw invalidTuple(field, `${field} is longer than ${max} characters.`)
  return v
}

function required(o: Record<string, unknown>, key: string, field: string, max: number): string {
  const v = text(o, key, field, max)
  if (v === undefined || v === '') throw invalidTuple(field, `${field} is required.`)
  return v
}

function onlyKeys(o: Record<string, unknown>, field: string, keys: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw invalidTuple(`${field}.${k}`, `Unknown field ${field}.${k}.`)
  }
}

/** `run.googleapis.com/routes.invoke` → `run.routes.invoke`; v1 names are returned as given. */
export function v1Permission(permission: string): string {
  const m = /^([a-z][a-z0-9-]*)\.googleapis\.com\/(.+)$/.exec(permission)
  return m === null ? permission : `${m[1]}.${m[2]}`
}

/** `run.routes.invoke` → `run.googleapis.com/routes.invoke` (v3's permissionFqdn). */
export function permissionFqdn(permission: string): string {
  const dot = permission.indexOf('.')
  return `${permission.slice(0, dot)}.googleapis.com/${permission.slice(dot + 1)}`
}

/** Reads `body.accessTuple` (v1, v2alpha1 and v3 alike). */
export function readAccessTuple(body: unknown): ReadAccessTuple {
  if (!isObject(body)) throw invalidTuple('accessTuple', 'The request body must be a JSON object.')
  onlyKeys(body, '', ['accessTuple'])
  const t = body['accessTuple']
  if (!isObject(t)) throw invalidTuple('accessTuple', 'accessTuple is required.')
  onlyKeys(t, 'accessTuple', [
    'principal',
    'fullResourceName',
    'permission',
    'conditionContext',
    'permissionFqdn',
  ])
  const principal = required(t, 'principal', 'accessTuple.principal', MAX_PRINCIPAL_LENGTH)
  const member = memberForEmail(principal)
  if (member === undefined) {
    throw invalidTuple(
      'accessTuple.principal',
      `accessTuple.principal must be the email of a user or service account, not "${principal}".`,
    )
  }
  const full = required(
    t,
    'fullResourceName',
    'accessTuple.fullResourceName',
    MAX_RESOURCE_NAME_LENGTH,
  )
  const resource = parseFullResourceName(full)
  if (resource === undefined) {
    throw invalidTuple(
      'accessTuple.fullResourceName',
      `"${full}" is not a full resource name runiam knows: expected //run.googleapis.com/projects/P/locations/L/{services|jobs|workerPools}/N, //cloudresourcemanager.googleapis.com/projects/P or //cloudresourcemanager.googleapis.com/organizations/O.`,
    )
  }
  const asked = required(t, 'permission', 'accessTuple.permission', MAX_PERMISSION_LENGTH)
  const permission = v1Permission(asked)
  if (!isKnownPermission(permission)) {
    throw invalidTuple('accessTuple.permission', `"${asked}" is not a permission any role holds.`)
  }
  const attributes = readConditionContext(t['conditionContext'])
  const accessTuple: AccessTuple = {
    principal,
    fullResourceName: full,
    permission: asked,
    permissionFqdn: permissionFqdn(permission),
    ...(isObject(t['conditionContext']) ? { conditionContext: t['conditionContext'] } : {}),
  }
  return { accessTuple, member, permission, resource, attributes }
}

/**
 * conditionContext: Google's `request.receiveTime`, plus runiam's `request.host` and
 * `request.path` (Google's AttributeContext.Request field names; Google's troubleshooter has no
 * host or path, see docs/api-compat.md). `resource` and `destination` are accepted and unused:
 * Cloud Run conditions read only request.*.
 */
function readConditionContext(c: unknown): TroubleshootAttributes {
  if (c === undefined || c === null) return {}
  if (!isObject(c))
    throw invalidTuple('accessTuple.conditionContext', 'conditionContext must be an object.')
  onlyKeys(c, 'accessTuple.conditionContext', [
    'resource',
    'destination',
    'request',
    'effectiveTags',
  ])
  const r = c['request']
  if (r === undefined || r === null) return {}
  const field = 'accessTuple.conditionContext.request'
  if (!isObject(r)) throw invalidTuple(field, `${field} must be an object.`)
  onlyKeys(r, field, ['receiveTime', 'host', 'path'])
  const time = text(r, 'receiveTime', `${field}.receiveTime`, 64)
  const host = text(r, 'host', `${field}.host`, MAX_ATTRIBUTE_LENGTH)
  const path = text(r, 'path', `${field}.path`, MAX_ATTRIBUTE_LENGTH)
  let timeMs: number | undefined
  if (time !== undefined) {
    timeMs = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(time)
      ? Date.parse(time)
      : Number.NaN
    if (!Number.isFinite(timeMs)) {
      throw invalidTuple(`${field}.receiveTime`, `"${time}" is not an RFC 3339 timestamp.`)
    }
  }
  return {
    ...(timeMs === undefined ? {} : { timeMs }),
    ...(host === undefined ? {} : { host }),
    ...(path === undefined ? {} : { path }),
  }
}
