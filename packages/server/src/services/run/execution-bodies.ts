// The v2 Execution and Task bodies runiam stores and serves, built from what it knows of an
// execution's tasks: their states, attempts and times. Compat: google.cloud.run.v2.Execution and
// Task in proto3 JSON (zero-valued numbers omitted), with the conditions Cloud Run reports
// (`Completed`, `ResourcesAvailable`, `Started`) and its messages where they are known
// ("Task migrate-vnttt-task0 failed with message: …").
import type { CompletionStatus } from '@runiam/api'
import { isoTime, newUuid, randomEtag } from '../context.js'
import type { Json } from './job-body.js'

export type TaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled'

/** What runiam knows of one task. */
export interface TaskStatus {
  state: TaskState
  /** The latest attempt (0 first). */
  attempt: number
  startTime?: string
  completionTime?: string
  /** The latest attempt's result, once one ended. */
  last?: {
    exitCode?: number
    signal?: string
    outcome: 'succeeded' | 'failed' | 'timedOut' | 'cancelled'
    message?: string
  }
  /** Why the task ended, when it did not succeed. */
  message?: string
}

/** What runiam knows of one execution. */
export interface ExecutionStatus {
  readonly tasks: TaskStatus[]
  startTime?: string
  completionTime?: string
  /** Set when it ends: how. */
  outcome?: 'succeeded' | 'failed' | 'cancelled'
  /** Why it failed or was cancelled, in words. */
  message?: string
  /** The execution never started (no local processes, no command): the reason. */
  notStarted?: string
}

// Compat: POSIX signal numbers, for TaskAttemptResult.term_signal.
const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
}

// google.rpc.Code numbers for TaskAttemptResult.status.
const RPC_CANCELLED = 1
const RPC_UNKNOWN = 2
const RPC_DEADLINE_EXCEEDED = 4

/** proto3 JSON leaves zero-valued numbers out. */
const nonZero = (field: string, n: number): Json => (n === 0 ? {} : { [field]: n })

export function counts(status: ExecutionStatus): {
  running: number
  succeeded: number
  failed: number
  cancelled: number
  retried: number
} {
  const c = { running: 0, succeeded: 0, failed: 0, cancelled: 0, retried: 0 }
  for (const t of status.tasks) {
    if (t.state === 'running') c.running++
    else if (t.state === 'succeeded') c.succeeded++
    else if (t.state === 'failed') c.failed++
    else if (t.state === 'cancelled') c.cancelled++
    if (t.attempt > 0) c.retried++
  }
  return c
}

export function completionStatus(status: ExecutionStatus): CompletionStatus {
  switch (status.outcome) {
    case 'succeeded':
      return 'EXECUTION_SUCCEEDED'
    case 'failed':
      return 'EXECUTION_FAILED'
    case 'cancelled':
      return 'EXECUTION_CANCELLED'
    default:
      return status.startTime === undefined ? 'EXECUTION_PENDING' : 'EXECUTION_RUNNING'
  }
}

function seconds(from: string | undefined, to: string | undefined): string {
  if (from === undefined || to === undefined) return '0'
  return ((Date.parse(to) - Date.parse(from)) / 1000).toFixed(2)
}

function executionConditions(status: ExecutionStatus, createTime: string, now: string): Json[] {
  const at = (t: string | undefined) => ({ lastTransitionTime: t ?? now })
  if (status.notStarted !== undefined) {
    return [
      {
        type: 'Completed',
        state: 'CONDITION_FAILED',
        message: status.notStarted,
        ...at(status.completionTime),
        severity: 'ERROR',
      },
      {
        type: 'ResourcesAvailable',
        state: 'CONDITION_FAILED',
        message: status.notStarted,
        ...at(status.completionTime),
        severity: 'ERROR',
      },
      { type: 'Started', state: 'CONDITION_PENDING', ...at(createTime) },
    ]
  }
  let completed: Json
  switch (status.outcome) {
    case 'succeeded':
      completed = {
        type: 'Completed',
        state: 'CONDITION_SUCCEEDED',
        message: `Execution completed successfully in ${seconds(status.startTime ?? createTime, status.completionTime)}s.`,
        ...at(status.completionTime),
      }
      break
    case 'failed':
      completed = {
        type: 'Completed',
        state: 'CONDITION_FAILED',
        message: status.message ?? 'The execution failed.',
        ...at(status.completionTime),
        severity: 'ERROR',
        executionReason: 'NON_ZERO_EXIT_CODE',
      }
      break
    case 'cancelled':
      completed = {
        type: 'Completed',
        state: 'CONDITION_FAILED',
        message: status.message ?? 'The execution was cancelled.',
        ...at(status.completionTime),
        severity: 'INFO',
        executionReason: 'CANCELLED',
      }
      break
    default:
      completed = {
        type: 'Completed',
        state: 'CONDITION_RECONCILING',
        ...at(status.startTime ?? createTime),
      }
      break
  }
  return [
    completed,
    {
      type: 'ResourcesAvailable',
      state: 'CONDITION_SUCCEEDED',
      message: 'Provisioned local processes.',
      ...at(createTime),
    },
    status.startTime === undefined
      ? { type: 'Started', state: 'CONDITION_PENDING', ...at(createTime) }
      : {
          type: 'Started',
          state: 'CONDITION_SUCCEEDED',
          message: 'Started deployed execution.',
          ...at(status.startTime),
        },
  ]
}

export interface NewExecutionArgs {
  readonly name: string
  readonly job: string
  readonly actor: string
  readonly nowMs: number
  readonly launchStage: unknown
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly template: Json
  readonly taskCount: number
  readonly parallelism: number
}

/** A new execution's body, before its status is applied. */
export function newExecutionBody(a: NewExecutionArgs): Json {
  const t = isoTime(a.nowMs)
  return {
    name: a.name,
    uid: newUuid(),
    creator: a.actor,
    generation: '1',
    labels: { ...a.labels },
    annotations: { ...a.annotations },
    createTime: t,
    updateTime: t,
    launchStage: a.launchStage ?? 'GA',
    job: a.job,
    ...nonZero('parallelism', a.parallelism),
    taskCount: a.taskCount,
    template: a.template,
    observedGeneration: '1',
    etag: randomEtag(),
  }
}

/** The execution's body with the status applied (counts, times, conditions, a new etag). */
export function withExecutionStatus(
  body: Readonly<Json>,
  status: ExecutionStatus,
  nowMs: number,
): Json {
  const now = isoTime(nowMs)
  const c = counts(status)
  const out: Json = { ...body }
  for (const f of [
    'startTime',
    'completionTime',
    'reconciling',
    'runningCount',
    'succeededCount',
    'failedCount',
    'cancelledCount',
    'retriedCount',
  ]) {
    delete out[f]
  }
  const done = status.outcome !== undefined || status.notStarted !== undefined
  Object.assign(out, {
    ...(status.startTime === undefined ? {} : { startTime: status.startTime }),
    ...(status.completionTime === undefined ? {} : { completionTime: status.completionTime }),
    updateTime: now,
    ...(done ? {} : { reconciling: true }),
    conditions: executionConditions(status, String(body['createTime'] ?? now), now),
    ...nonZero('runningCount', c.running),
    ...nonZero('succeededCount', c.succeeded),
    ...nonZero('failedCount', c.failed),
    ...nonZero('cancelledCount', c.cancelled),
    ...nonZero('retriedCount', c.retried),
    etag: randomEtag(),
  })
  return out
}

export interface NewTaskArgs {
  readonly name: string
  readonly job: string
  readonly execution: string
  readonly index: number
  readonly nowMs: number
  readonly template: Json
}

export function newTaskBody(a: NewTaskArgs): Json {
  const t = isoTime(a.nowMs)
  const tt = a.template
  return {
    name: a.name,
    uid: newUuid(),
    generation: '1',
    labels: {},
    annotations: {},
    createTime: t,
    scheduledTime: t,
    updateTime: t,
    job: a.job,
    execution: a.execution,
    containers: tt['containers'] ?? [],
    ...nonZero('maxRetries', Number(tt['maxRetries'] ?? 0)),
    timeout: tt['timeout'],
    ...(tt['serviceAccount'] === undefined ? {} : { serviceAccount: tt['serviceAccount'] }),
    ...(tt['executionEnvironment'] === undefined
      ? {}
      : { executionEnvironment: tt['executionEnvironment'] }),
    reconciling: true,
    conditions: [{ type: 'Completed', state: 'CONDITION_PENDING', lastTransitionTime: t }],
    observedGeneration: '1',
    ...nonZero('index', a.index),
    etag: randomEtag(),
  }
}

function taskConditions(t: TaskStatus, taskId: string, created: string): Json[] {
  const started =
    t.startTime === undefined
      ? { type: 'Started', state: 'CONDITION_PENDING', lastTransitionTime: created }
      : { type: 'Started', state: 'CONDITION_SUCCEEDED', lastTransitionTime: t.startTime }
  let completed: Json
  switch (t.state) {
    case 'pending':
      completed = { type: 'Completed', state: 'CONDITION_PENDING', lastTransitionTime: created }
      break
    case 'running':
      completed = {
        type: 'Completed',
        state: 'CONDITION_RECONCILING',
        lastTransitionTime: t.startTime ?? created,
      }
      break
    case 'succeeded':
      completed = {
        type: 'Completed',
        state: 'CONDITION_SUCCEEDED',
        message: `Task ${taskId} completed successfully.`,
        lastTransitionTime: t.completionTime,
      }
      break
    case 'failed':
      completed = {
        type: 'Completed',
        state: 'CONDITION_FAILED',
        message: t.message ?? 'The container exited with an error.',
        lastTransitionTime: t.completionTime,
        severity: 'ERROR',
        executionReason: 'NON_ZERO_EXIT_CODE',
      }
      break
    case 'cancelled':
      completed = {
        type: 'Completed',
        state: 'CONDITION_FAILED',
        message: t.message ?? 'The task was cancelled.',
        lastTransitionTime: t.completionTime,
        severity: 'INFO',
        executionReason: 'CANCELLED',
      }
      break
  }
  return [completed, started]
}

/** The task's body with its status applied (times, retries, last attempt, a new etag). */
export function withTaskStatus(body: Readonly<Json>, t: TaskStatus, nowMs: number): Json {
  const out: Json = { ...body }
  // An attempt's result stays until a newer attempt ends (a task cancelled elsewhere keeps it).
  for (const f of ['startTime', 'completionTime', 'reconciling', 'retried']) delete out[f]
  const taskId =
    String(body['name'] ?? '')
      .split('/')
      .at(-1) ?? ''
  let lastAttemptResult: Json | undefined
  if (t.last !== undefined) {
    const l = t.last
    const code =
      l.outcome === 'succeeded'
        ? 0
        : l.outcome === 'cancelled'
          ? RPC_CANCELLED
          : l.outcome === 'timedOut'
            ? RPC_DEADLINE_EXCEEDED
            : RPC_UNKNOWN
    const signal = l.signal === undefined ? undefined : SIGNALS[l.signal]
    lastAttemptResult = {
      status: {
        ...nonZero('code', code),
        ...(l.message === undefined ? {} : { message: l.message }),
      },
      ...nonZero('exitCode', l.exitCode ?? 0),
      ...(signal === undefined ? {} : { termSignal: signal }),
    }
  }
  const done = t.state === 'succeeded' || t.state === 'failed' || t.state === 'cancelled'
  Object.assign(out, {
    ...(t.startTime === undefined ? {} : { startTime: t.startTime }),
    ...(t.completionTime === undefined ? {} : { completionTime: t.completionTime }),
    updateTime: isoTime(nowMs),
    ...(done ? {} : { reconciling: true }),
    conditions: taskConditions(t, taskId, String(body['createTime'] ?? '')),
    ...nonZero('retried', t.attempt),
    ...(lastAttemptResult === undefined ? {} : { lastAttemptResult }),
    etag: randomEtag(),
  })
  return out
}

/** A stored Task body's status, read back (for executions this process does not run). */
export function taskStatusOf(body: Readonly<Json>): TaskStatus {
  const conditions = Array.isArray(body['conditions']) ? (body['conditions'] as Json[]) : []
  const completed = conditions.find((c) => c['type'] === 'Completed')
  let state: TaskState = 'pending'
  if (completed?.['state'] === 'CONDITION_SUCCEEDED') state = 'succeeded'
  else if (completed?.['state'] === 'CONDITION_FAILED') {
    state = completed['executionReason'] === 'CANCELLED' ? 'cancelled' : 'failed'
  } else if (completed?.['state'] === 'CONDITION_RECONCILING') state = 'running'
  return {
    state,
    attempt: Number(body['retried'] ?? 0),
    ...(typeof body['startTime'] === 'string' ? { startTime: body['startTime'] } : {}),
    ...(typeof body['completionTime'] === 'string'
      ? { completionTime: body['completionTime'] }
      : {}),
    ...(state === 'failed' || state === 'cancelled'
      ? { message: String(completed?.['message'] ?? '') }
      : {}),
  }
}

/** Whether a stored Execution body has ended. */
export const isExecutionDone = (body: Readonly<Json>): boolean =>
  typeof body['completionTime'] === 'string'
