// operations.get for Cloud Run v2 (`projects/P/locations/L/operations/ID`) and Resource Manager
// (`operations/cp.N`): every write stored its finished Operation, so a poll reads it back.
import { Code, IamError } from '@runiam/core'
import type { Caller } from './caller.js'
import type { ServiceContext } from './context.js'
import { presentAs } from './names.js'

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

  /** Compat: run.projects.locations.operations.get (run.operations.get on the location). */
  async getRun(caller: Caller, name: string): Promise<Record<string, unknown>> {
    const [, project = '', , location = '', , id = ''] = name.split('/')
    await this.#ctx.checker.require(
      caller,
      'run.operations.get',
      `projects/${project}/locations/${location}`,
    )
    const p = await this.#ctx.checker.project(project)
    if (p === undefined) throw operationNotFound(name)
    const rec = await this.#ctx.store.getOperation(
      `projects/${p.projectId}/locations/${location}/operations/${id}`,
    )
    if (rec === undefined) throw operationNotFound(name)
    return presentAs({ ...rec.body }, p.projectId, project)
  }

  /**
   * Compat: cloudresourcemanager operations.get. The operation is checked against the project it
   * created (resourcemanager.projects.get), since it reveals that project.
   */
  async getCrm(caller: Caller, name: string): Promise<Record<string, unknown>> {
    const rec = await this.#ctx.store.getOperation(name)
    if (rec === undefined) throw operationNotFound(name)
    const { projectId, ...op } = rec.body
    await this.#ctx.checker.require(
      caller,
      'resourcemanager.projects.get',
      `projects/${String(projectId)}`,
    )
    return op
  }
}
