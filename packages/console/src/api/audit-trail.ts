// A resource's audit trail: its Cloud Audit Logs entries (docs/audit.md), newest first, through
// Cloud Logging's entries:list, flattened into what a person reads — when, who, what, the outcome
// and the policy changes.
import type { ListLogEntriesResponse } from '@runiam/api'
import { api } from './console-api.js'

export interface AuditRow {
  readonly insertId: string
  readonly timestamp: string
  readonly principal: string
  /** The RPC's short name, e.g. SetIamPolicy (v2). */
  readonly method: string
  readonly denied: boolean
  /** A failure's status message, when the call failed. */
  readonly error?: string
  /** `+ roles/run.invoker allUsers`, `- roles/run.admin user:bob@example.com`. */
  readonly changes: readonly string[]
}

interface AuditPayload {
  readonly methodName?: string
  readonly authenticationInfo?: { readonly principalEmail?: string }
  readonly authorizationInfo?: readonly { readonly granted?: boolean }[]
  readonly status?: { readonly code?: number; readonly message?: string }
  readonly serviceData?: {
    readonly policyDelta?: {
      readonly bindingDeltas?: readonly {
        readonly action: string
        readonly role: string
        readonly member: string
        readonly condition?: { readonly title?: string }
      }[]
    }
  }
}

const quote = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`

/** `google.cloud.run.v2.Services.SetIamPolicy` → `SetIamPolicy (v2)`. */
function shortMethod(name: string): string {
  const m = /\.(v\d+)\.[A-Za-z]+\.([A-Za-z]+)$/.exec(name)
  return m === null ? name : `${m[2]} (${m[1]})`
}

/** The newest `pageSize` audit entries naming `resourceName`, in the project's logs. */
export async function loadAuditTrail(
  project: string,
  resourceName: string,
  pageSize = 50,
): Promise<AuditRow[]> {
  const res = await api().request<ListLogEntriesResponse>('POST', '/v2/entries:list', {
    body: {
      resourceNames: [`projects/${project}`],
      filter: `logName:"cloudaudit.googleapis.com" AND protoPayload.resourceName=${quote(resourceName)}`,
      orderBy: 'timestamp desc',
      pageSize,
    },
  })
  return (res.entries ?? []).map((e) => {
    const p = (e.protoPayload ?? {}) as AuditPayload
    const failed = p.status?.code !== undefined && p.status.code !== 0
    return {
      insertId: e.insertId,
      timestamp: e.timestamp,
      principal: p.authenticationInfo?.principalEmail ?? '',
      method: shortMethod(p.methodName ?? ''),
      denied: p.authorizationInfo?.some((a) => a.granted === false) ?? false,
      ...(failed ? { error: p.status?.message ?? '' } : {}),
      changes: (p.serviceData?.policyDelta?.bindingDeltas ?? []).map(
        (d) =>
          `${d.action === 'ADD' ? '+' : '−'} ${d.role} ${d.member}${d.condition?.title === undefined ? '' : ` (if ${d.condition.title})`}`,
      ),
    }
  })
}
