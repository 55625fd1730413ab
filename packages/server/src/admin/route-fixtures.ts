// Test support: a concrete path for every route template and the smallest body that names the
// resource, for tests that call every admin route (route-permissions, role-matrix).
import type { RouteSpec } from '@runiam/api'

export const ROUTE_PROJECT = 'route-perm-project'
const PROJECT = ROUTE_PROJECT

/** A concrete value for each segment pattern of a template variable. */
export function fillTemplate(template: string, orgId: string): string {
  const values: Record<string, string> = {
    projects: PROJECT,
    locations: 'us-central1',
    services: 'hello',
    operations: 'op-1',
    organizations: orgId,
    serviceAccounts: `robot@${PROJECT}.iam.gserviceaccount.com`,
    keys: 'k1',
    policies: 'iam.allowedPolicyMemberDomains',
    jobs: 'job-1',
    executions: 'job-1-abcde',
    tasks: 'job-1-abcde-task-0',
    workerPools: 'pool-1',
    workerpools: 'pool-1',
    roles: 'customRole1',
    namespaces: PROJECT,
    denypolicies: 'deny-1',
  }
  // IAM v2 deny policies: the attachment point is one URL-encoded segment.
  if (template.includes('/denypolicies')) {
    values['policies'] = `cloudresourcemanager.googleapis.com%2Fprojects%2F${PROJECT}`
  }
  return template
    .replace(/\{projectId\}/, PROJECT)
    .replace('{analysisQuery.scope=*/*}', `projects/${PROJECT}`)
    .replace(/\{[^}=]+=([^}]+)\}/g, (_m, pattern: string) =>
      pattern
        .split('/')
        .map((seg, i, all) =>
          seg === '*' || seg === '**' ? (values[all[i - 1] ?? ''] ?? 'x') : seg,
        )
        .join('/'),
    )
}

/** The smallest body that names the resource when the path does not. */
export function bodyFor(route: RouteSpec, orgId: string, newId = 'route-perm-new'): unknown {
  if (route.id === 'logging.entries.list') return { resourceNames: [`projects/${PROJECT}`] }
  if (route.id === 'cloudresourcemanager.projects.create') {
    return route.api === 'cloudresourcemanager/v1'
      ? { projectId: newId, parent: { type: 'organization', id: orgId } }
      : { projectId: newId, parent: `organizations/${orgId}` }
  }
  return {}
}
