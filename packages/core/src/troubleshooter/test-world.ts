// Test support for the troubleshooter's tests: a TroubleshootInput over hand-written or random
// policies on the path organization → project → service, compiled as the server compiles them.
import { compilePolicy, type CustomRoleResolver, type PrincipalSet } from '../authorizer/index.js'
import { toFullResourceName } from '../analyzer/full-resource-name.js'
import type { Policy } from '../policy/types.js'
import { permissionsOf } from '../roles/catalog.js'
import type { TroubleshootAttributes, TroubleshootInput } from './types.js'

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
