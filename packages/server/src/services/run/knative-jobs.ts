// Cloud Run's v1 jobs API (run.googleapis.com/v1 objects on the namespaces paths): jobs get, list,
// create, replace, delete and run; executions get, list, delete and cancel. Synchronous, as
// Google's v1 is. Every call is the v2 method on the same stored job or execution (CloudRunJobs,
// JobExecutions): v1 bodies are mapped to v2 (knative-job.ts) and answers back, so permissions,
// validation, executions that really run and their records are the v2 code paths, not copies.
// Each call first checks its permission naming the resource as v1 does (`namespaces/P/jobs/J`),
// then lets the v2 method check it again on the same name.
import {
  EXECUTION_JOB_LABEL,
  KNATIVE_RUN_API_VERSION,
  type Execution,
  type Job,
  type KnativeExecution,
  type KnativeExecutionList,
  type KnativeJob,
  type KnativeJobList,
  type KnativeStatus,
} from '@runiam/api'
import { resourceNotFound } from '@runiam/core'
import type { Caller } from '../caller.js'
import { isObject, type ServiceContext } from '../context.js'
import { invalidArgument } from '../names.js'
import { JOBS, type CloudRunJobs } from './cloud-run-jobs.js'
import type { JobExecutions } from './job-executions.js'
import type { JobServices } from './job-services.js'
import {
  readKnativeJob,
  readKnativeRunRequest,
  toKnativeExecution,
  toKnativeJob,
  withUnmappedJobFields,
} from './knative-job.js'
import {
  dryRunOf,
  lookUpNamed,
  lookUpRegion,
  v1NameOf,
  v2NameOf,
  type KnativeAim,
} from './knative-region.js'
import {
  createFromV1,
  deletedStatus,
  projectNumberOf,
  replaceFromV1,
  resourceOf,
  type KnativeWriter,
} from './knative-writes.js'

/** Where a v1 jobs call is aimed: the namespace of its path and the region of its Host. */
export type KnativeJobTarget = Omit<KnativeAim, 'namespaced'>

/** v1 query parameters, as strings from the URL. */
export interface KnativeJobQuery {
  /** k8s `dryRun` (`All`): validate only. */
  readonly dryRun?: string | undefined
  readonly limit?: string | undefined
  readonly continue?: string | undefined
  readonly labelSelector?: string | undefined
}

/** What a job id may look like (checkServiceId's rule), for ids read from a labelSelector. */
const JOB_ID = /^[a-z](?:[a-z0-9-]{0,47}[a-z0-9])?$/

interface Requirement {
  readonly key: string
  readonly op: '=' | '!=' | 'exists' | '!exists'
  readonly value?: string
}

/**
 * A k8s labelSelector of equality requirements (`a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-joined).
 * Set-based requirements (`in`, `notin`) are 400 naming the parameter.
 */
export function parseLabelSelector(raw: string | undefined): Requirement[] {
  if (raw === undefined || raw.trim() === '') return []
  return raw.split(',').map((part) => {
    const p = part.trim()
    const m = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(p)
    if (m !== null) {
      return { key: m[1] as string, op: m[2] === '!=' ? '!=' : '=', value: m[3] as string }
    }
    if (/^![^=!\s]+$/.test(p)) return { key: p.slice(1), op: '!exists' }
    if (/^[^=!\s]+$/.test(p)) return { key: p, op: 'exists' }
    throw invalidArgument(
      'labelSelector',
      `Invalid labelSelector ${JSON.stringify(raw)}: runiam supports equality requirements only (key=value, key!=value, key, !key), comma-separated.`,
    )
  })
}

function selects(requirements: readonly Requirement[], labels: unknown): boolean {
  const l = isObject(labels) ? labels : {}
  return requirements.every((r) => {
    const v = l[r.key]
    switch (r.op) {
      case '=':
        return v === r.value
      case '!=':
        return v !== r.value
      case 'exists':
        return v !== undefined
      case '!exists':
        return v === undefined
    }
  })
}

/** Whether a v1 RunJobRequest asks for overrides (before anything else is validated). */
function hasOverrides(body: unknown): boolean {
  const o = isObject(body) ? body['overrides'] : undefined
  if (o === undefined || o === null) return false
  return !isObject(o) || Object.values(o).some((v) => v !== undefined && v !== null)
}

/** A job as the shared v1 write paths (knative-writes.ts) take it: no v1 names on v2 calls. */
function jobWriter(jobs: CloudRunJobs): KnativeWriter {
  const { collection, kind, notFoundKind, permissionPrefix } = JOBS
  return {
    collection,
    kind,
    notFoundKind,
    permissionPrefix,
    noun: 'job',
    read: (body) => {
      const { jobId, ...rest } = readKnativeJob(body)
      return { id: jobId, ...rest }
    },
    withUnmapped: withUnmappedJobFields,
    create: (caller, parent, jobId, validateOnly, input) =>
      jobs.create(caller, parent, { jobId, validateOnly }, input),
    patch: (caller, name, validateOnly, body) =>
      jobs.patch(caller, name, { allowMissing: 'true', validateOnly }, body),
    // Compat: creating through replace needs run.jobs.create too (v2's allowMissing rule).
    replaceChecksCreate: true,
  }
}

export class KnativeJobs {
  readonly #ctx: ServiceContext
  readonly #jobs: CloudRunJobs
  readonly #executions: JobExecutions
  readonly #writer: KnativeWriter

  /** `jobs` must be the server's own job services: executions are tracked there. */
  constructor(ctx: ServiceContext, jobs: JobServices) {
    this.#ctx = ctx
    this.#jobs = jobs.jobs
    this.#executions = jobs.executions
    this.#writer = jobWriter(jobs.jobs)
  }

  /** The job's region: the Host's, else the one region where the project has the job. */
  async #jobRegion(
    caller: Caller,
    at: KnativeJobTarget,
    jobId: string,
    permission: string,
  ): Promise<string> {
    return (
      at.region ??
      (await lookUpRegion(this.#ctx, caller, at, this.#writer, jobId, permission, 'notFound'))
    )
  }

  /**
   * The stored execution a v1 call names by id alone (`namespaces/P/executions/E`): looked up in
   * the Host's region, or in every region, since the id does not name its job. Authorized
   * before anything shows.
   */
  async #executionName(
    caller: Caller,
    at: KnativeJobTarget,
    executionId: string,
    permission: string,
  ): Promise<string> {
    // Cloud Run's ids are `{job}-{5 characters}`: the likely job, for a check on a missing one.
    const cut = executionId.lastIndexOf('-')
    const job = cut > 0 ? executionId.slice(0, cut) : '-'
    const shownAs = v1NameOf(at, 'executions', executionId)
    const name = await lookUpNamed(this.#ctx, caller, {
      project: at.project,
      kind: 'execution',
      suffix: `/executions/${executionId}`,
      region: at.region,
      permission,
      shownAs,
      placeholder: `${v2NameOf(at, at.region ?? '-', 'jobs', job)}/executions/${executionId}`,
      onMissing: 'notFound',
      notFound: () => resourceNotFound('EXECUTION', executionId, at.region, at.project),
    })
    await this.#ctx.checker.require(caller, permission, name, shownAs)
    return name
  }

  // ---- jobs -----------------------------------------------------------------------------------

  /** Compat: run.namespaces.jobs.get. */
  async get(caller: Caller, at: KnativeJobTarget, jobId: string): Promise<KnativeJob> {
    const region = await this.#jobRegion(caller, at, jobId, 'run.jobs.get')
    const name = v2NameOf(at, region, 'jobs', jobId)
    await this.#ctx.checker.require(caller, 'run.jobs.get', name, v1NameOf(at, 'jobs', jobId))
    const job = await this.#jobs.get(caller, name)
    return toKnativeJob(job, await projectNumberOf(this.#ctx, at.project))
  }

  /** Compat: run.namespaces.jobs.list (every region when the Host names none). */
  async list(
    caller: Caller,
    at: KnativeJobTarget,
    query: KnativeJobQuery,
  ): Promise<KnativeJobList> {
    const parent = `projects/${at.project}/locations/${at.region ?? '-'}`
    await this.#ctx.checker.require(caller, 'run.jobs.list', parent, v1NameOf(at))
    const selector = parseLabelSelector(query.labelSelector)
    const page = await this.#jobs.list(caller, parent, {
      pageSize: query.limit,
      pageToken: query.continue,
    })
    const number = await projectNumberOf(this.#ctx, at.project)
    return {
      apiVersion: KNATIVE_RUN_API_VERSION,
      kind: 'JobsList',
      items: (page.jobs ?? [])
        .map((j) => toKnativeJob(j, number))
        .filter((j) => selects(selector, j.metadata.labels)),
      metadata: page.nextPageToken === undefined ? {} : { continue: page.nextPageToken },
    }
  }

  /** Compat: run.namespaces.jobs.create: the region is the Host's or the location label's. */
  async create(
    caller: Caller,
    at: KnativeJobTarget,
    query: KnativeJobQuery,
    body: unknown,
  ): Promise<KnativeJob> {
    const op = await createFromV1(this.#ctx, caller, at, this.#writer, query.dryRun, body)
    return toKnativeJob(resourceOf<Job>(op), await projectNumberOf(this.#ctx, at.project))
  }

  /**
   * Compat: run.namespaces.jobs.replaceJob: the whole object, as a v2 patch without an update
   * mask. A job that does not exist is created (run.jobs.create, as v2's allowMissing).
   * `metadata.resourceVersion`, when given, must be the current one.
   */
  async replace(
    caller: Caller,
    at: KnativeJobTarget,
    jobId: string,
    query: KnativeJobQuery,
    body: unknown,
  ): Promise<KnativeJob> {
    const { op, projectNumber } = await replaceFromV1(
      this.#ctx,
      caller,
      at,
      this.#writer,
      jobId,
      query.dryRun,
      body,
    )
    return toKnativeJob(resourceOf<Job>(op), projectNumber)
  }

  /** Compat: run.namespaces.jobs.delete: answers a k8s Status. Its executions go with it. */
  async delete(
    caller: Caller,
    at: KnativeJobTarget,
    jobId: string,
    query: KnativeJobQuery,
  ): Promise<KnativeStatus> {
    const region = await this.#jobRegion(caller, at, jobId, 'run.jobs.delete')
    const name = v2NameOf(at, region, 'jobs', jobId)
    await this.#ctx.checker.require(caller, 'run.jobs.delete', name, v1NameOf(at, 'jobs', jobId))
    const op = await this.#jobs.delete(caller, name, { validateOnly: dryRunOf(query.dryRun) })
    return deletedStatus(jobId, 'run.googleapis.com', 'jobs', resourceOf<Job>(op).uid)
  }

  /**
   * Compat: run.namespaces.jobs.run: answers the new Execution at once (running, or finished
   * when it could not start). Overrides need run.jobs.runWithOverrides as on v2.
   */
  async run(
    caller: Caller,
    at: KnativeJobTarget,
    jobId: string,
    body: unknown,
  ): Promise<KnativeExecution> {
    const shownAs = v1NameOf(at, 'jobs', jobId)
    const region = await this.#jobRegion(caller, at, jobId, 'run.jobs.run')
    const name = v2NameOf(at, region, 'jobs', jobId)
    await this.#ctx.checker.require(caller, 'run.jobs.run', name, shownAs)
    if (hasOverrides(body)) {
      await this.#ctx.checker.require(caller, 'run.jobs.runWithOverrides', name, shownAs)
    }
    const op = await this.#executions.run(caller, name, readKnativeRunRequest(body))
    return toKnativeExecution(
      resourceOf<Execution>(op),
      await projectNumberOf(this.#ctx, at.project),
    )
  }

  // ---- executions -----------------------------------------------------------------------------

  /** Compat: run.namespaces.executions.get. */
  async getExecution(
    caller: Caller,
    at: KnativeJobTarget,
    executionId: string,
  ): Promise<KnativeExecution> {
    const name = await this.#executionName(caller, at, executionId, 'run.executions.get')
    const execution = await this.#executions.get(caller, name)
    return toKnativeExecution(execution, await projectNumberOf(this.#ctx, at.project))
  }

  /**
   * Compat: run.namespaces.executions.list, newest first. A labelSelector
   * `run.googleapis.com/job=JOB` (what gcloud sends for --job) lists that job's executions and
   * is checked on the job; other requirements filter the page.
   */
  async listExecutions(
    caller: Caller,
    at: KnativeJobTarget,
    query: KnativeJobQuery,
  ): Promise<KnativeExecutionList> {
    const selector = parseLabelSelector(query.labelSelector)
    const job = selector.find((r) => r.key === EXECUTION_JOB_LABEL && r.op === '=')?.value
    // Only a job id narrows the parent; anything else (`a/executions/b`…) only filters.
    const parent = v2NameOf(
      at,
      at.region ?? '-',
      'jobs',
      job !== undefined && JOB_ID.test(job) ? job : '-',
    )
    await this.#ctx.checker.require(caller, 'run.executions.list', parent, v1NameOf(at))
    const page = await this.#executions.list(caller, parent, {
      pageSize: query.limit,
      pageToken: query.continue,
    })
    const number = await projectNumberOf(this.#ctx, at.project)
    return {
      apiVersion: KNATIVE_RUN_API_VERSION,
      kind: 'ExecutionsList',
      items: (page.executions ?? [])
        .map((e) => toKnativeExecution(e, number))
        .filter((e) => selects(selector, e.metadata.labels)),
      metadata: page.nextPageToken === undefined ? {} : { continue: page.nextPageToken },
    }
  }

  /** Compat: run.namespaces.executions.delete: a running one is cancelled first. */
  async deleteExecution(
    caller: Caller,
    at: KnativeJobTarget,
    executionId: string,
  ): Promise<KnativeStatus> {
    const name = await this.#executionName(caller, at, executionId, 'run.executions.delete')
    const op = await this.#executions.delete(caller, name, {})
    const gone = resourceOf<Execution>(op)
    return deletedStatus(executionId, 'run.googleapis.com', 'executions', gone.uid)
  }

  /**
   * Compat: run.namespaces.executions.cancel: stops the running tasks and answers the cancelled
   * Execution. Needs run.executions.cancel and, as Google's v1 method, run.jobs.run.
   */
  async cancel(
    caller: Caller,
    at: KnativeJobTarget,
    executionId: string,
    body: unknown,
  ): Promise<KnativeExecution> {
    const name = await this.#executionName(caller, at, executionId, 'run.executions.cancel')
    await this.#ctx.checker.require(
      caller,
      'run.jobs.run',
      name,
      v1NameOf(at, 'executions', executionId),
    )
    const b = body ?? {}
    if (!isObject(b)) throw invalidArgument('body', 'Request body must be a JSON object.')
    for (const k of Object.keys(b)) {
      throw invalidArgument(
        k,
        `Invalid JSON payload received. Unknown name "${k}" at 'cancelExecutionRequest': Cannot find field.`,
      )
    }
    const op = await this.#executions.cancel(caller, name, {})
    return toKnativeExecution(
      resourceOf<Execution>(op),
      await projectNumberOf(this.#ctx, at.project),
    )
  }
}
