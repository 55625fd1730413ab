// Running Cloud Run jobs and what that leaves: jobs.run (an Execution with its Tasks, run through
// the JobLauncher port as local processes), executions get/list/delete/cancel and tasks get/list.
// Authorize first (AIP-211), then look things up, then act.
//
// An execution this process runs is tracked in memory: every event of the runtime (a task
// started, an attempt ended, the execution ended) updates the stored Task and Execution in order,
// one transaction at a time, and the last one finishes the run Operation (done: true with the
// Execution, as Cloud Run's RunJob operation does when the execution completes) and the job's
// latestCreatedExecution. An execution no process runs (a server restarted, another replica) is
// ended by writing its records directly; the replica that runs it notices within seconds and
// stops its processes.
import {
  EXECUTION_TYPE_URL,
  type Execution,
  type ListExecutionsResponse,
  type ListTasksResponse,
  type Operation,
  type Task,
} from '@runiam/api'
import { Code, IamError, resourceNotFound } from '@runiam/core'
import type { ProjectRecord, ResourceRecord, StoreReader, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, randomSuffix, type ServiceContext } from '../context.js'
import { invalidArgument, parsePageSize, presentAs } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import { jobNotFound } from './cloud-run-jobs.js'
import { resourceEtagConflict, unquoteEtag, writeFlag } from './run-resource-writes.js'
import {
  counts,
  completionStatus,
  isExecutionDone,
  newExecutionBody,
  newTaskBody,
  taskStatusOf,
  withExecutionStatus,
  withTaskStatus,
  type ExecutionStatus,
  type TaskStatus,
} from './execution-bodies.js'
import { hasOverrides, planExecution, readRunRequest, type Json } from './job-body.js'
import {
  executionNameOf,
  jobNameOf,
  parseExecutionName,
  parseJobName,
  parseTaskName,
  taskIdOf,
  type ExecutionRef,
} from './job-names.js'
import './job-reasons.js'
import type { ExecutionEvent, ExecutionRun, JobLauncher } from './job-runtime-port.js'
import { putRunOperation, runOperation } from './run-operation.js'

/** Compat: gcloud and Cloud Run keep the run's operation id as this annotation on v1 objects. */
const OPERATION_ANNOTATION = 'run.googleapis.com/operation-id'

/** How often the executions this process runs are compared with the store (cancel elsewhere). */
const WATCH_MS = 2000
const PAGE = 1000

export interface JobExecutionsOptions {
  /** Runs tasks as local processes; absent: executions fail at once, saying why. */
  readonly launcher?: JobLauncher
  log?(entry: Record<string, unknown>): void
}

interface Tracker {
  readonly name: string
  readonly job: string
  readonly projectId: string
  readonly location: string
  readonly executionId: string
  readonly opName: string
  readonly status: ExecutionStatus
  chain: Promise<void>
  /** Why it is being cancelled (by a cancel, a delete); unset: the server is stopping. */
  cancelReason?: string
  /** Its records were ended or deleted elsewhere: stop the processes, write nothing more. */
  lost: boolean
  final: boolean
}

function executionNotFound(r: ExecutionRef): IamError {
  return resourceNotFound('EXECUTION', r.executionId, r.location, r.project)
}

function alreadyCompleted(executionId: string): IamError {
  return new IamError(
    Code.FAILED_PRECONDITION,
    'EXECUTION_ALREADY_COMPLETED',
    `Execution '${executionId}' has already completed and cannot be cancelled.`,
    { metadata: { execution: executionId } },
  )
}

const asExecution = (b: Readonly<Json>): Execution => ({ ...b }) as unknown as Execution
const asTask = (b: Readonly<Json>): Task => ({ ...b }) as unknown as Task

function record(kind: 'execution' | 'task', parent: string, body: Json): ResourceRecord {
  return {
    name: String(body['name']),
    kind,
    parent,
    body,
    etag: String(body['etag']),
    createTime: String(body['createTime']),
    updateTime: String(body['updateTime']),
  }
}

/** Every resource of a kind under a parent, through the store's pages. */
async function listAll(
  reader: StoreReader,
  parent: string,
  kind: 'execution' | 'task',
): Promise<ResourceRecord[]> {
  const out: ResourceRecord[] = []
  let pageToken: string | undefined
  do {
    const page = await reader.listResources(parent, kind, {
      pageSize: PAGE,
      ...(pageToken === undefined ? {} : { pageToken }),
    })
    out.push(...page.items)
    pageToken = page.nextPageToken
  } while (pageToken !== undefined && pageToken !== '')
  return out
}

const indexOf = (task: Readonly<Json>): number => Number(task['index'] ?? 0)

/** An offset page token (list results are ordered in memory: newest first, by task index). */
function pageOf<T>(items: readonly T[], size: number, token: string | undefined) {
  let start = 0
  if (token !== undefined && token !== '') {
    const decoded = Buffer.from(token, 'base64url').toString('utf8')
    if (!/^\d{1,9}$/.test(decoded)) {
      throw invalidArgument('pageToken', `Invalid page token ${JSON.stringify(token)}.`)
    }
    start = Number(decoded)
  }
  const n = size > 0 ? Math.min(size, PAGE) : 100
  const page = items.slice(start, start + n)
  const next = start + n < items.length ? Buffer.from(String(start + n)).toString('base64url') : ''
  return { page, next }
}

/** Environment variables with a literal value (secret references are not supported). */
function envOf(container: Json): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of Array.isArray(container['env']) ? container['env'] : []) {
    if (isObject(e) && typeof e['name'] === 'string' && e['valueSource'] === undefined) {
      out[e['name']] = typeof e['value'] === 'string' ? e['value'] : ''
    }
  }
  return out
}

const strings = (x: unknown): string[] =>
  Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []

export class JobExecutions {
  readonly #ctx: ServiceContext
  readonly #options: JobExecutionsOptions
  readonly #trackers = new Map<string, Tracker>()
  #watch: ReturnType<typeof setInterval> | undefined

  constructor(ctx: ServiceContext, options: JobExecutionsOptions = {}) {
    this.#ctx = ctx
    this.#options = options
  }

  async #project(given: string): Promise<ProjectRecord> {
    const p = await this.#ctx.checker.project(given)
    if (p === undefined) throw projectNotFound(given)
    return p
  }

  #now(): string {
    return isoTime(this.#ctx.now())
  }

  // ---- jobs.run -------------------------------------------------------------------------------

  /**
   * Compat: run.projects.locations.jobs.run. Needs run.jobs.run on the job, and
   * run.jobs.runWithOverrides too when the request has overrides. Answers the run Operation:
   * not done while the execution runs (metadata: the Execution), done with the Execution once it
   * has completed, as Cloud Run's is.
   */
  async run(caller: Caller, name: string, body: unknown): Promise<Operation> {
    const ref = parseJobName(name)
    await this.#ctx.checker.require(caller, 'run.jobs.run', name)
    if (hasOverrides(body)) {
      await this.#ctx.checker.require(caller, 'run.jobs.runWithOverrides', name)
    }
    const req = readRunRequest(body)
    const p = await this.#project(ref.project)
    const jobName = jobNameOf(ref, p.projectId)
    const nowMs = this.#ctx.now()
    const launcher = this.#options.launcher
    const created = await this.#ctx.store.transact(async (tx) => {
      const job = await tx.getResource(jobName)
      if (job === undefined) throw jobNotFound(ref)
      if (req.etag !== undefined && unquoteEtag(req.etag) !== job.body['etag'])
        throw resourceEtagConflict()
      const plan = planExecution(job.body, req.overrides)
      let executionId = ''
      for (let i = 0; i < 5 && executionId === ''; i++) {
        const candidate = `${ref.jobId}-${randomSuffix(5)}`
        if ((await tx.getResource(`${jobName}/executions/${candidate}`)) === undefined) {
          executionId = candidate
        }
      }
      if (executionId === '') throw new Error('no free execution id')
      const executionName = `${jobName}/executions/${executionId}`
      const opName = runOperation({
        projectId: p.projectId,
        location: ref.location,
        typeUrl: EXECUTION_TYPE_URL,
        body: {},
        done: false,
        nowMs,
      }).name
      const et = isObject(job.body['template']) ? job.body['template'] : {}
      const status: ExecutionStatus = {
        tasks: Array.from({ length: plan.taskCount }, () => ({ state: 'pending', attempt: 0 })),
      }
      const execution = withExecutionStatus(
        newExecutionBody({
          name: executionName,
          job: jobName,
          actor: caller.email ?? caller.member,
          nowMs,
          launchStage: job.body['launchStage'],
          labels: isObject(et['labels']) ? (et['labels'] as Record<string, string>) : {},
          annotations: {
            ...(isObject(et['annotations']) ? (et['annotations'] as Record<string, string>) : {}),
            [OPERATION_ANNOTATION]: opName.split('/').at(-1) ?? '',
          },
          template: plan.template,
          taskCount: plan.taskCount,
          parallelism: plan.parallelism,
        }),
        status,
        nowMs,
      )
      const pending = runOperation({
        projectId: p.projectId,
        location: ref.location,
        typeUrl: EXECUTION_TYPE_URL,
        body: execution,
        done: false,
        nowMs: this.#ctx.now(),
        name: opName,
      })
      if (req.validateOnly) {
        // The execution that would run, as a finished operation (nothing is stored or started).
        const op = runOperation({
          projectId: p.projectId,
          location: ref.location,
          typeUrl: EXECUTION_TYPE_URL,
          body: execution,
          done: true,
          nowMs: this.#ctx.now(),
          name: opName,
        })
        return { execution, plan, status, op, stored: false }
      }
      await tx.createResource(record('execution', jobName, execution))
      for (let index = 0; index < plan.taskCount; index++) {
        const task = newTaskBody({
          name: `${executionName}/tasks/${taskIdOf(executionId, index)}`,
          job: jobName,
          execution: executionName,
          index,
          nowMs,
          template: plan.template,
        })
        await tx.createResource(record('task', executionName, task))
      }
      const jobBody = {
        ...job.body,
        executionCount: Number(job.body['executionCount'] ?? 0) + 1,
        latestCreatedExecution: {
          name: executionName,
          createTime: execution['createTime'],
          completionStatus: 'EXECUTION_RUNNING',
        },
      }
      // Output fields only: the job's etag stays (a patch with it still applies).
      await tx.updateResource({ ...job, body: jobBody })
      await putRunOperation(tx, pending, nowMs)
      return { execution, plan, status, op: pending, stored: true }
    })
    if (!created.stored) {
      return presentAs(created.op, p.projectId, ref.project)
    }
    const executionName = String(created.execution['name'])
    const tracker: Tracker = {
      name: executionName,
      job: jobName,
      projectId: p.projectId,
      location: ref.location,
      executionId: executionName.split('/').at(-1) ?? '',
      opName: created.op.name,
      status: created.status,
      chain: Promise.resolve(),
      lost: false,
      final: false,
    }
    const containers = Array.isArray(created.plan.template['containers'])
      ? (created.plan.template['containers'] as Json[])
      : []
    const container = containers[0] ?? {}
    const command = strings(container['command'])
    let why: string | undefined
    if (launcher === undefined) {
      why =
        'The execution did not run: runiam runs the tasks of a job as local processes of the ' +
        'server, and this server was started without --local-processes (docs/local-processes.md).'
    } else if (command.length === 0) {
      why =
        `The execution did not run: runiam runs the tasks of a job as local processes from the ` +
        `container's command (template.template.containers[0].command), and job ${ref.jobId} has ` +
        'none. runiam cannot run container images.'
    }
    this.#trackers.set(executionName, tracker)
    if (why !== undefined || launcher === undefined) {
      why ??= 'The execution did not run.'
      const now = this.#now()
      created.status.notStarted = why
      created.status.completionTime = now
      created.status.outcome = 'failed'
      created.status.message = why
      for (const t of created.status.tasks) {
        t.state = 'failed'
        t.completionTime = now
        t.message = why
      }
      this.#enqueue(
        tracker,
        created.status.tasks.map((_, i) => i),
        true,
      )
      await tracker.chain
      return this.#operationNow(tracker, p, ref.project)
    }
    const run: ExecutionRun = {
      name: executionName,
      project: p.projectId,
      location: ref.location,
      job: ref.jobId,
      execution: tracker.executionId,
      taskCount: created.plan.taskCount,
      parallelism: created.plan.parallelism,
      maxRetries: created.plan.maxRetries,
      timeoutMs: Math.round(created.plan.timeoutSeconds * 1000),
      container: { command, args: strings(container['args']), env: envOf(container) },
    }
    this.#startWatch()
    launcher.start(run, (event) => this.#onEvent(tracker, event))
    return presentAs(created.op, p.projectId, ref.project)
  }

  /** The tracker's operation as stored now (for answers after it finished). */
  async #operationNow(tr: Tracker, p: ProjectRecord, given: string): Promise<Operation> {
    const rec = await this.#ctx.store.getOperation(tr.opName)
    if (rec === undefined) throw new Error(`operation ${tr.opName} vanished`)
    return presentAs({ ...rec.body } as unknown as Operation, p.projectId, given)
  }

  // ---- recording what the runtime reports -------------------------------------------------------

  #onEvent(tr: Tracker, e: ExecutionEvent): void {
    if (tr.final) return
    const now = this.#now()
    const { status } = tr
    switch (e.kind) {
      case 'taskStarted': {
        const t = status.tasks[e.index]
        if (t === undefined) return
        t.state = 'running'
        t.attempt = e.attempt
        t.startTime ??= now
        status.startTime ??= now
        this.#enqueue(tr, [e.index], false)
        return
      }
      case 'attemptEnded': {
        const t = status.tasks[e.index]
        if (t === undefined) return
        t.last = {
          outcome: e.outcome,
          ...(e.exitCode === undefined ? {} : { exitCode: e.exitCode }),
          ...(e.signal === undefined ? {} : { signal: e.signal }),
          ...(e.message === undefined ? {} : { message: e.message }),
        }
        if (!e.retrying) {
          t.completionTime = now
          if (e.outcome === 'succeeded') t.state = 'succeeded'
          else if (e.outcome === 'cancelled') {
            t.state = 'cancelled'
            t.message = this.#cancelMessage(tr)
          } else {
            t.state = 'failed'
            t.message = e.message ?? 'The container exited with an error.'
            // Compat: Cloud Run's execution message names the first task that failed.
            status.message ??= `Task ${taskIdOf(tr.executionId, e.index)} failed with message: ${t.message}`
          }
        }
        this.#enqueue(tr, [e.index], false)
        return
      }
      case 'taskCancelled': {
        const t = status.tasks[e.index]
        if (t === undefined) return
        t.state = 'cancelled'
        t.completionTime = now
        t.message = this.#cancelMessage(tr)
        this.#enqueue(tr, [e.index], false)
        return
      }
      case 'executionEnded': {
        const c = counts(status)
        status.completionTime = now
        if (c.failed > 0) status.outcome = 'failed'
        else if (c.cancelled > 0) {
          status.outcome = 'cancelled'
          status.message = this.#cancelMessage(tr)
        } else status.outcome = 'succeeded'
        this.#enqueue(tr, [], true)
        return
      }
    }
  }

  #cancelMessage(tr: Tracker): string {
    return tr.cancelReason ?? 'The execution was cancelled: the server stopped.'
  }

  #enqueue(tr: Tracker, tasks: readonly number[], final: boolean): void {
    if (final) tr.final = true
    // Snapshot now: later events change the status before this write runs.
    const status = structuredClone(tr.status)
    tr.chain = tr.chain
      .then(() => this.#write(tr, status, tasks, final))
      .catch((err: unknown) => {
        this.#options.log?.({
          event: 'job_execution_write_failed',
          execution: tr.name,
          error: String(err),
        })
      })
  }

  async #write(
    tr: Tracker,
    status: ExecutionStatus,
    tasks: readonly number[],
    final: boolean,
  ): Promise<void> {
    if (tr.lost) return
    const nowMs = this.#ctx.now()
    const lost = await this.#ctx.store.transact(async (tx) => {
      const rec = await tx.getResource(tr.name)
      // Deleted, or ended by a server that does not run it: this process's tasks must stop.
      if (rec === undefined || isExecutionDone(rec.body)) return true
      for (const index of tasks) {
        const t = status.tasks[index]
        const taskRec = await tx.getResource(`${tr.name}/tasks/${taskIdOf(tr.executionId, index)}`)
        if (t === undefined || taskRec === undefined) continue
        const body = withTaskStatus(taskRec.body, t, nowMs)
        await tx.updateResource(record('task', tr.name, body))
      }
      const body = withExecutionStatus(rec.body, status, nowMs)
      await tx.updateResource(record('execution', tr.job, body))
      if (final) await this.#finish(tx, tr.opName, tr.job, body, status, nowMs)
      return false
    })
    if (lost) {
      tr.lost = true
      void this.#options.launcher?.cancel(tr.name)
    }
    if (final || lost) this.#forget(tr)
  }

  /** The run Operation done with the final Execution; the job's latestCreatedExecution. */
  async #finish(
    tx: StoreTx,
    opName: string | undefined,
    jobName: string,
    execution: Json,
    status: ExecutionStatus,
    nowMs: number,
  ): Promise<void> {
    const [, projectId = '', , location = ''] = jobName.split('/')
    if (opName !== undefined) {
      const op = runOperation({
        projectId,
        location,
        typeUrl: EXECUTION_TYPE_URL,
        body: execution,
        done: true,
        nowMs: this.#ctx.now(),
        name: opName,
      })
      await putRunOperation(tx, op, nowMs)
    }
    const job = await tx.getResource(jobName)
    const latest = job?.body['latestCreatedExecution']
    if (job !== undefined && isObject(latest) && latest['name'] === execution['name']) {
      await tx.updateResource({
        ...job,
        body: {
          ...job.body,
          latestCreatedExecution: {
            ...latest,
            ...(status.completionTime === undefined
              ? {}
              : { completionTime: status.completionTime }),
            completionStatus: completionStatus(status),
          },
        },
      })
    }
  }

  #forget(tr: Tracker): void {
    if (this.#trackers.get(tr.name) === tr) this.#trackers.delete(tr.name)
    if (this.#trackers.size === 0 && this.#watch !== undefined) {
      clearInterval(this.#watch)
      this.#watch = undefined
    }
  }

  /** Notices executions this process runs that were cancelled or deleted through another server. */
  #startWatch(): void {
    if (this.#watch !== undefined) return
    this.#watch = setInterval(() => {
      for (const tr of this.#trackers.values()) {
        if (tr.final || tr.lost || this.#options.launcher?.isRunning(tr.name) !== true) continue
        this.#ctx.store.getResource(tr.name).then(
          (rec) => {
            if (rec === undefined || isExecutionDone(rec.body)) {
              tr.lost = true
              void this.#options.launcher?.cancel(tr.name)
            }
          },
          () => {},
        )
      }
    }, WATCH_MS)
    this.#watch.unref()
  }

  /**
   * Ends an execution: through the runtime when this process runs it (its processes stopped,
   * every event recorded), else by writing its records (tasks not done become cancelled).
   */
  async #stop(canonical: string, reason: string, outcome: 'cancelled' | 'failed' = 'cancelled') {
    const tr = this.#trackers.get(canonical)
    if (tr !== undefined) {
      tr.cancelReason ??= reason
      if (this.#options.launcher?.isRunning(canonical) === true) {
        await this.#options.launcher.cancel(canonical)
      }
      await tr.chain
      if (!tr.lost) return
    }
    await this.#endStored(canonical, outcome, reason)
  }

  /** Writes the end of an execution no process here runs. */
  async #endStored(
    canonical: string,
    outcome: 'cancelled' | 'failed',
    message: string,
  ): Promise<void> {
    const nowMs = this.#ctx.now()
    const now = isoTime(nowMs)
    await this.#ctx.store.transact(async (tx) => {
      const rec = await tx.getResource(canonical)
      if (rec === undefined || isExecutionDone(rec.body)) return
      const taskRecs = (await listAll(tx, canonical, 'task')).sort(
        (a, b) => indexOf(a.body) - indexOf(b.body),
      )
      const tasks: TaskStatus[] = []
      for (const tr of taskRecs) {
        const t = taskStatusOf(tr.body)
        if (t.state === 'pending' || t.state === 'running') {
          t.state = 'cancelled'
          t.completionTime = now
          t.message = message
          await tx.updateResource(record('task', canonical, withTaskStatus(tr.body, t, nowMs)))
        }
        tasks.push(t)
      }
      const status: ExecutionStatus = {
        tasks,
        ...(typeof rec.body['startTime'] === 'string' ? { startTime: rec.body['startTime'] } : {}),
        completionTime: now,
        outcome,
        message,
      }
      const body = withExecutionStatus(rec.body, status, nowMs)
      await tx.updateResource(record('execution', rec.parent, body))
      const annotations = isObject(rec.body['annotations']) ? rec.body['annotations'] : {}
      const opId = annotations[OPERATION_ANNOTATION]
      const [, projectId = '', , location = ''] = canonical.split('/')
      const opName =
        typeof opId === 'string' && opId !== ''
          ? `projects/${projectId}/locations/${location}/operations/${opId}`
          : undefined
      await this.#finish(tx, opName, rec.parent, body, status, nowMs)
    })
  }

  /** Stops every execution of a job this process runs (the job is being deleted). */
  async stopAll(jobName: string, reason: string): Promise<void> {
    const mine = [...this.#trackers.values()].filter((t) => t.job === jobName)
    await Promise.all(mine.map((t) => this.#stop(t.name, reason)))
  }

  /** Deletes a job's executions and their tasks (inside the job delete's transaction). */
  async deleteAllOf(tx: StoreTx, jobName: string): Promise<void> {
    for (const e of await listAll(tx, jobName, 'execution')) {
      for (const t of await listAll(tx, e.name, 'task')) await tx.deleteResource(t.name)
      await tx.deleteResource(e.name)
    }
  }

  /**
   * At start: executions a previous run of this server left unfinished are failed, since
   * runiam does not resume them. Only on SQLite, whose data folder belongs to one server; with
   * PostgreSQL another replica may be running them.
   */
  async reconcile(): Promise<number> {
    if (this.#ctx.store.engine !== 'sqlite') return 0
    let n = 0
    for (const e of await this.#ctx.store.listAllResources('execution')) {
      if (isExecutionDone(e.body) || this.#trackers.has(e.name)) continue
      await this.#endStored(
        e.name,
        'failed',
        'The server stopped while the execution was running; runiam does not resume executions.',
      )
      n++
    }
    return n
  }

  /** Waits until every recorded event is written (server stop, after the runtime closed). */
  async flush(): Promise<void> {
    await Promise.all([...this.#trackers.values()].map((t) => t.chain))
  }

  close(): void {
    if (this.#watch !== undefined) clearInterval(this.#watch)
    this.#watch = undefined
  }

  // ---- executions -----------------------------------------------------------------------------

  /** Compat: run.projects.locations.jobs.executions.get. */
  async get(caller: Caller, name: string): Promise<Execution> {
    const ref = parseExecutionName(name)
    await this.#ctx.checker.require(caller, 'run.executions.get', name)
    const p = await this.#project(ref.project)
    const rec = await this.#ctx.store.getResource(executionNameOf(ref, p.projectId))
    if (rec === undefined) throw executionNotFound(ref)
    return presentAs(asExecution(rec.body), p.projectId, ref.project)
  }

  /**
   * Compat: run.projects.locations.jobs.executions.list, newest first. Job `-` lists the
   * executions of every job of the location (location `-`: of the project), as gcloud asks
   * without --job.
   */
  async list(
    caller: Caller,
    parent: string,
    query: { pageSize?: string | undefined; pageToken?: string | undefined },
  ): Promise<ListExecutionsResponse> {
    const ref = parseJobName(parent, 'parent')
    await this.#ctx.checker.require(caller, 'run.executions.list', parent)
    const size = parsePageSize(query.pageSize)
    const p = await this.#project(ref.project)
    let items: ResourceRecord[]
    if (ref.jobId === '-' || ref.location === '-') {
      const prefix =
        ref.location === '-'
          ? `projects/${p.projectId}/locations/`
          : `projects/${p.projectId}/locations/${ref.location}/jobs/`
      const job = ref.jobId === '-' ? undefined : `/jobs/${ref.jobId}/executions/`
      items = (await this.#ctx.store.listAllResources('execution')).filter(
        (r) => r.name.startsWith(prefix) && (job === undefined || r.name.includes(job)),
      )
    } else {
      items = await listAll(this.#ctx.store, jobNameOf(ref, p.projectId), 'execution')
    }
    items.sort((a, b) =>
      a.createTime === b.createTime
        ? a.name < b.name
          ? 1
          : -1
        : a.createTime < b.createTime
          ? 1
          : -1,
    )
    const { page, next } = pageOf(items, size, query.pageToken)
    return {
      ...(page.length > 0
        ? { executions: page.map((r) => presentAs(asExecution(r.body), p.projectId, ref.project)) }
        : {}),
      ...(next === '' ? {} : { nextPageToken: next }),
    }
  }

  /** Compat: run.projects.locations.jobs.executions.cancel ({validateOnly, etag}). */
  async cancel(caller: Caller, name: string, body: unknown): Promise<Operation> {
    const ref = parseExecutionName(name)
    await this.#ctx.checker.require(caller, 'run.executions.cancel', name)
    const b = body ?? {}
    if (!isObject(b)) throw invalidArgument('body', 'Request body must be a JSON object.')
    for (const k of Object.keys(b)) {
      if (!['name', 'validateOnly', 'validate_only', 'etag'].includes(k)) {
        throw invalidArgument(
          k,
          `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`,
        )
      }
    }
    const validateOnly = b['validateOnly'] === true || b['validate_only'] === true
    const etag =
      typeof b['etag'] === 'string' && b['etag'] !== '' ? unquoteEtag(b['etag']) : undefined
    const p = await this.#project(ref.project)
    const canonical = executionNameOf(ref, p.projectId)
    const rec = await this.#ctx.store.getResource(canonical)
    if (rec === undefined) throw executionNotFound(ref)
    if (etag !== undefined && etag !== rec.body['etag']) throw resourceEtagConflict()
    if (isExecutionDone(rec.body)) throw alreadyCompleted(ref.executionId)
    const operation = (execution: Json): Operation =>
      runOperation({
        projectId: p.projectId,
        location: ref.location,
        typeUrl: EXECUTION_TYPE_URL,
        body: execution,
        done: true,
        nowMs: this.#ctx.now(),
      })
    if (validateOnly) return presentAs(operation(rec.body), p.projectId, ref.project)
    await this.#stop(
      canonical,
      `Execution ${ref.executionId} was cancelled by ${caller.email ?? caller.member}.`,
    )
    const op = await this.#ctx.store.transact(async (tx) => {
      const now = await tx.getResource(canonical)
      if (now === undefined) throw executionNotFound(ref)
      const o = operation(now.body)
      await putRunOperation(tx, o, this.#ctx.now())
      return o
    })
    return presentAs(op, p.projectId, ref.project)
  }

  /**
   * Compat: run.projects.locations.jobs.executions.delete (optional `etag`). A running execution
   * is cancelled first (its processes stopped); its tasks go with it.
   */
  async delete(
    caller: Caller,
    name: string,
    query: { validateOnly?: string | undefined; etag?: string | undefined },
  ): Promise<Operation> {
    const ref = parseExecutionName(name)
    await this.#ctx.checker.require(caller, 'run.executions.delete', name)
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    const p = await this.#project(ref.project)
    const canonical = executionNameOf(ref, p.projectId)
    const check = (rec: ResourceRecord | undefined): ResourceRecord => {
      if (rec === undefined) throw executionNotFound(ref)
      if (
        query.etag !== undefined &&
        query.etag !== '' &&
        unquoteEtag(query.etag) !== rec.body['etag']
      ) {
        throw resourceEtagConflict()
      }
      return rec
    }
    const found = check(await this.#ctx.store.getResource(canonical))
    const operation = (execution: Json): Operation =>
      runOperation({
        projectId: p.projectId,
        location: ref.location,
        typeUrl: EXECUTION_TYPE_URL,
        body: { ...execution, deleteTime: this.#now() },
        done: true,
        nowMs: this.#ctx.now(),
      })
    if (validateOnly) return presentAs(operation(found.body), p.projectId, ref.project)
    if (!isExecutionDone(found.body)) {
      await this.#stop(canonical, `Execution ${ref.executionId} was deleted.`)
    }
    const op = await this.#ctx.store.transact(async (tx) => {
      const rec = check(await tx.getResource(canonical))
      for (const t of await listAll(tx, canonical, 'task')) await tx.deleteResource(t.name)
      await tx.deleteResource(canonical)
      const o = operation(rec.body)
      const job = await tx.getResource(rec.parent)
      const latest = job?.body['latestCreatedExecution']
      if (job !== undefined && isObject(latest) && latest['name'] === canonical) {
        await tx.updateResource({
          ...job,
          body: { ...job.body, latestCreatedExecution: { ...latest, deleteTime: this.#now() } },
        })
      }
      await putRunOperation(tx, o, this.#ctx.now())
      return o
    })
    return presentAs(op, p.projectId, ref.project)
  }

  // ---- tasks ----------------------------------------------------------------------------------

  /** Compat: run.projects.locations.jobs.executions.tasks.get. */
  async getTask(caller: Caller, name: string): Promise<Task> {
    const ref = parseTaskName(name)
    await this.#ctx.checker.require(caller, 'run.tasks.get', name)
    const p = await this.#project(ref.project)
    const rec = await this.#ctx.store.getResource(
      `${executionNameOf(ref, p.projectId)}/tasks/${ref.taskId}`,
    )
    if (rec === undefined) throw resourceNotFound('TASK', ref.taskId, ref.location, ref.project)
    return presentAs(asTask(rec.body), p.projectId, ref.project)
  }

  /** Compat: run.projects.locations.jobs.executions.tasks.list, by task index. */
  async listTasks(
    caller: Caller,
    parent: string,
    query: { pageSize?: string | undefined; pageToken?: string | undefined },
  ): Promise<ListTasksResponse> {
    const ref = parseExecutionName(parent, 'parent')
    await this.#ctx.checker.require(caller, 'run.tasks.list', parent)
    const size = parsePageSize(query.pageSize)
    const p = await this.#project(ref.project)
    const items = (await listAll(this.#ctx.store, executionNameOf(ref, p.projectId), 'task')).sort(
      (a, b) => indexOf(a.body) - indexOf(b.body),
    )
    const { page, next } = pageOf(items, size, query.pageToken)
    return {
      ...(page.length > 0
        ? { tasks: page.map((r) => presentAs(asTask(r.body), p.projectId, ref.project)) }
        : {}),
      ...(next === '' ? {} : { nextPageToken: next }),
    }
  }
}
