// One Cloud Audit Logs entry in Google's shape: a google.logging.v2.LogEntry whose protoPayload is
// a google.cloud.audit.AuditLog (reference policy-intelligence-api.md §1.1–1.6). Pure: every
// input (time, ids, the resolved parent) is given.
import { Code, type IamError, type PolicyDelta } from '@runiam/core'
import type { AuditEntryRecord } from '@runiam/store'
import type { AuditMethod } from './audit-method.js'

export const ACTIVITY_LOG = 'cloudaudit.googleapis.com%2Factivity'
export const DATA_ACCESS_LOG = 'cloudaudit.googleapis.com%2Fdata_access'

export interface MonitoredResource {
  readonly type: string
  readonly labels: Readonly<Record<string, string>>
}

export interface AuditEvent {
  readonly method: AuditMethod
  /** Where the entry goes: `projects/{projectId}` or `organizations/{id}`. */
  readonly parent: string
  readonly resourceName: string
  /** The project id the resource is in (labels), when it is in one. */
  readonly projectId?: string
  /** Who called: the verified email, else the member string; absent for anonymous callers. */
  readonly principalEmail?: string
  readonly principalSubject?: string
  readonly callerIp: string
  readonly userAgent?: string
  /** The permission checked first, and on what. */
  readonly authorization?: { readonly permission: string; readonly resource: string }
  /** Redacted request and response bodies. */
  readonly request?: Readonly<Record<string, unknown>>
  readonly response?: Readonly<Record<string, unknown>>
  readonly error?: IamError
  readonly policyDelta?: PolicyDelta
  readonly time: string
  readonly receiveTime: string
  readonly insertId: string
  /** Data Access (reads, gateway refusals) instead of Admin Activity. */
  readonly dataAccess?: boolean
}

const RUN_RESOURCE =
  /^(?:projects|namespaces)\/([^/]+)(?:\/locations\/([^/]+))?\/(services|jobs|workerPools|workerpools|executions)\/([^/]+)(?:\/executions\/([^/]+))?/

/** Compat: the monitored resource types Cloud Run and IAM entries carry (reference §1.4). */
export function monitoredResource(
  resourceName: string,
  projectId: string | undefined,
  organizationId: string | undefined,
  method: AuditMethod,
): MonitoredResource {
  const project = projectId ?? ''
  const run = RUN_RESOURCE.exec(resourceName)
  if (run !== null) {
    const location = run[2] ?? ''
    const kind = run[3]
    const name = run[4] ?? ''
    if (kind === 'services') {
      return {
        type: 'cloud_run_revision',
        labels: {
          project_id: project,
          service_name: name,
          revision_name: '',
          configuration_name: name,
          location,
        },
      }
    }
    if (kind === 'workerPools' || kind === 'workerpools') {
      return {
        type: 'cloud_run_worker_pool',
        labels: { project_id: project, worker_pool_name: name, revision_name: '', location },
      }
    }
    // A v1 execution (namespaces/P/executions/E) names no job.
    return {
      type: 'cloud_run_job',
      labels: { project_id: project, job_name: kind === 'jobs' ? name : '', location },
    }
  }
  const sa = /\/serviceAccounts\/([^/]+)/.exec(resourceName)
  if (sa !== null) {
    return {
      type: 'service_account',
      labels: { project_id: project, email_id: decodeURIComponent(sa[1] ?? ''), unique_id: '' },
    }
  }
  const role = /^(?:projects|organizations)\/[^/]+\/roles\/([^/]+)$/.exec(resourceName)
  if (role !== null) {
    return { type: 'iam_role', labels: { project_id: project, role_name: resourceName } }
  }
  if (resourceName.startsWith('groups/')) {
    return {
      type: 'audited_resource',
      labels: { service: method.serviceName, method: method.methodName },
    }
  }
  if (projectId !== undefined) return { type: 'project', labels: { project_id: projectId } }
  return { type: 'organization', labels: { organization_id: organizationId ?? '' } }
}

function locationOf(resourceName: string): string | undefined {
  return /\/locations\/([^/]+)/.exec(resourceName)?.[1]
}

/** The stored record of one audit entry (its LogEntry plus the columns that select it). */
export function auditEntry(e: AuditEvent, resource: MonitoredResource): AuditEntryRecord {
  const failed = e.error !== undefined
  const denied = failed && e.error?.code === Code.PERMISSION_DENIED
  const permission = denied
    ? (e.error?.metadata?.['permission'] ?? e.authorization?.permission)
    : e.authorization?.permission
  const authResource = denied
    ? (e.error?.metadata?.['resource'] ?? e.authorization?.resource)
    : e.authorization?.resource
  const location = locationOf(e.resourceName)
  const payload: Record<string, unknown> = {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    // Compat: `{}` on success, a google.rpc.Status (numeric code) on failure.
    status: failed ? { code: e.error?.code, message: e.error?.message } : {},
    authenticationInfo: {
      ...(e.principalEmail === undefined ? {} : { principalEmail: e.principalEmail }),
      ...(e.principalSubject === undefined ? {} : { principalSubject: e.principalSubject }),
    },
    requestMetadata: {
      callerIp: e.callerIp,
      ...(e.userAgent === undefined ? {} : { callerSuppliedUserAgent: e.userAgent }),
      requestAttributes: { time: e.time, auth: {} },
      destinationAttributes: {},
    },
    serviceName: e.method.serviceName,
    methodName: e.method.methodName,
    ...(permission === undefined
      ? {}
      : {
          authorizationInfo: [
            {
              resource: authResource ?? e.resourceName,
              permission,
              granted: !denied,
              resourceAttributes: {},
              permissionType: e.method.permissionType,
            },
          ],
        }),
    resourceName: e.resourceName,
    ...(e.policyDelta === undefined
      ? {}
      : {
          // Compat: IAM's own SetIamPolicy entries carry google.iam.v1.logging.AuditData here.
          serviceData: {
            '@type': 'type.googleapis.com/google.iam.v1.logging.AuditData',
            policyDelta: e.policyDelta,
          },
        }),
    ...(e.request === undefined ? {} : { request: e.request }),
    ...(e.response === undefined || failed ? {} : { response: e.response }),
    ...(location === undefined ? {} : { resourceLocation: { currentLocations: [location] } }),
  }
  const logName = `${e.parent}/logs/${e.dataAccess === true ? DATA_ACCESS_LOG : ACTIVITY_LOG}`
  const entry = {
    insertId: e.insertId,
    logName,
    protoPayload: payload,
    receiveTimestamp: e.receiveTime,
    resource,
    // Compat: NOTICE for admin activity, INFO for data access, ERROR for failed calls.
    severity: failed ? 'ERROR' : e.dataAccess === true ? 'INFO' : 'NOTICE',
    timestamp: e.time,
  }
  return {
    insertId: e.insertId,
    timestamp: e.time,
    logName,
    parent: e.parent,
    resourceName: e.resourceName,
    methodName: e.method.methodName,
    principal: e.principalEmail ?? e.principalSubject ?? '',
    entry,
  }
}
