// Resource names and identifier rules of the admin API: parsing `projects/P/locations/L/…`,
// validating project ids, service ids and regions, and presenting canonical names the way the
// caller spelled the project (id or number).
import { Code, IamError } from '@runiam/core'

function invalid(field: string, message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_FIELD', message, {
    metadata: { field },
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field, description: message }],
      },
    ],
  })
}

/** A BadRequest-carrying INVALID_ARGUMENT naming the field. */
export const invalidArgument = invalid

// Compat: Resource Manager project id rules (6–30 chars, lowercase letters, digits, hyphens,
// starts with a letter, does not end with a hyphen).
const PROJECT_ID_RE = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/

export function checkProjectId(id: unknown): string {
  if (id === undefined || id === null || id === '') {
    throw invalid('projectId', 'Field projectId is required.')
  }
  if (typeof id !== 'string' || !PROJECT_ID_RE.test(id)) {
    throw invalid(
      'projectId',
      `Invalid project ID ${JSON.stringify(id)}: a project ID must be 6 to 30 characters long, ` +
        'contain only lowercase letters, digits and hyphens, start with a letter and not end ' +
        'with a hyphen.',
    )
  }
  return id
}

// Compat: CreateServiceRequest.service_id: "must begin with a letter, cannot end with a hyphen,
// fewer than 50 characters", lowercase letters, digits and hyphens.
const SERVICE_ID_RE = /^[a-z](?:[a-z0-9-]{0,47}[a-z0-9])?$/

export function checkServiceId(id: unknown, field = 'serviceId'): string {
  if (id === undefined || id === null || id === '') {
    throw invalid(field, `Field ${field} is required.`)
  }
  if (typeof id !== 'string' || !SERVICE_ID_RE.test(id)) {
    throw invalid(
      field,
      `Invalid ${field} ${JSON.stringify(id)}: it must begin with a letter, contain only ` +
        'lowercase letters, digits and hyphens, not end with a hyphen and be fewer than 50 ' +
        'characters long.',
    )
  }
  return id
}

const REGION_RE = /^[a-z](?:[a-z0-9-]{0,48}[a-z0-9])?$/

export function checkRegion(location: string): string {
  if (!REGION_RE.test(location)) {
    throw invalid('location', `Invalid location ${JSON.stringify(location)}.`)
  }
  return location
}

/** The parts of `projects/P/locations/L[/KIND/ID[/…]]`; undefined when it is not such a name. */
export interface RunName {
  readonly project: string
  readonly location: string
  readonly kind?: string
  readonly id?: string
}

// Compat: Cloud Run v1 spells the worker pool collection `workerpools`, v2 `workerPools`; both
// name one resource, whose policy is kept under the v2 spelling.
const V2_COLLECTION: Readonly<Record<string, string>> = { workerpools: 'workerPools' }

/** `kind` is the v2 collection name (`services`, `workerPools`, …) whichever version was used. */
export function parseRunName(name: string): RunName | undefined {
  const p = name.split('/')
  if (p[0] !== 'projects' || p[2] !== 'locations' || p[1] === undefined || p[3] === undefined) {
    return undefined
  }
  if (p.length === 4) return { project: p[1], location: p[3] }
  if (p.length >= 6 && p[4] !== undefined && p[5] !== undefined) {
    return { project: p[1], location: p[3], kind: V2_COLLECTION[p[4]] ?? p[4], id: p[5] }
  }
  return undefined
}

/**
 * Rewrites every string that starts with `projects/{canonical}/` (or equals `projects/{canonical}`)
 * to use the project as the caller spelled it. Compat: Google answers with the project id or
 * number the request used.
 */
export function presentAs<T>(value: T, canonical: string, given: string): T {
  if (canonical === given) return value
  const from = `projects/${canonical}`
  const to = `projects/${given}`
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      return v === from || v.startsWith(from + '/') ? to + v.slice(from.length) : v
    }
    if (Array.isArray(v)) return v.map(walk)
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
    }
    return v
  }
  return walk(value) as T
}

/** A list request's pageSize: 0 when absent; INVALID_ARGUMENT (as Google words it) otherwise. */
export function parsePageSize(raw: string | undefined): number {
  const size = raw === undefined || raw === '' ? 0 : Number(raw)
  if (!Number.isInteger(size) || size < 0) {
    throw invalidArgument('pageSize', `Invalid value at 'page_size' (TYPE_INT32), "${raw}"`)
  }
  return size
}
