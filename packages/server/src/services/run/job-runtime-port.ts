// The port through which job executions run as local processes. runtime/job-runner.ts implements
// it (structurally: runtime does not import services, services do not import runtime); main.ts
// hands it over only when the server runs with --local-processes.

/** One execution to run: its tasks' command line, count, parallelism, retries and timeout. */
export interface ExecutionRun {
  /** `projects/P/locations/L/jobs/J/executions/E` (project id). */
  readonly name: string
  readonly project: string
  readonly location: string
  readonly job: string
  readonly execution: string
  readonly taskCount: number
  /** Tasks at most at once; 0: as many as the runtime allows. */
  readonly parallelism: number
  /** Retries per task after a failed attempt. */
  readonly maxRetries: number
  /** Per attempt. */
  readonly timeoutMs: number
  readonly container: {
    readonly command: readonly string[]
    readonly args: readonly string[]
    readonly env: Readonly<Record<string, string>>
  }
}

/** What happened to an execution's tasks, in the order it happened. */
export type ExecutionEvent =
  | { readonly kind: 'taskStarted'; readonly index: number; readonly attempt: number }
  | {
      readonly kind: 'attemptEnded'
      readonly index: number
      readonly attempt: number
      /** The process's exit status, when it exited by itself. */
      readonly exitCode?: number
      /** The signal that ended it (a timeout or a cancel sends SIGTERM, then SIGKILL). */
      readonly signal?: string
      readonly outcome: 'succeeded' | 'failed' | 'timedOut' | 'cancelled'
      /** Whether another attempt follows (a failure with retries left). */
      readonly retrying: boolean
      /** What went wrong, in words (failures only). */
      readonly message?: string
    }
  /** A task that never started: its execution was cancelled first. */
  | { readonly kind: 'taskCancelled'; readonly index: number }
  | { readonly kind: 'executionEnded' }

export interface JobLauncher {
  /** Starts the execution's tasks in the background; `onEvent` hears everything, in order. */
  start(run: ExecutionRun, onEvent: (event: ExecutionEvent) => void): void
  /**
   * Cancels a running execution: tasks not started never start, running ones get SIGTERM and
   * SIGKILL after the grace period. Resolves once every process has exited and every event has
   * been delivered; false when this process does not run that execution.
   */
  cancel(name: string): Promise<boolean>
  /** Whether this process runs that execution now. */
  isRunning(name: string): boolean
}
