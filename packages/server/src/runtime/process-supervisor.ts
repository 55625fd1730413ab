// Runs services as local processes: the gateway's LocalRuntime. A service whose first container has
// a `command` gets one process, started from it on the first admitted request, with `PORT` (a free
// loopback port) and Cloud Run's K_SERVICE / K_REVISION / K_CONFIGURATION; requests wait until it
// accepts TCP connections on PORT. It is restarted with exponential backoff when it dies (a crash
// loop costs one start per backoff step, never a spinning CPU), replaced when the service changes
// (a redeploy: another etag or container), stopped when the service is deleted and on close
// (SIGTERM to its process group, SIGKILL after a grace period). Its output goes to ServiceLogs.
//
// Worker pools (routes of kind 'workerPool') run the same way without a port: `keep` starts each
// instance's process as soon as it is asked for, it counts as running once spawned, and it gets
// CLOUD_RUN_WORKER_POOL / CLOUD_RUN_WORKER_POOL_REVISION instead of PORT and K_*.
//
// Trust boundary: the command runs with the server's user and environment folder. Whoever can
// create or update a service or worker pool (run.services.create / update, run.workerpools.create
// / update) can run any program here.
import type { ChildProcess } from 'node:child_process'
import { connect, createServer } from 'node:net'
import { join } from 'node:path'
import { IamError, Code } from '@runiam/core'
import { captureLines } from './output-lines.js'
import { signalGroup, spawnGroup } from './process-group.js'
import './reasons.js'
import type { ServiceKey, ServiceLogs } from './service-logs.js'

/** What the supervisor needs of a service (the gateway's ServiceRoute has all of it). */
export interface ProcessRoute {
  /** projects/P/locations/R/services/S (or …/workerPools/W) */
  readonly name: string
  /** A service (listens on PORT, started by a request) or a worker pool (no port). */
  readonly kind?: 'service' | 'workerPool'
  /** A worker pool's instance number (0, 1, …): one process each; absent means one. */
  readonly instance?: number
  readonly etag: string
  /** The revision id (K_REVISION), e.g. hello-00002-abc; derived from the etag when absent. */
  readonly revision?: string
  readonly container?: {
    readonly command: readonly string[]
    readonly args: readonly string[]
    readonly env: Readonly<Record<string, string>>
  }
}

export interface ProcessSupervisorOptions {
  readonly logs: ServiceLogs
  /** Each service's working directory is {workDir}/{project}/{region}/{service}. */
  readonly workDir: string
  /** Inherited by every process (PATH, HOME, LANG), before the container's env. */
  readonly inheritedEnv?: Readonly<Record<string, string>>
  /** How long a new process has to accept connections on PORT (default 30 s). */
  readonly startDeadlineMs?: number
  /** Backoff between restarts of a dying process: doubles from `initial` up to `max` (1 s, 60 s). */
  readonly restartDelayMs?: { readonly initial: number; readonly max: number }
  /** A process that served at least this long before dying restarts without backoff (10 s). */
  readonly healthyAfterMs?: number
  /** SIGTERM → SIGKILL grace when stopping (default 10 s, Cloud Run's). */
  readonly stopGraceMs?: number
  now?(): number
  log?(entry: Record<string, unknown>): void
}

/** A service's process as tests and operators see it. */
export interface ProcessStatus {
  readonly state: 'starting' | 'running' | 'backoff' | 'stopped'
  readonly pid?: number
  readonly port?: number
  /** Processes started for this service since it was first requested (or last redeployed). */
  readonly starts: number
  /** Consecutive failed starts or early deaths. */
  readonly failures: number
}

interface Instance {
  child?: ChildProcess
  port?: number
  /** Where it listens; undefined for a worker pool, which listens nowhere. */
  ready: Promise<URL | undefined>
  readonly exited: Promise<void>
  markExited(): void
  hasExited: boolean
  listening: boolean
  stopping: boolean
  /** Killed for not listening in time (its exit keeps that as the slot's last error). */
  timedOut: boolean
  readonly startedAt: number
}

interface Slot {
  /** The route's name plus, for a worker pool instance, `#N`: the key of #slots. */
  readonly id: string
  readonly name: string
  readonly kind: 'service' | 'workerPool'
  readonly key: ServiceKey
  readonly fingerprint: string
  readonly revision: string
  readonly container: NonNullable<ProcessRoute['container']>
  instance?: Instance | undefined
  failures: number
  starts: number
  retryAt: number
  lastError?: string
  restartTimer?: ReturnType<typeof setTimeout> | undefined
  removed: boolean
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

function slotIdOf(route: ProcessRoute): string {
  return route.instance === undefined ? route.name : `${route.name}#${route.instance}`
}

function keyOf(name: string): ServiceKey {
  const p = name.split('/')
  return { project: p[1] ?? '', region: p[3] ?? '', service: p[5] ?? '' }
}

/** A short stable suffix from the etag, so K_REVISION changes with every deploy. */
function revisionFromEtag(service: string, etag: string): string {
  let h = 0
  for (let i = 0; i < etag.length; i++) h = (h * 31 + etag.charCodeAt(i)) >>> 0
  return `${service}-${h.toString(36).padStart(7, '0').slice(0, 7)}`
}

/** The URL a service's process listens on (a worker pool's has none: a misuse). */
function listening(slot: Slot, url: URL | undefined): URL {
  if (url === undefined) {
    throw unavailable('PROCESS_START_FAILED', `Worker pool ${slot.name} does not listen on a port.`)
  }
  return url
}

function unavailable(reason: 'PROCESS_START_FAILED' | 'PROCESS_START_TIMEOUT', message: string) {
  return new IamError(Code.UNAVAILABLE, reason, message)
}

export class ProcessSupervisor {
  readonly #options: ProcessSupervisorOptions
  readonly #slots = new Map<string, Slot>()
  readonly #now: () => number
  #closed = false

  constructor(options: ProcessSupervisorOptions) {
    this.#options = options
    this.#now = options.now ?? Date.now
  }

  #log(entry: Record<string, unknown>): void {
    this.#options.log?.(entry)
  }

  #note(slot: Slot, text: string, severity: string): void {
    this.#options.logs.append(slot.key, 'system', text, slot.revision, severity)
  }

  /** Where the service's process listens, starting it if needed (the gateway's LocalRuntime). */
  async upstreamFor(route: ProcessRoute): Promise<URL> {
    if (this.#closed) {
      throw unavailable('PROCESS_START_FAILED', 'The server is shutting down.')
    }
    const container = route.container
    if (container === undefined || container.command.length === 0) {
      throw unavailable('PROCESS_START_FAILED', `Service ${route.name} has no container command.`)
    }
    const slot = this.#slotFor(route, container)
    if (slot.instance !== undefined) return listening(slot, await slot.instance.ready)
    const wait = slot.retryAt - this.#now()
    if (wait > 0) {
      throw unavailable(
        'PROCESS_START_FAILED',
        `Service ${route.name} is waiting to be restarted (${slot.lastError ?? 'it exited'}); next attempt in ${Math.ceil(wait / 1000)} s.`,
      )
    }
    return listening(slot, await this.#start(slot).ready)
  }

  /** The route's slot: the current one, or a new one when there is none or the route changed. */
  #slotFor(route: ProcessRoute, container: NonNullable<ProcessRoute['container']>): Slot {
    const id = slotIdOf(route)
    const fingerprint = JSON.stringify([route.etag, container])
    const slot = this.#slots.get(id)
    if (slot !== undefined && slot.fingerprint === fingerprint) return slot
    // A redeploy: the old process goes away in the background, the new one starts now.
    if (slot !== undefined) void this.#retire(slot)
    const key = keyOf(route.name)
    const fresh: Slot = {
      id,
      name: route.name,
      kind: route.kind ?? 'service',
      key,
      fingerprint,
      revision: route.revision ?? revisionFromEtag(key.service, route.etag),
      container,
      failures: 0,
      starts: 0,
      retryAt: 0,
      removed: false,
    }
    this.#slots.set(id, fresh)
    return fresh
  }

  /**
   * Keeps exactly these processes: those whose route is gone, has no command or changed are
   * stopped (as sync does), and every route with a command that has no process gets one now
   * (worker pools, which no request starts). A process that dies is restarted with backoff.
   */
  async keep(routes: Iterable<ProcessRoute>): Promise<void> {
    const list = [...routes]
    await this.sync(list)
    if (this.#closed) return
    for (const route of list) {
      const container = route.container
      if (container === undefined || container.command.length === 0) continue
      const slot = this.#slotFor(route, container)
      if (slot.instance === undefined && slot.restartTimer === undefined) this.#start(slot)
    }
  }

  #start(slot: Slot): Instance {
    if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer)
    slot.restartTimer = undefined
    let markExited = () => {}
    const exited = new Promise<void>((resolve) => (markExited = resolve))
    const inst: Instance = {
      ready: Promise.resolve(new URL('http://127.0.0.1')),
      exited,
      markExited,
      hasExited: false,
      listening: false,
      stopping: false,
      timedOut: false,
      startedAt: this.#now(),
    }
    slot.instance = inst
    slot.starts++
    inst.ready = this.#launch(slot, inst)
    // A start nobody waits for (a restart after a crash) must not become an unhandled rejection.
    inst.ready.catch(() => {})
    return inst
  }

  async #launch(slot: Slot, inst: Instance): Promise<URL | undefined> {
    const port = slot.kind === 'workerPool' ? undefined : await freePort()
    const what = slot.kind === 'workerPool' ? 'Worker pool' : 'Service'
    if (inst.stopping || this.#closed) {
      inst.hasExited = true
      inst.markExited()
      throw unavailable('PROCESS_START_FAILED', `${what} ${slot.name} was stopped while starting.`)
    }
    if (port !== undefined) inst.port = port
    const { key, container } = slot
    const cwd = join(this.#options.workDir, key.project, key.region, key.service)
    const [file = '', ...commandArgs] = container.command
    // Compat: Cloud Run's container contract sets PORT and the K_* variables for a service, and
    // CLOUD_RUN_WORKER_POOL / CLOUD_RUN_WORKER_POOL_REVISION for a worker pool; they win over
    // the container's own env, as Cloud Run reserves them.
    const env: Record<string, string> = {
      ...this.#options.inheritedEnv,
      ...container.env,
      ...(port === undefined
        ? { CLOUD_RUN_WORKER_POOL: key.service, CLOUD_RUN_WORKER_POOL_REVISION: slot.revision }
        : {
            PORT: String(port),
            K_SERVICE: key.service,
            K_REVISION: slot.revision,
            K_CONFIGURATION: key.service,
          }),
    }
    let child: ChildProcess
    try {
      // Its own process group, so stopping it also stops whatever it started (sh -c …).
      child = spawnGroup(file, [...commandArgs, ...container.args], cwd, env)
    } catch (err) {
      return this.#failedBeforeListening(slot, inst, `cannot start ${file}: ${String(err)}`)
    }
    inst.child = child
    const spawned = new Promise<void>((resolve) => {
      child.once('spawn', () => resolve())
      void inst.exited.then(() => resolve())
    })
    this.#note(
      slot,
      port === undefined ? `Starting ${file}.` : `Starting ${file} on port ${port}.`,
      'INFO',
    )
    this.#log({ event: 'process_start', [slot.kind]: slot.id, pid: child.pid, port })
    const flushers = (['stdout', 'stderr'] as const).map((s) =>
      captureLines(child[s], (text) => this.#options.logs.append(slot.key, s, text, slot.revision)),
    )
    let spawnError: string | undefined
    child.once('error', (err) => {
      spawnError = err.message
      if (child.pid === undefined) onExit(null, null)
    })
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      if (inst.hasExited) return
      inst.hasExited = true
      for (const flush of flushers) flush()
      if (spawnError !== undefined && child.pid === undefined) {
        this.#note(slot, `Cannot start ${file}: ${spawnError}`, 'ERROR')
      } else if (signal !== null) {
        this.#note(slot, `Container terminated on signal ${signal}.`, 'WARNING')
      } else {
        this.#note(slot, `Container called exit(${code ?? 0}).`, code === 0 ? 'INFO' : 'ERROR')
      }
      this.#log({ event: 'process_exit', [slot.kind]: slot.id, pid: child.pid, code, signal })
      inst.markExited()
      this.#afterExit(slot, inst, spawnError ?? signal ?? `exit code ${code ?? 0}`)
    }
    // 'close', not 'exit': the last lines of output are read before the exit is noted.
    child.once('close', onExit)

    if (port === undefined) {
      // A worker pool listens nowhere: it is running once the OS has started it.
      await spawned
      if (inst.hasExited) {
        const why = spawnError !== undefined ? `cannot start ${file}: ${spawnError}` : 'it exited'
        throw unavailable('PROCESS_START_FAILED', `Worker pool ${slot.name}: ${why}.`)
      }
      inst.listening = true
      return undefined
    }

    const deadline = this.#now() + (this.#options.startDeadlineMs ?? 30_000)
    let interval = 25
    for (;;) {
      if (inst.hasExited) {
        const why = spawnError !== undefined ? `cannot start ${file}: ${spawnError}` : 'it exited'
        throw unavailable(
          'PROCESS_START_FAILED',
          `Service ${slot.name}: ${why} before listening on PORT ${port}.`,
        )
      }
      if (inst.stopping) {
        throw unavailable(
          'PROCESS_START_FAILED',
          `Service ${slot.name} was stopped while starting.`,
        )
      }
      if (await accepts(port)) {
        inst.listening = true
        return new URL(`http://127.0.0.1:${port}`)
      }
      if (this.#now() >= deadline) {
        const seconds = ((this.#options.startDeadlineMs ?? 30_000) / 1000).toString()
        slot.lastError = `it did not listen on PORT within ${seconds} s`
        inst.timedOut = true
        this.#note(
          slot,
          `Default STARTUP TCP probe failed for the container on port ${port}: it did not listen within ${seconds} s. The instance was not started.`,
          'ERROR',
        )
        // Killed without `stopping`: its exit counts as a failure and schedules the backoff.
        void this.#terminate(inst)
        throw unavailable(
          'PROCESS_START_TIMEOUT',
          `Service ${slot.name} did not listen on PORT ${port} within ${seconds} s.`,
        )
      }
      await Promise.race([sleep(interval), inst.exited])
      interval = Math.min(interval * 2, 250)
    }
  }

  #failedBeforeListening(slot: Slot, inst: Instance, why: string): never {
    this.#note(slot, why, 'ERROR')
    inst.hasExited = true
    inst.markExited()
    this.#afterExit(slot, inst, why)
    const what = slot.kind === 'workerPool' ? 'Worker pool' : 'Service'
    throw unavailable('PROCESS_START_FAILED', `${what} ${slot.name}: ${why}.`)
  }

  #afterExit(slot: Slot, inst: Instance, why: string): void {
    if (slot.instance === inst) slot.instance = undefined
    if (inst.stopping || slot.removed || this.#closed) return
    const ranFor = this.#now() - inst.startedAt
    if (inst.listening && ranFor >= (this.#options.healthyAfterMs ?? 10_000)) slot.failures = 0
    slot.failures++
    if (!inst.timedOut) slot.lastError = why
    const { initial, max } = this.#options.restartDelayMs ?? { initial: 1000, max: 60_000 }
    const delay = Math.min(max, initial * 2 ** Math.min(slot.failures - 1, 30))
    slot.retryAt = this.#now() + delay
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined
      if (slot.instance === undefined && !slot.removed && !this.#closed) this.#start(slot)
    }, delay)
    slot.restartTimer.unref()
  }

  #signal(inst: Instance, signal: NodeJS.Signals): void {
    if (!inst.hasExited) signalGroup(inst.child, signal)
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the process has exited. */
  async #terminate(inst: Instance): Promise<void> {
    if (inst.child === undefined) {
      // Still looking for a port: #launch sees `stopping` and gives up.
      if (inst.stopping && !inst.hasExited) await inst.exited
      return
    }
    this.#signal(inst, 'SIGTERM')
    const timer = setTimeout(
      () => this.#signal(inst, 'SIGKILL'),
      this.#options.stopGraceMs ?? 10_000,
    )
    await inst.exited
    clearTimeout(timer)
  }

  async #retire(slot: Slot): Promise<void> {
    slot.removed = true
    if (this.#slots.get(slot.id) === slot) this.#slots.delete(slot.id)
    if (slot.restartTimer !== undefined) clearTimeout(slot.restartTimer)
    slot.restartTimer = undefined
    const inst = slot.instance
    if (inst === undefined) return
    inst.stopping = true
    this.#log({ event: 'process_stop', [slot.kind]: slot.id, pid: inst.child?.pid })
    await this.#terminate(inst)
  }

  /**
   * Brings the processes in line with the current services: stops those whose service is gone,
   * no longer has a command, or changed (its replacement starts on the next request).
   */
  async sync(routes: Iterable<ProcessRoute>): Promise<void> {
    const current = new Map<string, ProcessRoute>()
    for (const r of routes) current.set(slotIdOf(r), r)
    const stale = [...this.#slots.values()].filter((slot) => {
      const r = current.get(slot.id)
      return (
        r?.container === undefined ||
        r.container.command.length === 0 ||
        JSON.stringify([r.etag, r.container]) !== slot.fingerprint
      )
    })
    await Promise.all(stale.map((s) => this.#retire(s)))
  }

  /** Stops one service's process, or every process of one worker pool (e.g. on delete). */
  async stop(name: string): Promise<void> {
    const slots = [...this.#slots.values()].filter((s) => s.name === name)
    await Promise.all(slots.map((s) => this.#retire(s)))
  }

  /**
   * The service whose process was given this loopback port and has not exited, if any: the
   * gateway refuses to let another service's upstream reach it.
   */
  serviceOnPort(port: number): string | undefined {
    for (const slot of this.#slots.values()) {
      const inst = slot.instance
      if (inst?.port === port && !inst.hasExited) return slot.name
    }
    return undefined
  }

  /** A service's process, or one worker pool instance's (`NAME#N`). */
  status(name: string): ProcessStatus {
    const slot = this.#slots.get(name)
    if (slot === undefined) return { state: 'stopped', starts: 0, failures: 0 }
    const inst = slot.instance
    const state =
      inst === undefined ? 'backoff' : inst.listening ? 'running' : ('starting' as const)
    return {
      state,
      starts: slot.starts,
      failures: slot.failures,
      ...(inst?.child?.pid === undefined ? {} : { pid: inst.child.pid }),
      ...(inst?.port === undefined ? {} : { port: inst.port }),
    }
  }

  /** Stops every process (SIGTERM, SIGKILL after the grace period); no new ones start. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all([...this.#slots.values()].map((s) => this.#retire(s)))
  }
}
