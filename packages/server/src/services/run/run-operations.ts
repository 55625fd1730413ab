// Cloud Run's google.longrunning.Operations (v1 and v2 alike): get, list, wait and delete over
// the operations every long-running method stored (services, worker pools, and any resource
// kind that stores its Operation under `projects/P/locations/L/operations/ID`). Each is
// authorized on the location (run.operations.get / list / delete; wait uses get) before anything
// is looked up, so a stranger learns nothing about which operations exist (AIP-211).
import type { ListOperationsResponse, Operation } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { OperationRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, type ServiceContext } from '../context.js'
import { invalidArgument, parsePageSize, presentAs } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import { matchesOperation, parseOperationFilter } from './operation-filter.js'

/** How long operations.wait waits when the request names no timeout, and at most. */
export const MAX_WAIT_MS = 60_000
/** How often a wait re-reads the operation, for writes by other replicas (PostgreSQL). */
const WAIT_POLL_MS = 1000

function operationNotFound(name: string): IamError {
  return new IamError(Code.NOT_FOUND, 'RESOURCE_NOT_FOUND', `Operation '${name}' not found.`, {
    metadata: { name },
  })
}

/** `projects/P/locations/L/operations/ID` split, with P as given. */
function parseOperationName(name: string): { project: string; location: string; id: string } {
  const p = name.split('/')
  if (p.length !== 6 || p[0] !== 'projects' || p[2] !== 'locations' || p[4] !== 'operations') {
    throw invalidArgument('name', `Invalid operation name '${name}'.`)
  }
  return { project: p[1] ?? '', location: p[3] ?? '', id: p[5] ?? '' }
}

/** WaitOperationRequest.timeout: a google.protobuf.Duration in JSON (`"30s"`, `"0.5s"`). */
function parseTimeout(body: unknown): number {
  const raw = isObject(body) ? body['timeout'] : undefined
  if (raw === undefined || raw === null) return MAX_WAIT_MS
  const m = typeof raw === 'string' ? /^(\d{1,12})(?:\.(\d{1,9}))?s$/.exec(raw) : null
  if (m === null) {
    throw invalidArgument(
      'timeout',
      `Invalid value at 'timeout' (type.googleapis.com/google.protobuf.Duration), ${JSON.stringify(raw)}`,
    )
  }
  const ms = Number(m[1]) * 1000 + Math.floor(Number(`0.${m[2] ?? '0'}`) * 1000)
  return Math.min(ms, MAX_WAIT_MS)
}

export class RunOperations {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /** The stored record of `name` (as the caller spelled it), after authorization. */
  async #read(
    name: string,
  ): Promise<{ canonical: string; projectId: string; record?: OperationRecord }> {
    const ref = parseOperationName(name)
    const p = await this.#ctx.checker.project(ref.project)
    if (p === undefined) throw operationNotFound(name)
    const canonical = `projects/${p.projectId}/locations/${ref.location}/operations/${ref.id}`
    const record = await this.#ctx.store.getOperation(canonical)
    return { canonical, projectId: p.projectId, ...(record === undefined ? {} : { record }) }
  }

  #present(record: OperationRecord, projectId: string, given: string): Operation {
    return presentAs({ ...record.body } as unknown as Operation, projectId, given)
  }

  async #authorize(caller: Caller, permission: string, name: string): Promise<void> {
    const ref = parseOperationName(name)
    await this.#ctx.checker.require(
      caller,
      permission,
      `projects/${ref.project}/locations/${ref.location}`,
    )
  }

  /** Compat: run.projects.locations.operations.get (run.operations.get on the location). */
  async get(caller: Caller, name: string): Promise<Operation> {
    await this.#authorize(caller, 'run.operations.get', name)
    const { record, projectId } = await this.#read(name)
    if (record === undefined) throw operationNotFound(name)
    return this.#present(record, projectId, parseOperationName(name).project)
  }

  /**
   * Compat: run.projects.locations.operations.list: the location's operations in the order they
   * were made (location `-`: every location of the project), paged, filtered (operation-filter.ts).
   */
  async list(
    caller: Caller,
    parent: string,
    query: {
      filter?: string | undefined
      pageSize?: string | undefined
      pageToken?: string | undefined
    },
  ): Promise<ListOperationsResponse> {
    const [, project = '', , location = ''] = parent.split('/')
    await this.#ctx.checker.require(caller, 'run.operations.list', parent)
    const clauses = parseOperationFilter(query.filter ?? '')
    const size = parsePageSize(query.pageSize)
    const p = await this.#ctx.checker.project(project)
    if (p === undefined) throw projectNotFound(project)
    const prefix =
      location === '-'
        ? `projects/${p.projectId}/locations/`
        : `projects/${p.projectId}/locations/${location}/operations/`
    // A filtered page may hold fewer than pageSize operations, or none, while more follow
    // (AIP-158 allows it): the page is cut from the store first, then filtered.
    const page = await this.#ctx.store.listOperations(prefix, {
      ...(size > 0 ? { pageSize: size } : {}),
      ...(query.pageToken !== undefined && query.pageToken !== ''
        ? { pageToken: query.pageToken }
        : {}),
    })
    const operations = page.items
      .filter((r) => r.name.split('/')[4] === 'operations')
      .filter((r) => matchesOperation(r.body, clauses))
      .map((r) => this.#present(r, p.projectId, project))
    return {
      ...(operations.length > 0 ? { operations } : {}),
      ...(page.nextPageToken !== undefined ? { nextPageToken: page.nextPageToken } : {}),
    }
  }

  /**
   * Compat: run.projects.locations.operations.wait: the operation once it is done, or as it is
   * when `timeout` (at most MAX_WAIT_MS, which is also the default) has passed. Operations of
   * this process's writes wake it at once; others are re-read every second.
   */
  async wait(caller: Caller, name: string, body: unknown): Promise<Operation> {
    await this.#authorize(caller, 'run.operations.get', name)
    const timeoutMs = parseTimeout(body)
    const given = parseOperationName(name).project
    const first = await this.#read(name)
    if (first.record === undefined) throw operationNotFound(name)
    if (first.record.body['done'] === true || timeoutMs === 0) {
      return this.#present(first.record, first.projectId, given)
    }
    let expired = false
    let wake: () => void = () => {}
    const deadline = setTimeout(() => {
      expired = true
      wake()
    }, timeoutMs)
    const unsubscribe = this.#ctx.store.onChange((changes) => {
      // 'reset': the feed cannot say what changed, so look again.
      if (
        changes.some(
          (c) => c.kind === 'reset' || (c.kind === 'operation' && c.name === first.canonical),
        )
      ) {
        wake()
      }
    })
    try {
      for (;;) {
        await new Promise<void>((resolve) => {
          const poll = setTimeout(resolve, WAIT_POLL_MS)
          wake = () => {
            clearTimeout(poll)
            resolve()
          }
        })
        const now = await this.#ctx.store.getOperation(first.canonical)
        if (now === undefined) throw operationNotFound(name)
        if (now.body['done'] === true || expired) return this.#present(now, first.projectId, given)
      }
    } finally {
      clearTimeout(deadline)
      unsubscribe()
    }
  }

  /** Compat: run.projects.locations.operations.delete: forgets the operation; answers `{}`. */
  async delete(caller: Caller, name: string): Promise<Record<string, never>> {
    await this.#authorize(caller, 'run.operations.delete', name)
    const ref = parseOperationName(name)
    const p = await this.#ctx.checker.project(ref.project)
    if (p === undefined) throw operationNotFound(name)
    const canonical = `projects/${p.projectId}/locations/${ref.location}/operations/${ref.id}`
    await this.#ctx.store.transact(async (tx) => {
      if ((await tx.getOperation(canonical)) === undefined) throw operationNotFound(name)
      await tx.deleteOperation(canonical)
    })
    return {}
  }
}
