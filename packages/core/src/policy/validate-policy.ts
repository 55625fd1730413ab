// validatePolicy: turns an untrusted JSON value into a Policy, enforcing every write-time rule of
// SPEC §5 with Google's status and messages. It collects what it can and throws one IamError whose
// message is the first violation's and whose google.rpc.BadRequest detail lists them all.
import type { Code } from '../errors/code.js'
import { IamError, isIamError } from '../errors/iam-error.js'
import { REASONS, badRequestDetail, formatCount, type CoreReason } from '../errors/reasons.js'
import { isPublicMember } from '../members/classify.js'
import { normalizeMember, parseMember } from '../members/member.js'
import { customRoleGrantableOn, getRole, isBasicRole, isGrantableOn } from '../roles/catalog.js'
import { isCustomRoleName } from '../roles/custom-role.js'
import { conditionKey } from './canonicalize-policy.js'
import { isWithcondRole } from './compute-etag.js'
import type {
  AuditConfig,
  AuditLogConfig,
  Binding,
  Expr,
  LogType,
  Policy,
  ResourceType,
} from './types.js'

export interface ValidatePolicyContext {
  readonly resourceType: ResourceType
  /**
   * Compiles a condition (CEL) and throws an IamError if it is not acceptable (syntax, unknown
   * attributes, more than 12 logical operators…). Called for every condition that has an
   * expression. Supplied by the server from '@runiam/core/conditions'.
   */
  readonly checkCondition?: (expr: Expr) => void
  /** The field path of the policy in the request, for messages. Default "policy". */
  readonly field?: string
  /**
   * The custom roles this policy may bind, by name: those its bindings name that exist in the
   * resource's hierarchy (its project's and its organization's). A custom role name not in the map
   * does not exist there. Supplied by the server; without it no custom role may be bound.
   */
  readonly customRoles?: ReadonlyMap<string, CustomRoleForPolicy>
}

/** What validatePolicy needs to know of a custom role. */
export interface CustomRoleForPolicy {
  readonly includedPermissions: readonly string[]
  /** Deleted (or purged): no principal may be newly bound to it. */
  readonly deleted: boolean
  /** For a deleted role: the members (normalised) the stored policy already binds to it. */
  readonly boundMembers?: ReadonlySet<string>
}

// Compat: IAM limits (cloud.google.com/iam/quotas).
export const MAX_MEMBERS = 1500
export const MAX_GROUPS_AND_DOMAINS = 250
export const MAX_CONDITIONAL_BINDINGS_PER_ROLE_MEMBER = 20
/**
 * Characters of distinct condition expressions in one policy. Compat: Google publishes no number
 * but limits a whole policy to "a few 10s of KB" (SetIamPolicyRequest.policy); compiling costs
 * about 3 µs per character, so this bounds a write's compile work (about 0.2 s at the cap, done
 * in slices by the server) and the compiled-condition cache a policy can fill.
 */
export const MAX_CONDITION_TEXT_PER_POLICY = 65_536
/** Violations listed in one error; beyond this the detail would only grow the response. */
const MAX_VIOLATIONS = 100

const VERSIONS_URL =
  'For more information, please refer to https://cloud.google.com/iam/docs/policies#versions'

export const LOG_TYPES: readonly LogType[] = [
  'LOG_TYPE_UNSPECIFIED',
  'ADMIN_READ',
  'DATA_WRITE',
  'DATA_READ',
]

interface Violation {
  readonly field: string
  readonly description: string
  readonly reason: string
  readonly code: Code
}

type Json = Record<string, unknown>

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function show(value: unknown): string {
  let s: string
  try {
    s = JSON.stringify(value) ?? String(value)
  } catch {
    s = String(value)
  }
  return s.length > 100 ? `${s.slice(0, 97)}...` : s
}

const BASE64_RE =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]{3})?$/
const BASE64URL_RE = /^[A-Za-z0-9_-]*={0,2}$/

/** Whether an etag is valid proto3-JSON bytes (standard or URL-safe base64). */
export function isValidEtag(etag: string): boolean {
  return BASE64_RE.test(etag) || BASE64URL_RE.test(etag)
}

class Collector {
  readonly violations: Violation[] = []

  add(reason: CoreReason, field: string, description: string): void {
    this.violations.push({ field, description, reason, code: REASONS[reason].code })
  }

  addError(field: string, e: IamError): void {
    this.violations.push({ field, description: e.message, reason: e.reason, code: e.code })
  }

  /** Google's message for a JSON value of the wrong type. */
  type(field: string, protoType: string, value: unknown): void {
    this.add('INVALID_FIELD', field, `Invalid value at '${field}' (${protoType}), ${show(value)}`)
  }

  /** Google's message for an unknown JSON key. */
  unknown(field: string, name: string): void {
    this.add(
      'INVALID_FIELD',
      field,
      `Invalid JSON payload received. Unknown name "${name}" at '${field}': Cannot find field.`,
    )
  }
}

/**
 * Reads the keys of a JSON object, mapping proto field names (snake_case, which proto3 JSON
 * parsers accept) to their JSON names, and reporting unknown keys. null counts as absent.
 */
function readObject(
  c: Collector,
  obj: Json,
  field: string,
  known: Readonly<Record<string, string>>,
): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [key, value] of Object.entries(obj)) {
    const name = known[key]
    if (name === undefined) {
      c.unknown(field, key)
      continue
    }
    if (value !== null && value !== undefined) out.set(name, value)
  }
  return out
}

const POLICY_KEYS = {
  version: 'version',
  bindings: 'bindings',
  auditConfigs: 'auditConfigs',
  audit_configs: 'auditConfigs',
  etag: 'etag',
}
const BINDING_KEYS = { role: 'role', members: 'members', condition: 'condition' }
const EXPR_KEYS = {
  expression: 'expression',
  title: 'title',
  description: 'description',
  location: 'location',
}
const AUDIT_CONFIG_KEYS = {
  service: 'service',
  auditLogConfigs: 'auditLogConfigs',
  audit_log_configs: 'auditLogConfigs',
}
const AUDIT_LOG_CONFIG_KEYS = {
  logType: 'logType',
  log_type: 'logType',
  exemptedMembers: 'exemptedMembers',
  exempted_members: 'exemptedMembers',
}

function readString(c: Collector, m: Map<string, unknown>, key: string, field: string) {
  const v = m.get(key)
  if (v === undefined) return undefined
  if (typeof v !== 'string') {
    c.type(`${field}.${key}`, 'TYPE_STRING', v)
    return undefined
  }
  return v
}

function readStringList(c: Collector, v: unknown, field: string): string[] | undefined {
  if (!Array.isArray(v)) {
    c.type(field, 'TYPE_STRING', v)
    return undefined
  }
  const out: string[] = []
  let ok = true
  v.forEach((x: unknown, i) => {
    if (typeof x === 'string') out.push(x)
    else {
      c.type(`${field}[${i}]`, 'TYPE_STRING', x)
      ok = false
    }
  })
  return ok ? out : undefined
}

/** proto3 JSON int32: a number or a decimal string. */
function readInt(c: Collector, v: unknown, field: string): number | undefined {
  const n = typeof v === 'string' && /^-?[0-9]+$/.test(v) ? Number(v) : v
  if (typeof n !== 'number' || !Number.isInteger(n) || Math.abs(n) > 0x7fffffff) {
    c.type(field, 'TYPE_INT32', v)
    return undefined
  }
  return n
}

function readExpr(c: Collector, v: unknown, field: string): Expr | undefined {
  if (!isObject(v)) {
    c.type(field, 'type.googleapis.com/google.type.Expr', v)
    return undefined
  }
  const m = readObject(c, v, field, EXPR_KEYS)
  const expression = readString(c, m, 'expression', field)
  const title = readString(c, m, 'title', field)
  const description = readString(c, m, 'description', field)
  const location = readString(c, m, 'location', field)
  const out: Expr = { expression: expression ?? '' }
  if (title !== undefined) out.title = title
  if (description !== undefined) out.description = description
  if (location !== undefined) out.location = location
  return out
}

interface Counters {
  appearances: number
  groups: Set<string>
  domainAppearances: number
  /** role + member → distinct condition keys */
  conditional: Map<string, Set<string>>
}

function checkMember(c: Collector, member: string, field: string): boolean {
  try {
    parseMember(member)
    return true
  } catch (e) {
    if (!isIamError(e)) throw e
    c.addError(field, e)
    return false
  }
}

function checkRole(
  c: Collector,
  role: string,
  field: string,
  ctx: ValidatePolicyContext,
  members: readonly string[],
): void {
  const resourceType = ctx.resourceType
  if (isCustomRoleName(role)) {
    checkCustomRole(c, role, field, ctx, members)
  } else if (isWithcondRole(role)) {
    c.add(
      'WITHCOND_ROLE',
      field,
      `Role ${role} is the version 1 rendering of a conditional role binding and cannot be set. ` +
        `Read the policy with requestedPolicyVersion 3 and write it back with version 3. ${VERSIONS_URL}`,
    )
  } else if (getRole(role) === undefined) {
    c.add('ROLE_NOT_FOUND', field, `Role (${role}) does not exist in the resource's hierarchy.`)
  } else if (!isGrantableOn(role, resourceType)) {
    c.add('ROLE_NOT_SUPPORTED', field, `Role ${role} is not supported for this resource.`)
  }
}

// Compat: IAM custom roles: usable in the policies of the project (and what is in it) or the
// organization that defines them; a deleted one can no longer be bound, though the bindings it
// already had stay (granting nothing) until it is purged.
function checkCustomRole(
  c: Collector,
  role: string,
  field: string,
  ctx: ValidatePolicyContext,
  members: readonly string[],
): void {
  const custom = ctx.customRoles?.get(role)
  const missing = `Role (${role}) does not exist in the resource's hierarchy.`
  if (custom === undefined) {
    c.add('ROLE_NOT_FOUND', field, missing)
  } else if (custom.deleted) {
    const added = members.find((m) => custom.boundMembers?.has(normalizeMember(m)) !== true)
    if (added !== undefined) {
      c.add(
        'ROLE_NOT_FOUND',
        field,
        `${missing} It is deleted: ${added} cannot be bound to it (undelete the role first).`,
      )
    }
  } else if (!customRoleGrantableOn(custom.includedPermissions, ctx.resourceType)) {
    c.add('ROLE_NOT_SUPPORTED', field, `Role ${role} is not supported for this resource.`)
  }
}

function checkPublicMember(
  c: Collector,
  member: string,
  field: string,
  resourceType: ResourceType,
): void {
  if (resourceType === 'project' || resourceType === 'organization') {
    // Compat: IAM answers only "Request contains an invalid argument." here; we name the member.
    c.add(
      'PUBLIC_MEMBER_NOT_ALLOWED',
      field,
      `Request contains an invalid argument. Member ${member} cannot be granted on ` +
        `${resourceType === 'project' ? 'a project' : 'an organization'}: allUsers and ` +
        'allAuthenticatedUsers are not allowed in project or organization policies.',
    )
  } else if (resourceType === 'job') {
    // Compat: Cloud Run's answer for allUsers on a job (terraform-provider-google#13592).
    c.add(
      'MEMBER_TYPE_RESTRICTED',
      field,
      `Member ${member} is invalid due to membership type restrictions on the resource.`,
    )
  }
}

function validateBinding(
  c: Collector,
  raw: unknown,
  field: string,
  ctx: ValidatePolicyContext,
  counters: Counters,
): Binding | undefined {
  if (!isObject(raw)) {
    c.type(field, 'type.googleapis.com/google.iam.v1.Binding', raw)
    return undefined
  }
  const m = readObject(c, raw, field, BINDING_KEYS)
  const role = readString(c, m, 'role', field)
  const membersRaw = m.get('members')
  const members = membersRaw === undefined ? [] : readStringList(c, membersRaw, `${field}.members`)
  const condition =
    m.get('condition') === undefined
      ? undefined
      : readExpr(c, m.get('condition'), `${field}.condition`)
  if (role === undefined || members === undefined) return undefined

  if (role === '') c.add('EMPTY_BINDING', `${field}.role`, `The binding at '${field}' has no role.`)
  else checkRole(c, role, `${field}.role`, ctx, members)
  if (members.length === 0) {
    c.add(
      'EMPTY_BINDING',
      `${field}.members`,
      `The binding for role ${role || '(none)'} at '${field}' has no members; every binding must contain at least one member.`,
    )
  }

  let publicMember: string | undefined
  members.forEach((member, i) => {
    const mf = `${field}.members[${i}]`
    if (!checkMember(c, member, mf)) return
    counters.appearances++
    if (isPublicMember(member)) {
      publicMember ??= member
      checkPublicMember(c, member, mf, ctx.resourceType)
    } else if (member.startsWith('group:')) counters.groups.add(normalizeMember(member))
    else if (member.startsWith('domain:')) counters.domainAppearances++
  })

  const binding: Binding = { role, members }
  if (m.has('condition') && condition === undefined) return undefined
  if (condition !== undefined) {
    binding.condition = condition
    const cf = `${field}.condition`
    let complete = true
    if (condition.title === undefined || condition.title === '') {
      complete = false
      c.add(
        'CONDITION_INCOMPLETE',
        `${cf}.title`,
        `The condition of the binding for role ${role} must have a title.`,
      )
    }
    if (condition.expression === '') {
      complete = false
      c.add(
        'CONDITION_INCOMPLETE',
        `${cf}.expression`,
        `The condition of the binding for role ${role} must have an expression.`,
      )
    }
    if (isBasicRole(role)) {
      // Compat: gcloud's wording for the rule IAM enforces server-side.
      c.add(
        'CONDITION_ON_BASIC_ROLE',
        cf,
        'Binding with a condition and a basic role is not allowed. Basic roles are ' +
          '`roles/editor`, `roles/owner`, and `roles/viewer`.',
      )
    }
    if (publicMember !== undefined) {
      c.add(
        'CONDITION_ON_PUBLIC_MEMBER',
        cf,
        `Binding with a condition and the member ${publicMember} is not allowed. Conditions ` +
          'cannot be used when granting a role to allUsers or allAuthenticatedUsers.',
      )
    }
    if (complete && ctx.checkCondition !== undefined) {
      try {
        ctx.checkCondition(condition)
      } catch (e) {
        if (!isIamError(e)) throw e
        c.addError(`${cf}.expression`, e)
      }
    }
    const key = conditionKey(condition)
    for (const member of members) {
      const rm = `${role}\u0000${normalizeMember(member)}`
      let set = counters.conditional.get(rm)
      if (set === undefined) counters.conditional.set(rm, (set = new Set()))
      set.add(key)
    }
  }
  return binding
}

function validateAuditConfig(
  c: Collector,
  raw: unknown,
  field: string,
  counters: Counters,
): AuditConfig | undefined {
  if (!isObject(raw)) {
    c.type(field, 'type.googleapis.com/google.iam.v1.AuditConfig', raw)
    return undefined
  }
  const m = readObject(c, raw, field, AUDIT_CONFIG_KEYS)
  const service = readString(c, m, 'service', field)
  if (service === undefined || service === '') {
    c.add(
      'INVALID_AUDIT_CONFIG',
      `${field}.service`,
      `The audit config at '${field}' must name a service (e.g. "allServices").`,
    )
  }
  const logsRaw = m.get('auditLogConfigs')
  const logs: AuditLogConfig[] = []
  if (logsRaw !== undefined) {
    if (!Array.isArray(logsRaw)) {
      c.type(
        `${field}.auditLogConfigs`,
        'type.googleapis.com/google.iam.v1.AuditLogConfig',
        logsRaw,
      )
    } else {
      logsRaw.forEach((lr: unknown, i) => {
        const lf = `${field}.auditLogConfigs[${i}]`
        if (!isObject(lr)) {
          c.type(lf, 'type.googleapis.com/google.iam.v1.AuditLogConfig', lr)
          return
        }
        const lm = readObject(c, lr, lf, AUDIT_LOG_CONFIG_KEYS)
        const log: AuditLogConfig = {}
        const lt = lm.get('logType')
        if (lt !== undefined) {
          // proto3 JSON accepts an enum's name or its number.
          const name = typeof lt === 'number' ? LOG_TYPES[lt] : lt
          if (typeof name === 'string' && (LOG_TYPES as readonly string[]).includes(name)) {
            log.logType = name as LogType
          } else {
            c.add(
              'INVALID_AUDIT_CONFIG',
              `${lf}.logType`,
              `Invalid value at '${lf}.logType' (type.googleapis.com/google.iam.v1.AuditLogConfig.LogType), ${show(lt)}`,
            )
          }
        }
        const ex = lm.get('exemptedMembers')
        if (ex !== undefined) {
          const members = readStringList(c, ex, `${lf}.exemptedMembers`)
          if (members !== undefined) {
            members.forEach((member, j) => {
              if (checkMember(c, member, `${lf}.exemptedMembers[${j}]`)) counters.appearances++
            })
            log.exemptedMembers = members
          }
        }
        logs.push(log)
      })
    }
  }
  if (service === undefined) return undefined
  const out: AuditConfig = { service }
  if (logsRaw !== undefined) out.auditLogConfigs = logs
  return out
}

/**
 * Parses and validates an untrusted policy for a write on a resource of ctx.resourceType.
 * Throws IamError (INVALID_ARGUMENT) listing every violation found.
 */
// Compat: google.iam.v1.IAMPolicy.SetIamPolicy request validation.
export function validatePolicy(policy: unknown, ctx: ValidatePolicyContext): Policy {
  const c = new Collector()
  const root = ctx.field ?? 'policy'
  if (!isObject(policy)) {
    c.type(root, 'type.googleapis.com/google.iam.v1.Policy', policy)
    throw toError(c.violations)
  }
  const m = readObject(c, policy, root, POLICY_KEYS)
  const out: Policy = {}
  const counters: Counters = {
    appearances: 0,
    groups: new Set(),
    domainAppearances: 0,
    conditional: new Map(),
  }

  let version: number | undefined
  if (m.has('version')) {
    version = readInt(c, m.get('version'), `${root}.version`)
    if (version !== undefined && version !== 0 && version !== 1 && version !== 3) {
      c.add(
        'INVALID_POLICY_VERSION',
        `${root}.version`,
        `Invalid policy version (${version}). Valid versions are 0, 1 and 3. ${VERSIONS_URL}`,
      )
    } else if (version !== undefined) out.version = version
  }

  const bindingsRaw = m.get('bindings')
  // Before any condition is compiled: the total is what bounds the compile work of one write.
  const conditionText = distinctConditionText(bindingsRaw)
  if (conditionText > MAX_CONDITION_TEXT_PER_POLICY) {
    c.add(
      'CONDITIONS_TOO_LARGE',
      `${root}.bindings`,
      `The conditions of the policy add up to ${conditionText} characters, more than the ${MAX_CONDITION_TEXT_PER_POLICY} allowed.`,
    )
    throw toError(c.violations)
  }
  if (bindingsRaw !== undefined) {
    if (!Array.isArray(bindingsRaw)) {
      c.type(`${root}.bindings`, 'type.googleapis.com/google.iam.v1.Binding', bindingsRaw)
    } else {
      const bindings: Binding[] = []
      bindingsRaw.forEach((b: unknown, i) => {
        const binding = validateBinding(c, b, `${root}.bindings[${i}]`, ctx, counters)
        if (binding !== undefined) bindings.push(binding)
      })
      out.bindings = bindings
      const conditional = bindings.some((b) => b.condition !== undefined)
      if (conditional && (version === undefined || version < 3)) {
        c.add(
          'CONDITION_REQUIRES_VERSION_3',
          `${root}.version`,
          `Specified policy version (${version || 1}) does not support conditional role ` +
            `bindings; set the policy version to 3. ${VERSIONS_URL}`,
        )
      }
    }
  }

  const auditRaw = m.get('auditConfigs')
  if (auditRaw !== undefined) {
    if (!Array.isArray(auditRaw)) {
      c.type(`${root}.auditConfigs`, 'type.googleapis.com/google.iam.v1.AuditConfig', auditRaw)
    } else {
      const configs: AuditConfig[] = []
      auditRaw.forEach((a: unknown, i) => {
        const config = validateAuditConfig(c, a, `${root}.auditConfigs[${i}]`, counters)
        if (config !== undefined) configs.push(config)
      })
      out.auditConfigs = configs
    }
  }

  if (m.has('etag')) {
    const etag = m.get('etag')
    if (typeof etag !== 'string' || !isValidEtag(etag)) c.type(`${root}.etag`, 'TYPE_BYTES', etag)
    else out.etag = etag
  }

  // Compat: IAM limits; messages as IAM formats them (thousands separators).
  if (counters.appearances > MAX_MEMBERS) {
    c.add(
      'TOO_MANY_MEMBERS',
      root,
      `The number of members in the policy (${formatCount(counters.appearances)}) is larger ` +
        `than the maximum allowed size ${formatCount(MAX_MEMBERS)}.`,
    )
  }
  const groupsAndDomains = counters.groups.size + counters.domainAppearances
  if (groupsAndDomains > MAX_GROUPS_AND_DOMAINS) {
    c.add(
      'TOO_MANY_GROUPS_AND_DOMAINS',
      root,
      `The number of groups and domains in the policy (${formatCount(groupsAndDomains)}) is ` +
        `larger than the maximum allowed size ${MAX_GROUPS_AND_DOMAINS}.`,
    )
  }
  for (const [rm, conditions] of counters.conditional) {
    if (conditions.size > MAX_CONDITIONAL_BINDINGS_PER_ROLE_MEMBER) {
      const [role, member] = rm.split('\u0000')
      c.add(
        'TOO_MANY_CONDITIONAL_BINDINGS',
        `${root}.bindings`,
        `The number of conditional role bindings of role ${role} to member ${member} ` +
          `(${conditions.size}) is larger than the maximum allowed size ` +
          `${MAX_CONDITIONAL_BINDINGS_PER_ROLE_MEMBER}.`,
      )
    }
  }

  if (c.violations.length > 0) throw toError(c.violations)
  return out
}

/** The summed length of the distinct condition expressions in raw (unvalidated) bindings. */
export function distinctConditionText(bindings: unknown): number {
  if (!Array.isArray(bindings)) return 0
  const seen = new Set<string>()
  let total = 0
  for (const b of bindings) {
    const condition = isObject(b) ? b['condition'] : undefined
    const expression = isObject(condition) ? condition['expression'] : undefined
    if (typeof expression !== 'string' || seen.has(expression)) continue
    seen.add(expression)
    total += expression.length
  }
  return total
}

function toError(violations: readonly Violation[]): IamError {
  const first = violations[0]
  if (first === undefined) throw new Error('toError without violations')
  const listed = violations.slice(0, MAX_VIOLATIONS)
  return new IamError(first.code, first.reason, first.description, {
    details: [badRequestDetail(listed)],
  })
}
