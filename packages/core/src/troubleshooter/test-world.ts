// Test support for the troubleshooter's tests: a TroubleshootInput over hand-written or random
// policies on the path organization → project → service, compiled as the server compiles them,
// and deny policies on the project and the organization.
import { compilePolicy, type CustomRoleResolver, type PrincipalSet } from '../authorizer/index.js'
import { toFullResourceName } from '../analyzer/full-resource-name.js'
import type { Policy } from '../policy/types.js'
import { permissionsOf } from '../roles/catalog.js'
import { compileDenyPolicy } from '../deny/compile-deny-policy.js'
import { denyPoliciesParent } from '../deny/deny-policy-name.js'
import type { DenyPolicy, PolicyRule } from '../deny/types.js'
import { validateDenyPolicy } from '../deny/validate-deny-policy.js'
import type { DenyAttachment, TroubleshootAttributes, TroubleshootInput } from './types.js'

export const SERVICE = 'projects/p0/locations/us-central1/services/s0'
export const PROJECT = 'projects/p0'
export const ORG = 'organizations/1'

export interface Level {
  readonly resource: string
  readonly policy: Policy
  readonly visible?: boolean
}

/** Custom roles of the test worlds (what they hold). */
export const CUSTOM: Readonly<Record<string, readonly string[]>> = {
  'projects/p0/roles/invoker': ['run.routes.invoke', 'run.services.get'],
  'organizations/1/roles/viewer': ['run.services.get', 'run.services.getIamPolicy'],
}

export const customRoles: CustomRoleResolver = (role) => {
  const p = CUSTOM[role]
  return p === undefined ? undefined : new Set(p)
}

/** The input for `principal` asking `permission` on `resource`; `levels` most specific first. */
export function inputFor(options: {
  principal: string
  principals: PrincipalSet
  permission: string
  levels: readonly Level[]
  attributes?: TroubleshootAttributes
  resource?: string
  groupsKnown?: boolean
}): TroubleshootInput {
  const resource = options.resource ?? SERVICE
  return {
    accessTuple: {
      principal: options.principal,
      fullResourceName: toFullResourceName(resource),
      permission: options.permission,
    },
    principals: options.principals,
    permission: options.permission,
    resource,
    policies: options.levels.map((l) => ({
      fullResourceName: toFullResourceName(l.resource),
      compiled: compilePolicy(l.resource, l.policy, { customRoles }),
      policy: l.policy,
      visible: l.visible ?? true,
    })),
    attributes: options.attributes ?? {},
    rolePermissions: (_resource, role) => permissionsOf(role) ?? customRoles(role),
    groupsKnown: options.groupsKnown ?? true,
  }
}

/** Deny rules attached to one point of the test world (the project, or the organization). */
export interface DenyLevel {
  readonly point: 'project' | 'organization'
  readonly rules: readonly PolicyRule[]
  readonly visible?: boolean
}

const POINTS = {
  project: 'cloudresourcemanager.googleapis.com/projects/100',
  organization: 'cloudresourcemanager.googleapis.com/organizations/1',
} as const

/** The deny attachments of `levels` (project first), one policy each, validated and compiled. */
export function denyAttachmentsFor(levels: readonly DenyLevel[]): DenyAttachment[] {
  return levels.map((l) => {
    const visible = l.visible ?? true
    if (l.rules.length === 0 || !visible) {
      return { fullResourceName: `//${POINTS[l.point]}`, visible, policies: [] }
    }
    const content = validateDenyPolicy({ rules: l.rules })
    const name = `${denyPoliciesParent(POINTS[l.point])}/deny-${l.point}`
    const policy: DenyPolicy = {
      ...content,
      name,
      uid: '00000000-0000-0000-0000-000000000000',
      kind: 'DenyPolicy',
      etag: 'W/"1"',
      createTime: '2026-01-01T00:00:00Z',
      updateTime: '2026-01-01T00:00:00Z',
    }
    return {
      fullResourceName: `//${POINTS[l.point]}`,
      visible,
      policies: [{ compiled: compileDenyPolicy(name, content), policy }],
    }
  })
}
