// Which Google method an admin route is, for Cloud Audit Logs: the API's service name, the RPC's
// full name (`methodName`) and whether it is an admin write (Admin Activity log) or a read (Data
// Access, opt-in). Derived from the route table's data (api, method id, HTTP method) by one rule
// per API, so a new route gets its name without a second table.
import type { ApiName, RouteSpec } from '@runiam/api'

export type PermissionType = 'ADMIN_WRITE' | 'ADMIN_READ' | 'DATA_READ'

export interface AuditMethod {
  /** e.g. run.googleapis.com */
  readonly serviceName: string
  /** e.g. google.cloud.run.v2.Services.SetIamPolicy */
  readonly methodName: string
  /** An admin write: always logged, to the activity log. Otherwise a read (data_access, opt-in). */
  readonly write: boolean
  readonly permissionType: PermissionType
}

// Verbs that only read, whatever the HTTP method (Google's POST-bodied reads, token minting).
const READ_VERBS = new Set([
  'get',
  'list',
  'getIamPolicy',
  'testIamPermissions',
  'search',
  'getAncestry',
  'queryTestablePermissions',
  'wait',
  'analyzeIamPolicy',
  'generateAccessToken',
  'generateIdToken',
  'troubleshoot',
])

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

/** `services` → Services, `workerpools` → WorkerPools. */
function plural(collection: string): string {
  return collection === 'workerpools' ? 'WorkerPools' : cap(collection)
}

/** `services` → Service, `policies` → Policy, `keys` (of service accounts) → ServiceAccountKey. */
function singular(collection: string, parent: string | undefined): string {
  if (collection === 'keys' && parent === 'serviceAccounts') return 'ServiceAccountKey'
  const p = plural(collection)
  if (p.endsWith('ies')) return `${p.slice(0, -3)}y`
  return p.endsWith('s') ? p.slice(0, -1) : p
}

/** The RPC's own name: `create` of services → CreateService, `patch` → UpdateService. */
function rpcName(verb: string, collection: string, parent: string | undefined): string {
  if (/^(set|get)IamPolicy$|^testIamPermissions$/.test(verb)) return cap(verb)
  // Compat: IAM names a service account's patch PatchServiceAccount; the others are Update….
  if (verb === 'patch') {
    return `${collection === 'serviceAccounts' ? 'Patch' : 'Update'}${singular(collection, parent)}`
  }
  if (verb === 'list')
    return collection === 'keys' ? 'ListServiceAccountKeys' : `List${plural(collection)}`
  if (verb === 'search') return `Search${plural(collection)}`
  // replaceService, generateAccessToken, analyzeIamPolicy, …: already the RPC's name.
  if (
    /[A-Z]/.test(verb) ||
    !/^(create|delete|get|undelete|disable|enable|cancel|run|wait|rotate)$/.test(verb)
  ) {
    return cap(verb)
  }
  return `${cap(verb)}${singular(collection, parent)}`
}

const SERVICES: Record<ApiName, string> = {
  'run/v1': 'run.googleapis.com',
  'run/v2': 'run.googleapis.com',
  'cloudresourcemanager/v1': 'cloudresourcemanager.googleapis.com',
  'cloudresourcemanager/v3': 'cloudresourcemanager.googleapis.com',
  'iam/v1': 'iam.googleapis.com',
  'iamcredentials/v1': 'iamcredentials.googleapis.com',
  'orgpolicy/v2': 'orgpolicy.googleapis.com',
  'logging/v2': 'logging.googleapis.com',
  'cloudidentity/v1': 'cloudidentity.googleapis.com',
  'cloudasset/v1': 'cloudasset.googleapis.com',
  'iam/v2': 'iam.googleapis.com',
  'recommender/v1': 'recommender.googleapis.com',
  'policytroubleshooter/v1': 'policytroubleshooter.googleapis.com',
  'policytroubleshooter/v2alpha1': 'policytroubleshooter.googleapis.com',
  'policytroubleshooter/v3': 'policytroubleshooter.googleapis.com',
  'runiam/v1': 'runiam.dev',
}

/** Compat: IAM v2's Policies RPCs (deny policies): get → GetPolicy, update → UpdatePolicy. */
function iamV2Name(verb: string, collection: string): string {
  if (collection === 'operations') return 'google.longrunning.Operations.GetOperation'
  return `google.iam.v2.Policies.${/[A-Z]/.test(verb) ? cap(verb) : `${cap(verb)}Policy`}`
}

/** Compat: the methodName each API writes in its audit entries. */
function fullName(api: ApiName, rpc: string, collection: string): string {
  switch (api) {
    case 'run/v1':
    case 'run/v2':
      // google.cloud.run.v1.Services.SetIamPolicy / google.cloud.run.v2.Services.SetIamPolicy
      return `google.cloud.run.${api.slice(4)}.${plural(collection)}.${rpc}`
    case 'cloudresourcemanager/v1':
      // Resource Manager v1 writes the bare RPC name (SetIamPolicy, CreateProject).
      return rpc
    case 'cloudresourcemanager/v3':
      return `google.cloud.resourcemanager.v3.${plural(collection)}.${rpc}`
    case 'iam/v1':
      // google.iam.admin.v1.CreateServiceAccountKey, google.iam.admin.v1.SetIAMPolicy
      return `google.iam.admin.v1.${rpc.replace('IamPolicy', 'IAMPolicy')}`
    case 'iamcredentials/v1':
      return rpc
    case 'orgpolicy/v2':
      return `google.cloud.orgpolicy.v2.OrgPolicy.${rpc}`
    case 'logging/v2':
      return 'google.logging.v2.LoggingServiceV2.ListLogEntries'
    case 'cloudidentity/v1':
      return `google.apps.cloudidentity.groups.v1.${collection === 'memberships' ? 'MembershipsService' : 'GroupsService'}.${rpc}`
    case 'cloudasset/v1':
      return `google.cloud.asset.v1.AssetService.${rpc}`
    case 'iam/v2':
      return rpc
    case 'recommender/v1':
      // google.cloud.recommender.v1.Recommender.MarkRecommendationClaimed, ListRecommendations
      return `google.cloud.recommender.v1.Recommender.${rpc.startsWith('Mark') && !rpc.includes('Recommendation') ? `MarkRecommendation${rpc.slice(4)}` : rpc}`
    case 'policytroubleshooter/v1':
    case 'policytroubleshooter/v2alpha1':
      return `google.cloud.policytroubleshooter.${api.slice(21)}.IamChecker.TroubleshootIamPolicy`
    case 'policytroubleshooter/v3':
      return 'google.cloud.policytroubleshooter.iam.v3.PolicyTroubleshooter.TroubleshootIamPolicy'
    case 'runiam/v1':
      return `runiam.v1.${plural(collection)}.${rpc}`
  }
}

export function auditMethodOf(route: Pick<RouteSpec, 'api' | 'id' | 'method'>): AuditMethod {
  const segments = route.id.split('.')
  const verb = segments.at(-1) ?? ''
  const collection = segments.at(-2) ?? ''
  const parent = segments.at(-3)
  const rpc =
    route.api === 'iam/v2' ? iamV2Name(verb, collection) : rpcName(verb, collection, parent)
  const write = route.method !== 'GET' && !READ_VERBS.has(verb)
  return {
    serviceName: SERVICES[route.api],
    methodName: fullName(route.api, rpc, collection),
    write,
    permissionType: write ? 'ADMIN_WRITE' : 'ADMIN_READ',
  }
}
