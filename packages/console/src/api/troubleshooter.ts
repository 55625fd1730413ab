// Policy Troubleshooter for the console (POST /v3/iam:troubleshoot, Google's v3 shape): the
// question as an access tuple, and the answer as the rows a person reads — each policy on the
// path and each binding that matters, with the ones that grant marked.
import type { TroubleshootIamPolicyResponse } from '@runiam/api'
import { api } from './console-api.js'

export interface TroubleshootQuestion {
  readonly principal: string
  readonly permission: string
  readonly fullResourceName: string
  readonly host?: string
  readonly path?: string
}

export function troubleshootAccess(
  q: TroubleshootQuestion,
): Promise<TroubleshootIamPolicyResponse> {
  const request: Record<string, string> = { receiveTime: new Date().toISOString() }
  if (q.host !== undefined && q.host !== '') request['host'] = q.host
  if (q.path !== undefined && q.path !== '') request['path'] = q.path
  return api().request<TroubleshootIamPolicyResponse>('POST', '/v3/iam:troubleshoot', {
    body: {
      accessTuple: {
        principal: q.principal,
        fullResourceName: q.fullResourceName,
        permission: q.permission,
        conditionContext: { request },
      },
    },
  })
}

export interface BindingRow {
  /** The policy's full resource name; undefined: a policy the caller may not read. */
  readonly resource: string | undefined
  readonly role: string
  /** Members that match the principal (or might: unknown group memberships). */
  readonly members: readonly string[]
  readonly condition?: string
  /** GRANTED, NOT_GRANTED, UNKNOWN_CONDITIONAL, UNKNOWN_INFO (without the prefix). */
  readonly state: string
  readonly roleHolds: boolean
}

/** The bindings worth showing: those whose role holds the permission or whose member matches. */
export function bindingRows(r: TroubleshootIamPolicyResponse): BindingRow[] {
  const rows: BindingRow[] = []
  for (const p of r.allowPolicyExplanation.explainedPolicies) {
    for (const b of p.bindingExplanations ?? []) {
      const members = Object.entries(b.memberships)
        .filter(([, m]) => m.membership !== 'MEMBERSHIP_NOT_MATCHED')
        .map(([member]) => member)
      const roleHolds = b.rolePermission === 'ROLE_PERMISSION_INCLUDED'
      if (!roleHolds && members.length === 0) continue
      rows.push({
        resource: p.fullResourceName,
        role: b.role,
        members,
        ...(b.condition === undefined ? {} : { condition: b.condition.expression }),
        state: b.allowAccessState.replace('ALLOW_ACCESS_STATE_', ''),
        roleHolds,
      })
    }
  }
  return rows
}

/** How many policies on the path the caller may not read. */
export function hiddenPolicies(r: TroubleshootIamPolicyResponse): number {
  return r.allowPolicyExplanation.explainedPolicies.filter((p) => p.fullResourceName === undefined)
    .length
}
