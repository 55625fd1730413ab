// Runs Cloud Run job executions as local processes of the server (the services' JobLauncher
// port, implemented structurally). Each task is the job's container command with Cloud Run's
// job environment (CLOUD_RUN_JOB, CLOUD_RUN_EXECUTION, CLOUD_RUN_TASK_INDEX,
// CLOUD_RUN_TASK_ATTEMPT, CLOUD_RUN_TASK_COUNT); at most `parallelism` run at once; a failed or
// timed-out attempt is retried up to `maxRetries` times; a timeout or a cancel sends SIGTERM to
// the task's process group and SIGKILL after the grace period. What the tasks print goes to a
// ServiceLogs keyed by job (the execution as the line's revision, the task and attempt as labels).
//
// Trust boundary: the command runs as the server's OS user. Whoever can create or update a job,
// or run it with overrides, can run any program here; whoever can run it, run its command.
import type { ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { captureLines } from './output-lines.js'
import { signalGroup, spawnGroup } from './process-group.js'
import type { LogStream, ServiceLogs } from './service-logs.js'

/** One execution to run (the services' ExecutionRun). */
export interface JobExecutionRun {
  readonly name: string
  readonly project: string
  readonly location: string
  readonly job: string
  readonly execution: string
  readonly taskCount: number
  readonly parallelism: number
  readonly maxRetries: number
  readonly timeoutMs: number
  readonly container: {
    readonly command: readonly string[]
    readonly args: readonly string[]
    readonly env: Readonly<Record<string, string>>
  }
}

/** What happened (the services' ExecutionEvent). */
export type JobExecutionEvent =
  | { readonly kind: 'taskStarted'; readonly index: number; readonly attempt: number }
  | {
      readonly kind: 'attemptEnded'
      readonly index: number
      readonly attempt: number
      readonly exitCode?: number
      readonly signal?: string
      readonly outcome: 'succeeded' | 'failed' | 'timedOut' | 'cancelled'
      readonly retrying: boolean
      readonly message?: string
    }
  | { readonly kind: 'taskCancelled'; readonly index: number }
  | { readonly kind: 'executionEnded' }

export interface JobRunnerOptions {
  /** Where task output goes: key {project, region, service: job}, revision = execution id. */
  readonly logs: ServiceLogs
  /** Each execution's working directory is {workDir}/{project}/{region}/{job}/{execution}. */
  readonly workDir: string
  /** Inherited by every task (PATH, HOME, LANG), before the container's env. */
  readonly inheritedEnv?: Readonly<Record<string, string>>
  /** SIGTERM → SIGKILL grace on timeout and cancel (default 10 s, Cloud Run's). */
  readonly stopGraceMs?: number
  /** Tasks of one execution at most at once when its parallelism is 0 (default 100). */
  readonly maxParallelism?: number
  log?(entry: Record<string, unknown>): void
}

interface Attempt {
  readonly index: number
  readonly attempt: number
  child?: ChildProcess
  timer?: ReturnType<typeof setTimeout>
  killTimer?: ReturnType<typeof setTimeout>
  timedOut: boolean
  exited: boolean
}

interface Running {
  readonly run: JobExecutionRun
  readonly onEvent: (event: JobExecutionEvent) => void
  readonly queue: { index: number; attempt: number }[]
  readonly active: Map<number, Attempt>
  cancelled: boolean
  ended: boolean
  readonly done: Promise<void>
  finish(): void
}

/** Cloud Run's reserved variables win over the container's own env (they cannot be set). */
function taskEnv(
  inherited: Readonly<Record<string, string>> | undefined,
  run: JobExecutionRun,
  index: number,
  attempt: number,
): Record<string, string> {
  return {
    ...inherited,
    ...run.container.env,
    CLOUD_RUN_JOB: run.job,
    CLOUD_RUN_EXECUTION: run.execution,
    CLOUD_RUN_TASK_INDEX: String(index),
    CLOUD_RUN_TASK_ATTEMPT: String(attempt),
    CLOUD_RUN_TASK_COUNT: String(run.taskCount),
  }
}

export class JobRunner {
  readonly #options: JobRunnerOptions
  readonly #running = new Map<string, Running>()
  #closed = false

  constructor(options: JobRunnerOptions) {
    this.#options = options
  }

  #emit(r: Running, event: JobExecutionEvent): void {
    try {
      r.onEvent(event)
    } catch (err) {
      this.#options.log?.({ event: 'job_event_failed', execution: r.run.name, error: String(err) })
    }
  }

  #note(r: Running, index: number, attempt: number, text: string, severity: string): void {
    this.#line(r, index, attempt, 'system', text, severity)
  }

  #line(
    r: Running,
    index: number,
    attempt: number,
    stream: LogStream,
    text: string,
    severity = 'DEFAULT',
  ): void {
    const { run } = r
    this.#options.logs.append(
      { project: run.project, region: run.location, service: run.job },
      stream,
      text,
      run.execution,
      severity,
      { task_index: String(index), task_attempt: String(attempt) },
    )
  }

  /** Starts the execution's tasks in the background. */
  start(run: JobExecutionRun, onEvent: (event: JobExecutionEvent) => void): void {
    if (this.#running.has(run.name)) throw new Error(`execution ${run.name} is already running`)
    let finish = () => {}
    const done = new Promise<void>((resolve) => (finish = resolve))
    const r: Running = {
      run,
      onEvent,
      queue: Array.from({ length: run.taskCount }, (_, index) => ({ index, attempt: 0 })),
      active: new Map(),
      cancelled: false,
      ended: false,
      done,
      finish,
    }
    this.#running.set(run.name, r)
    this.#options.log?.({ event: 'job_execution_start', execution: run.name, tasks: run.taskCount })
    if (this.#closed) {
      void this.cancel(run.name)
      return
    }
    // Not in the caller's stack: it records the execution before hearing about its tasks.
    setImmediate(() => this.#pump(r))
  }

  isRunning(name: string): boolean {
    return this.#running.has(name)
  }

  #limit(r: Running): number {
    const max = this.#options.maxParallelism ?? 100
    return r.run.parallelism > 0 ? Math.min(r.run.parallelism, max) : max
  }

  #pump(r: Running): void {
    if (r.ended) return
    while (!r.cancelled && r.active.size < this.#limit(r) && r.queue.length > 0) {
      const next = r.queue.shift()
      if (next !== undefined) this.#launch(r, next.index, next.attempt)
    }
    // A launch that failed at once may have ended the execution already (re-entrant pump).
    if (!r.ended && r.active.size === 0 && r.queue.length === 0) {
      r.ended = true
      this.#running.delete(r.run.name)
      this.#emit(r, { kind: 'executionEnded' })
      this.#options.log?.({ event: 'job_execution_end', execution: r.run.name })
      r.finish()
    }
  }

  #launch(r: Running, index: number, attempt: number): void {
    const { run } = r
    const a: Attempt = { index, attempt, timedOut: false, exited: false }
    r.active.set(index, a)
    const [file = '', ...commandArgs] = run.container.command
    this.#emit(r, { kind: 'taskStarted', index, attempt })
    let child: ChildProcess
    try {
      const cwd = join(this.#options.workDir, run.project, run.location, run.job, run.execution)
      // Its own process group, so a timeout or cancel also stops what it started (sh -c …).
      child = spawnGroup(
        file,
        [...commandArgs, ...run.container.args],
        cwd,
        taskEnv(this.#options.inheritedEnv, run, index, attempt),
      )
    } catch (err) {
      this.#ended(r, a, null, null, `cannot start ${file}: ${String(err)}`)
      return
    }
    a.child = child
    this.#note(r, index, attempt, `Task ${index} attempt ${attempt}: starting ${file}.`, 'INFO')
    this.#options.log?.({
      event: 'job_task_start',
      execution: run.name,
      index,
      attempt,
      pid: child.pid,
    })
    const flushers = (['stdout', 'stderr'] as const).map((s) =>
      captureLines(child[s], (text) => this.#line(r, index, attempt, s, text)),
    )
    let spawnError: string | undefined
    child.once('error', (err) => {
      spawnError = err.message
      if (child.pid === undefined) onClose(null, null)
    })
    const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
      if (a.exited) return
      for (const flush of flushers) flush()
      this.#ended(
        r,
        a,
        code,
        signal,
        spawnError !== undefined && child.pid === undefined
          ? `cannot start ${file}: ${spawnError}`
          : undefined,
      )
    }
    // 'close', not 'exit': the last lines of output are read before the end is noted.
    child.once('close', onClose)
    a.timer = setTimeout(() => {
      a.timedOut = true
      this.#note(
        r,
        index,
        attempt,
        `Task ${index} attempt ${attempt} reached its timeout of ${run.timeoutMs / 1000}s; stopping it.`,
        'WARNING',
      )
      this.#terminate(a)
    }, run.timeoutMs)
    a.timer.unref()
  }

  #ended(
    r: Running,
    a: Attempt,
    code: number | null,
    signal: NodeJS.Signals | null,
    startError: string | undefined,
  ): void {
    a.exited = true
    if (a.timer !== undefined) clearTimeout(a.timer)
    if (a.killTimer !== undefined) clearTimeout(a.killTimer)
    r.active.delete(a.index)
    const { run } = r
    let outcome: 'succeeded' | 'failed' | 'timedOut' | 'cancelled'
    let message: string | undefined
    if (r.cancelled) {
      outcome = 'cancelled'
    } else if (a.timedOut) {
      outcome = 'timedOut'
      message = `The configured timeout of ${run.timeoutMs / 1000}s was reached.`
    } else if (startError !== undefined) {
      outcome = 'failed'
      message = `The container could not be started: ${startError}.`
    } else if (code === 0 && signal === null) {
      outcome = 'succeeded'
    } else {
      outcome = 'failed'
      message =
        signal !== null
          ? `The container was terminated by signal ${signal}.`
          : `The container exited with an error (exit code ${code ?? 0}).`
    }
    if (startError !== undefined) {
      this.#note(r, a.index, a.attempt, `Cannot start the container: ${startError}`, 'ERROR')
    } else if (signal !== null) {
      this.#note(r, a.index, a.attempt, `Container terminated on signal ${signal}.`, 'WARNING')
    } else {
      this.#note(
        r,
        a.index,
        a.attempt,
        `Container called exit(${code ?? 0}).`,
        code === 0 ? 'INFO' : 'ERROR',
      )
    }
    const retrying = (outcome === 'failed' || outcome === 'timedOut') && a.attempt < run.maxRetries
    this.#options.log?.({
      event: 'job_task_end',
      execution: run.name,
      index: a.index,
      attempt: a.attempt,
      code,
      signal,
      outcome,
    })
    this.#emit(r, {
      kind: 'attemptEnded',
      index: a.index,
      attempt: a.attempt,
      ...(code === null ? {} : { exitCode: code }),
      ...(signal === null ? {} : { signal }),
      outcome,
      retrying,
      ...(message === undefined ? {} : { message }),
    })
    // Compat: Cloud Run retries a failed task at once (its index keeps its place).
    if (retrying) r.queue.unshift({ index: a.index, attempt: a.attempt + 1 })
    this.#pump(r)
  }

  #signal(a: Attempt, signal: NodeJS.Signals): void {
    if (!a.exited) signalGroup(a.child, signal)
  }

  /** SIGTERM now, SIGKILL after the grace period if it is still there. */
  #terminate(a: Attempt): void {
    this.#signal(a, 'SIGTERM')
    if (a.killTimer === undefined) {
      a.killTimer = setTimeout(
        () => this.#signal(a, 'SIGKILL'),
        this.#options.stopGraceMs ?? 10_000,
      )
      a.killTimer.unref()
    }
  }

  /**
   * Cancels a running execution: tasks not started never start, running ones are stopped.
   * Resolves once every process has exited; false when this runner does not run it.
   */
  async cancel(name: string): Promise<boolean> {
    const r = this.#running.get(name)
    if (r === undefined) return false
    if (!r.cancelled) {
      r.cancelled = true
      this.#options.log?.({ event: 'job_execution_cancel', execution: name })
      for (const q of r.queue.splice(0)) this.#emit(r, { kind: 'taskCancelled', index: q.index })
      for (const a of r.active.values()) {
        if (a.child === undefined) continue
        this.#note(r, a.index, a.attempt, `Task ${a.index} cancelled; stopping it.`, 'WARNING')
        this.#terminate(a)
      }
      // Nothing was running (everything was queued): end now.
      this.#pump(r)
    }
    await r.done
    return true
  }

  /** Stops every execution (as a cancel); none start after this. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all([...this.#running.keys()].map((n) => this.cancel(n)))
  }
}
