// The organization node (Resource Manager v1 and v3 shapes) and the policy target for its IAM.
// Compat: cloudresourcemanager organizations.get / getIamPolicy / setIamPolicy / testIamPermissions.
import type { OrganizationV1, OrganizationV3 } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { OrganizationRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import type { ServiceContext } from '../context.js'
import type { PolicyTarget } from '../policy-target.js'

export type CrmVersion = 'v1' | 'v3'

export function organizationNotFound(name: string): IamError {
  return new IamError(Code.NOT_FOUND, 'RESOURCE_NOT_FOUND', `Organization '${name}' not found.`, {
    metadata: { name },
  })
}

export function renderOrganization(org: OrganizationRecord, version: 'v1'): OrganizationV1
export function renderOrganization(org: OrganizationRecord, version: 'v3'): OrganizationV3
export function renderOrganization(
  org: OrganizationRecord,
  version: CrmVersion,
): OrganizationV1 | OrganizationV3
export function renderOrganization(
  org: OrganizationRecord,
  version: CrmVersion,
): OrganizationV1 | OrganizationV3 {
  const name = `organizations/${org.id}`
  if (version === 'v1') {
    return {
      name,
      displayName: org.displayName,
      owner: { directoryCustomerId: `C${org.id}` },
      creationTime: org.createTime,
      lifecycleState: 'ACTIVE',
    }
  }
  return {
    name,
    displayName: org.displayName,
    directoryCustomerId: `C${org.id}`,
    state: 'ACTIVE',
    createTime: org.createTime,
    updateTime: org.createTime,
    etag: btoa(`${org.id}/${org.createTime}`),
  }
}

export class OrganizationService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  async get(
    caller: Caller,
    name: string,
    version: CrmVersion,
  ): Promise<OrganizationV1 | OrganizationV3> {
    await this.#ctx.checker.require(caller, 'resourcemanager.organizations.get', name)
    const org = await this.#ctx.checker.organization()
    if (org === undefined || `organizations/${org.id}` !== name) throw organizationNotFound(name)
    return renderOrganization(org, version)
  }

  /** `organizations/{id}` as a policy target. allUsers is refused by the policy rules. */
  target(name: string): PolicyTarget {
    return {
      name,
      type: 'organization',
      permissionPrefix: 'resourcemanager.organizations',
      resolve: async () => {
        const org = await this.#ctx.checker.organization()
        return org !== undefined && `organizations/${org.id}` === name ? name : undefined
      },
      notFound: () => organizationNotFound(name),
    }
  }
}
