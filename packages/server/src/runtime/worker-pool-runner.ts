// Runs Cloud Run worker pools as local processes: a worker pool whose first container has a
// `command` gets one process per instance (scaling.manualInstanceCount, default 1, at most
// MAX_LOCAL_INSTANCES; 0 runs none), started as soon as the pool is created and kept running
// (restarted with backoff when it exits), replaced when the pool changes, stopped when it is
// deleted and when the server stops. The store's change feed says when to look again; the
// ProcessSupervisor (without ports) does the rest. Output goes to the supervisor's logs, which
// entries:list serves as resource.type cloud_run_worker_pool.
//
// Trust boundary: as for services (process-supervisor.ts): whoever may create or update a worker
// pool may run any program as the server's OS user. Only with --local-processes.
import type { ResourceRecord, Store } from '@runiam/store'
import type { ProcessRoute, ProcessSupervisor } from './process-supervisor.js'

/** The most processes one worker pool gets here, whatever its manualInstanceCount says. */
export const MAX_LOCAL_INSTANCES = 10

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x)

/** How many processes a stored worker pool body asks for here. */
export function localInstances(body: Readonly<Record<string, unknown>>): number {
  const scaling = body['scaling']
  const count = isObject(scaling) ? scaling['manualInstanceCount'] : undefined
  const n = typeof count === 'number' && Number.isInteger(count) && count >= 0 ? count : 1
  return Math.min(n, MAX_LOCAL_INSTANCES)
}

/** The processes a stored worker pool runs: none without a command, one route per instance. */
export function workerPoolRoutes(record: ResourceRecord): ProcessRoute[] {
  const body = record.body
  const template = isObject(body['template']) ? body['template'] : {}
  const containers = Array.isArray(template['containers']) ? template['containers'] : []
  const first: unknown = containers[0]
  if (!isObject(first)) return []
  const command = strings(first['command'])
  if (command.length === 0) return []
  const env = Object.fromEntries(
    (Array.isArray(first['env']) ? first['env'] : [])
      .filter(
        (e): e is { name: string; value: string } =>
          isObject(e) && typeof e['name'] === 'string' && typeof e['value'] === 'string',
      )
      .map((e) => [e.name, e.value]),
  )
  const latest = body['latestReadyRevision'] ?? body['latestCreatedRevision']
  const revision =
    typeof latest === 'string' && latest !== '' ? latest.split('/').at(-1) : undefined
  const container = { command, args: strings(first['args']), env }
  return Array.from({ length: localInstances(body) }, (_v, instance) => ({
    name: record.name,
    kind: 'workerPool' as const,
    instance,
    etag: record.etag,
    ...(revision === undefined ? {} : { revision }),
    container,
  }))
}

export interface WorkerPoolRunnerOptions {
  readonly store: Store
  /** A supervisor of its own (its logs and working folders are the worker pools'). */
  readonly supervisor: ProcessSupervisor
  log?(entry: Record<string, unknown>): void
}

export class WorkerPoolRunner {
  readonly #options: WorkerPoolRunnerOptions
  #unsubscribe: (() => void) | undefined
  /** Syncs run one after another; a change during a sync asks for one more. */
  #running: Promise<void> | undefined
  #again = false
  #closed = false

  constructor(options: WorkerPoolRunnerOptions) {
    this.#options = options
  }

  /** Starts the worker pools that exist now and follows the store's changes. */
  start(): Promise<void> {
    this.#unsubscribe = this.#options.store.onChange((changes) => {
      const stale = (kind: string): boolean =>
        kind === 'resource' || kind === 'project' || kind === 'reset'
      if (changes.some((c) => stale(c.kind))) void this.refresh()
    })
    return this.refresh()
  }

  /** Brings the processes in line with the stored worker pools (resolves when done). */
  refresh(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    if (this.#running !== undefined) {
      this.#again = true
      return this.#running
    }
    const run = async (): Promise<void> => {
      do {
        this.#again = false
        try {
          const records = await this.#options.store.listAllResources('workerPool')
          if (this.#closed) return
          await this.#options.supervisor.keep(records.flatMap(workerPoolRoutes))
        } catch (err) {
          this.#options.log?.({ event: 'worker_pool_sync_failed', error: String(err) })
        }
      } while (this.#again && !this.#closed)
    }
    this.#running = run().finally(() => {
      this.#running = undefined
    })
    return this.#running
  }

  /** Stops following changes and stops every worker pool process. */
  async close(): Promise<void> {
    this.#closed = true
    this.#unsubscribe?.()
    await this.#running
    await this.#options.supervisor.close()
  }
}
