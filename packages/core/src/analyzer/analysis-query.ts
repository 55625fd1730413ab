// Reads and checks an analyzeIamPolicy query (IamPolicyAnalysisQuery as JSON, or as built from the
// GET method's `analysisQuery.*` parameters) into what the analyzer runs. Every refusal is
// INVALID_ARGUMENT naming the offending value and its field.
// Compat: google.cloud.asset.v1.IamPolicyAnalysisQuery's field comments (selectors, the 10-access
// limit, options that a selector forbids).
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { badRequestDetail } from '../errors/reasons.js'
import { normalizeMember, parseMember } from '../members/member.js'
import { getRole, isKnownPermission } from '../roles/catalog.js'
import { parseCustomRoleName } from '../roles/custom-role.js'
import { parseFullResourceName, type ParsedFullResourceName } from './full-resource-name.js'
import './reasons.js'
import type { IamPolicyAnalysisQuery } from './types.js'

/** Compat: "The total number of roles and permissions should be equal or less than 10." */
export const MAX_ACCESS_SELECTORS = 10

export interface AnalysisOptions {
  readonly expandGroups: boolean
  readonly expandRoles: boolean
  readonly expandResources: boolean
  readonly outputResourceEdges: boolean
  readonly outputGroupEdges: boolean
}

/** A checked query. */
export interface AnalysisRequest {
  readonly scope: { readonly type: 'organization' | 'project'; readonly id: string }
  readonly resource?: ParsedFullResourceName
  /** The identity selector, normalised (`user:Alice@X.com` → `user:alice@x.com`). */
  readonly identity?: string
  readonly roles: readonly string[]
  readonly permissions: readonly string[]
  readonly options: AnalysisOptions
  /** conditionContext.accessTime in epoch ms; absent: the time of the call. */
  readonly accessTimeMs?: number
  /** The query as it will be echoed in mainAnalysis.analysisQuery. */
  readonly query: IamPolicyAnalysisQuery
}

export function invalidQuery(field: string, message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_ANALYSIS_QUERY', message, {
    metadata: { field },
    details: [badRequestDetail([{ field, description: message }])],
  })
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

function objectAt(
  raw: Record<string, unknown>,
  key: string,
  field: string,
): Record<string, unknown> {
  const v = raw[key]
  if (v === undefined || v === null) return {}
  if (!isObject(v)) throw invalidQuery(field, `Invalid value at '${field}': expected an object.`)
  return v
}

function stringAt(raw: Record<string, unknown>, key: string, field: string): string | undefined {
  const v = raw[key]
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string') {
    throw invalidQuery(field, `Invalid value at '${field}' (TYPE_STRING), ${JSON.stringify(v)}`)
  }
  return v
}

function stringsAt(raw: Record<string, unknown>, key: string, field: string): string[] {
  const v = raw[key]
  if (v === undefined || v === null) return []
  const list = Array.isArray(v) ? v : [v]
  return list.map((x) => {
    if (typeof x !== 'string' || x === '') {
      throw invalidQuery(field, `Invalid value at '${field}' (TYPE_STRING), ${JSON.stringify(x)}`)
    }
    return x
  })
}

function boolAt(raw: Record<string, unknown>, key: string, field: string): boolean {
  const v = raw[key]
  if (v === undefined || v === null || v === false || v === 'false') return false
  if (v === true || v === 'true') return true
  throw invalidQuery(field, `Invalid value at '${field}' (TYPE_BOOL), ${JSON.stringify(v)}`)
}

/** Reads `analysisQuery.scope` alone (the server authorizes on it before reading the rest). */
export function parseScope(scope: string | undefined): AnalysisRequest['scope'] {
  if (scope === undefined) {
    throw invalidQuery('analysisQuery.scope', 'analysisQuery.scope is required.')
  }
  const org = /^organizations\/(\d+)$/.exec(scope)
  if (org?.[1] !== undefined) return { type: 'organization', id: org[1] }
  const project = /^projects\/([A-Za-z0-9][A-Za-z0-9._-]*)$/.exec(scope)
  if (project?.[1] !== undefined) return { type: 'project', id: project[1] }
  throw invalidQuery(
    'analysisQuery.scope',
    `Invalid scope "${scope}": runiam analyzes organizations/ORGANIZATION_NUMBER or projects/PROJECT_ID_OR_NUMBER (it has no folders).`,
  )
}

function checkRole(role: string): string {
  if (getRole(role) !== undefined || parseCustomRoleName(role) !== undefined) return role
  throw invalidQuery(
    'analysisQuery.accessSelector.roles',
    `Invalid role "${role}" in analysisQuery.accessSelector.roles: not a predefined role nor a custom role name.`,
  )
}

function checkPermission(permission: string): string {
  if (isKnownPermission(permission)) return permission
  throw invalidQuery(
    'analysisQuery.accessSelector.permissions',
    `Invalid permission "${permission}" in analysisQuery.accessSelector.permissions: no role runiam knows holds it.`,
  )
}

function checkIdentity(identity: string): string {
  const field = 'analysisQuery.identitySelector.identity'
  let type: string
  try {
    type = parseMember(identity).type
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err)
    throw invalidQuery(field, `Invalid identity "${identity}": ${why}`)
  }
  if (type === 'deleted' || type === 'principalSet') {
    throw invalidQuery(field, `Invalid identity "${identity}": give a specific identity.`)
  }
  return normalizeMember(identity)
}

function parseAccessTime(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(raw)
    ? Date.parse(raw)
    : Number.NaN
  if (Number.isNaN(ms)) {
    throw invalidQuery(
      'analysisQuery.conditionContext.accessTime',
      `Invalid analysisQuery.conditionContext.accessTime "${raw}": an RFC 3339 timestamp, e.g. 2026-01-01T00:00:00Z.`,
    )
  }
  return ms
}

/**
 * Checks an IamPolicyAnalysisQuery. Compat: at least one selector is needed (resource, identity or
 * access); expandGroups is not allowed with an identity selector, expandRoles not with an access
 * selector, expandResources not with an organization as the resource selector.
 */
export function readAnalysisQuery(raw: unknown): AnalysisRequest {
  if (!isObject(raw)) throw invalidQuery('analysisQuery', 'analysisQuery must be an object.')
  const scope = parseScope(stringAt(raw, 'scope', 'analysisQuery.scope'))
  const rs = objectAt(raw, 'resourceSelector', 'analysisQuery.resourceSelector')
  const is = objectAt(raw, 'identitySelector', 'analysisQuery.identitySelector')
  const as = objectAt(raw, 'accessSelector', 'analysisQuery.accessSelector')
  const op = objectAt(raw, 'options', 'analysisQuery.options')
  const cc = objectAt(raw, 'conditionContext', 'analysisQuery.conditionContext')

  const fullName = stringAt(
    rs,
    'fullResourceName',
    'analysisQuery.resourceSelector.fullResourceName',
  )
  let resource: ParsedFullResourceName | undefined
  if (fullName !== undefined) {
    resource = parseFullResourceName(fullName)
    if (resource === undefined) {
      throw invalidQuery(
        'analysisQuery.resourceSelector.fullResourceName',
        `Invalid full resource name "${fullName}": runiam analyzes //cloudresourcemanager.googleapis.com/organizations/O, //cloudresourcemanager.googleapis.com/projects/P and //run.googleapis.com/projects/P/locations/L/{services,jobs,workerPools}/NAME.`,
      )
    }
  }
  const rawIdentity = stringAt(is, 'identity', 'analysisQuery.identitySelector.identity')
  const identity = rawIdentity === undefined ? undefined : checkIdentity(rawIdentity)
  const roles = stringsAt(as, 'roles', 'analysisQuery.accessSelector.roles').map(checkRole)
  const permissions = stringsAt(as, 'permissions', 'analysisQuery.accessSelector.permissions').map(
    checkPermission,
  )
  if (roles.length + permissions.length > MAX_ACCESS_SELECTORS) {
    throw invalidQuery(
      'analysisQuery.accessSelector',
      `analysisQuery.accessSelector names ${roles.length + permissions.length} roles and permissions; at most ${MAX_ACCESS_SELECTORS} are allowed.`,
    )
  }
  const options: AnalysisOptions = {
    expandGroups: boolAt(op, 'expandGroups', 'analysisQuery.options.expandGroups'),
    expandRoles: boolAt(op, 'expandRoles', 'analysisQuery.options.expandRoles'),
    expandResources: boolAt(op, 'expandResources', 'analysisQuery.options.expandResources'),
    outputResourceEdges: boolAt(
      op,
      'outputResourceEdges',
      'analysisQuery.options.outputResourceEdges',
    ),
    outputGroupEdges: boolAt(op, 'outputGroupEdges', 'analysisQuery.options.outputGroupEdges'),
  }
  if (
    boolAt(
      op,
      'analyzeServiceAccountImpersonation',
      'analysisQuery.options.analyzeServiceAccountImpersonation',
    )
  ) {
    throw invalidQuery(
      'analysisQuery.options.analyzeServiceAccountImpersonation',
      'analysisQuery.options.analyzeServiceAccountImpersonation is not supported by runiam.',
    )
  }
  const hasAccess = roles.length + permissions.length > 0
  if (resource === undefined && identity === undefined && !hasAccess) {
    throw invalidQuery(
      'analysisQuery',
      'Specify at least one of analysisQuery.resourceSelector, analysisQuery.identitySelector or analysisQuery.accessSelector.',
    )
  }
  if (options.expandGroups && identity !== undefined) {
    throw invalidQuery(
      'analysisQuery.options.expandGroups',
      'analysisQuery.options.expandGroups is not allowed with analysisQuery.identitySelector.',
    )
  }
  if (options.expandRoles && hasAccess) {
    throw invalidQuery(
      'analysisQuery.options.expandRoles',
      'analysisQuery.options.expandRoles is not allowed with analysisQuery.accessSelector.',
    )
  }
  if (options.expandResources && resource?.type === 'organization') {
    throw invalidQuery(
      'analysisQuery.options.expandResources',
      `analysisQuery.options.expandResources is not allowed with an organization as the resource selector ("${fullName ?? ''}").`,
    )
  }
  const accessTime = stringAt(cc, 'accessTime', 'analysisQuery.conditionContext.accessTime')
  const accessTimeMs = parseAccessTime(accessTime)

  const query: IamPolicyAnalysisQuery = {
    scope: `${scope.type === 'organization' ? 'organizations' : 'projects'}/${scope.id}`,
    ...(fullName === undefined ? {} : { resourceSelector: { fullResourceName: fullName } }),
    ...(rawIdentity === undefined ? {} : { identitySelector: { identity: rawIdentity } }),
    ...(hasAccess
      ? {
          accessSelector: {
            ...(roles.length === 0 ? {} : { roles }),
            ...(permissions.length === 0 ? {} : { permissions }),
          },
        }
      : {}),
    ...(Object.values(options).some((v) => v)
      ? {
          options: Object.fromEntries(Object.entries(options).filter(([, v]) => v)) as NonNullable<
            IamPolicyAnalysisQuery['options']
          >,
        }
      : {}),
    ...(accessTime === undefined ? {} : { conditionContext: { accessTime } }),
  }
  return {
    scope,
    ...(resource === undefined ? {} : { resource }),
    ...(identity === undefined ? {} : { identity }),
    roles,
    permissions,
    options,
    ...(accessTimeMs === undefined ? {} : { accessTimeMs }),
    query,
  }
}
