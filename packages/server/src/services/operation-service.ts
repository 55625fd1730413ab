// operations.get for Resource Manager (`operations/cp.N`): every project create stored its
// finished Operation, so a poll reads it back. Cloud Run's operations are run/run-operations.ts.
import type { Operation } from '@runiam/api'
import { Code, IamError, permissionDenied } from '@runiam/core'
import type { Caller } from './caller.js'
import type { ServiceContext } from './context.js'

function operationNotFound(name: string): IamError {
  return new IamError(Code.NOT_FOUND, 'RESOURCE_NOT_FOUND', `Operation '${name}' not found.`, {
    metadata: { name },
  })
}

export class OperationService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /**
   * Compat: cloudresourcemanager operations.get. The operation is checked against the project it
   * created (resourcemanager.projects.get), since it reveals that project. An operation that does
   * not exist names no project: only a caller who could read every project (the permission on
   * the organization) learns that it does not exist; anyone else gets the same PERMISSION_DENIED
   * as for an existing one (AIP-211).
   */
  async getCrm(caller: Caller, name: string): Promise<Operation> {
    const rec = await this.#ctx.store.getOperation(name)
    if (rec === undefined) {
      const org = await this.#ctx.checker.organization()
      const scope = org === undefined ? name : `organizations/${org.id}`
      const d = await this.#ctx.checker.decide(caller, 'resourcemanager.projects.get', scope)
      if (!d.allowed) throw permissionDenied('resourcemanager.projects.get', name)
      throw operationNotFound(name)
    }
    const { projectId, ...op } = rec.body
    await this.#ctx.checker.require(
      caller,
      'resourcemanager.projects.get',
      `projects/${String(projectId)}`,
    )
    return op as unknown as Operation
  }
}
