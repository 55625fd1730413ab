// The primary of `runiam serve --workers N` (node:cluster): it serves nothing itself. It starts
// one worker that does the one-time start-up (data folder, migrations, organization, bootstrap
// account and key file, demo) alone, then the others on the same port; relays the settle protocol
// between them (SettleCoordinator); restarts a worker that dies, with backoff; and stops them all.
import cluster, { type Worker } from 'node:cluster'
import { fileURLToPath } from 'node:url'
import { Code, IamError } from '@runiam/core'
import type { ServerConfig } from '../config/schema.js'
import type { LogWriter } from '../observability/buffered-log.js'
import { isRuniamMessage, type ServerSummary, type ToPrimary } from './cluster-messages.js'
import './reasons.js'
import { SettleCoordinator } from './settle-coordinator.js'

export interface RunningCluster {
  readonly summary: ServerSummary
  /** The live workers' process ids (tests, diagnostics). */
  pids(): number[]
  /** Stops every worker (gracefully, then SIGKILL after `graceMs`) and resolves once all exited. */
  close(): Promise<void>
}

export interface ClusterOptions {
  readonly log: LogWriter
  /** A worker that lived this long before dying restarts at once (its backoff is reset). */
  readonly healthyAfterMs?: number
  readonly graceMs?: number
}

const FIRST_BACKOFF_MS = 250
const MAX_BACKOFF_MS = 30_000

export async function runCluster(
  config: ServerConfig,
  options: ClusterOptions,
): Promise<RunningCluster> {
  const { log } = options
  const healthyAfterMs = options.healthyAfterMs ?? 30_000
  const graceMs = options.graceMs ?? 15_000
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('../worker-main.js', import.meta.url)),
    args: [],
    silent: false,
  })
  // A worker that has not applied a write 1.5 s after it was asked (hung, stopped, its event loop
  // blocked) or cannot is killed before the write is answered (the writer waits 2 s at most): it
  // would decide under the old policy the moment it runs again. It restarts and reads afresh.
  const coordinator = new SettleCoordinator({
    timeoutMs: 1_500,
    onLate: (id, reason) => {
      const late = cluster.workers?.[id]
      if (late === undefined || late.isDead()) return
      log({ event: 'worker_killed', workerPid: late.process.pid, reason })
      late.process.kill('SIGKILL')
    },
  })
  /** Slot index → its current worker; a slot keeps its backoff across restarts. */
  const slots: {
    worker?: Worker | undefined
    failures: number
    timer?: NodeJS.Timeout | undefined
  }[] = Array.from({ length: config.workers }, () => ({ failures: 0 }))
  let port: number | undefined
  let stopping = false

  function fork(slot: number, setup: boolean): Promise<ServerSummary> {
    const worker = cluster.fork()
    const state = slots[slot] as (typeof slots)[number]
    state.worker = worker
    const pid = worker.process.pid ?? 0
    const started = Date.now()
    // A send to a worker that is exiting fails; its exit is handled below, so it is only logged.
    worker.on('error', (err) =>
      log({ event: 'worker_ipc_error', worker: slot + 1, workerPid: pid, error: String(err) }),
    )
    return new Promise<ServerSummary>((resolve, reject) => {
      let ready = false
      worker.on('message', (m: unknown) => {
        if (!isRuniamMessage(m)) return
        const message = m as ToPrimary
        if (coordinator.receive(worker.id, message)) return
        if (message.runiam === 'hello') {
          // Stopping already: the stop sent while it loaded was lost (no listener yet); never start it.
          if (stopping) {
            worker.send({ runiam: 'stop' })
            return
          }
          // It counts from now: it listens for refresh requests (one sent earlier would be lost
          // while it loads), and every write settled before now committed before it opens its
          // store, so it reads those from the database.
          coordinator.add(worker.id, `worker ${slot + 1} (pid ${pid})`, (m) => {
            if (worker.isConnected()) worker.send(m)
          })
          worker.send({ runiam: 'start', config, setup, ...(port === undefined ? {} : { port }) })
        } else if (message.runiam === 'ready') {
          ready = true
          resolve(message.summary)
        } else if (message.runiam === 'failed' && !ready) {
          reject(new IamError(message.code as Code, message.reason, message.message))
        }
      })
      worker.once('exit', (code, signal) => {
        coordinator.remove(worker.id)
        if (state.worker === worker) state.worker = undefined
        if (!ready)
          reject(new Error(`worker ${slot + 1} exited (${signal ?? code}) while starting`))
        if (stopping) {
          log({ event: 'worker_stopped', worker: slot + 1, workerPid: pid, code, signal })
          return
        }
        if (!ready && port === undefined) return // start-up failed: runCluster reports it
        state.failures = Date.now() - started >= healthyAfterMs ? 0 : state.failures + 1
        const delay =
          state.failures === 0
            ? 0
            : Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (state.failures - 1))
        log({
          event: 'worker_exited',
          worker: slot + 1,
          workerPid: pid,
          code,
          signal,
          restartInMs: delay,
        })
        state.timer = setTimeout(() => {
          state.timer = undefined
          if (stopping) return
          fork(slot, false).then(
            () =>
              log({
                event: 'worker_restarted',
                worker: slot + 1,
                workerPid: state.worker?.process.pid,
              }),
            (err: unknown) =>
              log({ event: 'worker_restart_failed', worker: slot + 1, error: String(err) }),
          )
        }, delay)
      })
    })
  }

  async function close(): Promise<void> {
    stopping = true
    const live: Worker[] = []
    for (const s of slots) {
      if (s.timer !== undefined) clearTimeout(s.timer)
      if (s.worker !== undefined) live.push(s.worker)
    }
    await Promise.all(
      live.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve()
            w.once('exit', () => resolve())
            const kill = setTimeout(() => w.process.kill('SIGKILL'), graceMs)
            kill.unref()
            w.once('exit', () => clearTimeout(kill))
            if (w.isConnected()) w.send({ runiam: 'stop' })
            else w.process.kill('SIGTERM')
          }),
      ),
    )
  }

  let summary: ServerSummary
  try {
    summary = await fork(0, true)
    port = summary.port
    await Promise.all(slots.slice(1).map((_, i) => fork(i + 1, false)))
  } catch (err) {
    await close()
    if (err instanceof IamError) throw err
    throw new IamError(Code.UNAVAILABLE, 'WORKER_START_FAILED', (err as Error).message, {
      cause: err,
    })
  }
  return {
    summary,
    pids: () =>
      slots.flatMap((s) => (s.worker?.process.pid === undefined ? [] : [s.worker.process.pid])),
    close,
  }
}
