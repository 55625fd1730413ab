// The `resourceName` of an admin call's audit entry, from the route's path variables, query and
// body: the resource acted on, and for a create the resource being created (parent + id) when the
// request names it.
import type { RouteSpec } from '@runiam/api'
import { isObject } from '../context.js'

const NAME_PARAMS = [
  'resource',
  'name',
  'service.name',
  'job.name',
  'worker_pool.name',
  'serviceAccount.name',
  'policy.name',
] as const

// Compat: a create's entry names the new resource (e.g. CreateService's
// projects/P/locations/L/services/S); the id comes from the query (v2) or the body.
const CREATE_IDS: Readonly<Record<string, string>> = {
  services: 'serviceId',
  jobs: 'jobId',
  workerPools: 'workerPoolId',
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' && x !== '' ? x : undefined
}

export function auditResourceName(
  route: Pick<RouteSpec, 'id' | 'template'>,
  params: Readonly<Record<string, string>>,
  query: URLSearchParams,
  body?: unknown,
): string {
  for (const p of NAME_PARAMS) {
    const v = params[p]
    if (v !== undefined && v !== '') return v
  }
  const b = isObject(body) ? body : {}
  // entries:list names the logs read.
  const names = b['resourceNames']
  if (Array.isArray(names) && typeof names[0] === 'string') return names[0]
  if (route.id.endsWith('projects.create')) {
    const id = str(b['projectId'])
    return id === undefined ? 'projects' : `projects/${id}`
  }
  if (params['projectId'] !== undefined) return `projects/${params['projectId']}`
  const parent = params['parent']
  if (parent === undefined) {
    // groups.create: the new group's key when given.
    return route.id === 'cloudidentity.groups.create' ? 'groups' : route.template
  }
  const collection = /\/([A-Za-z]+)$/.exec(route.template)?.[1] ?? ''
  const queryId = CREATE_IDS[collection] === undefined ? null : query.get(CREATE_IDS[collection])
  if (queryId !== null && queryId !== '') return `${parent}/${collection}/${queryId}`
  const metadataName = isObject(b['metadata']) ? str(b['metadata']['name']) : undefined
  if (metadataName !== undefined) return `${parent}/${collection}/${metadataName}`
  const accountId = str(b['accountId'])
  if (accountId !== undefined) {
    const project = parent.replace(/^projects\//, '')
    return `${parent}/serviceAccounts/${accountId}@${project}.iam.gserviceaccount.com`
  }
  const roleId = str(b['roleId'])
  if (roleId !== undefined) return `${parent}/roles/${roleId}`
  const name = str(b['name'])
  if (name !== undefined && name.startsWith(`${parent}/`)) return name
  return parent
}
