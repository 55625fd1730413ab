// Finding and authorizing a service account by the name a caller gave (email or unique id,
// project `-` or the account's own project), shared by the account, key and token services.
import { permissionDenied } from '@runiam/core'
import type { ServiceAccountRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import type { ServiceContext } from '../context.js'
import {
  parseServiceAccountName,
  serviceAccountName,
  type SaName,
} from './service-account-model.js'

export class ServiceAccountAccess {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /**
   * The service account a name designates (email or unique id; project `-` or the account's own
   * project), or undefined.
   */
  async find(parsed: SaName): Promise<ServiceAccountRecord | undefined> {
    const sa = await this.#ctx.store.getServiceAccount(parsed.account)
    if (sa === undefined || parsed.project === '-' || parsed.project === sa.projectId) return sa
    const project = await this.#ctx.checker.project(parsed.project)
    return project?.projectId === sa.projectId ? sa : undefined
  }

  /**
   * Checks `permission` on the service account `given` names: through its own policy when it
   * exists, else through what the name's project inherits. Denied the same way either way.
   */
  async authorize(
    caller: Caller,
    permission: string,
    given: string,
    withKey = false,
  ): Promise<{ sa: ServiceAccountRecord | undefined; parsed: SaName }> {
    const parsed = parseServiceAccountName(given, withKey)
    const sa = await this.find(parsed)
    const resource =
      sa === undefined
        ? `projects/${parsed.project}/serviceAccounts/${parsed.account}`
        : serviceAccountName(sa)
    const d = await this.#ctx.checker.decide(caller, permission, resource)
    const shown = withKey ? given.split('/').slice(0, 4).join('/') : given
    if (!d.allowed) throw permissionDenied(permission, shown)
    return { sa, parsed }
  }
}
