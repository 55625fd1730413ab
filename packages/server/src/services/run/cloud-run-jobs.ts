// Cloud Run Admin API v2 jobs: create, get, list, patch, delete (each write answers with a
// finished Operation that operations.get reads back), and the policy target for job IAM (v1 and
// v2 paths alike). Authorize first, then look things up, then act. Running a job and its
// executions and tasks are JobExecutions' (job-executions.ts).
import { JOB_TYPE_URL, type Job, type ListJobsResponse, type Operation } from '@runiam/api'
import { Code, isIamError, resourceNotFound, type IamError } from '@runiam/core'
import type { ProjectRecord, ResourceRecord, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, type ServiceContext } from '../context.js'
import { checkRegion, checkServiceId, parsePageSize, presentAs } from '../names.js'
import type { PolicyTarget } from '../policy-target.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import {
  applyJobMask,
  buildJob,
  readJobInput,
  requireTemplate,
  writableOfJob,
  type JobInput,
  type Json,
} from './job-body.js'
import type { JobExecutions } from './job-executions.js'
import { jobNameOf, parseJobName, type JobRef } from './job-names.js'
import {
  finishedOperation,
  resourceAlreadyExists,
  resourceEtagConflict,
  unquoteEtag,
  writeFlag,
} from './run-resource-writes.js'

/** Query parameters of the write methods, as strings from the URL. */
export interface JobWriteQuery {
  readonly jobId?: string | undefined
  readonly validateOnly?: string | undefined
  readonly allowMissing?: string | undefined
  readonly updateMask?: string | undefined
  readonly etag?: string | undefined
}

export function jobNotFound(r: JobRef): IamError {
  // Compat: Cloud Run v2's NOT_FOUND wording.
  return resourceNotFound('JOB', r.jobId, r.location, r.project)
}

const asJob = (body: Readonly<Json>): Job => ({ ...body }) as unknown as Job

export function jobRecord(
  name: string,
  p: ProjectRecord,
  location: string,
  job: Json,
): ResourceRecord {
  return {
    name,
    kind: 'job',
    parent: `projects/${p.projectId}/locations/${location}`,
    body: job,
    etag: String(job['etag']),
    createTime: String(job['createTime']),
    updateTime: String(job['updateTime']),
  }
}

export class CloudRunJobs {
  readonly #ctx: ServiceContext
  readonly #executions: JobExecutions

  constructor(ctx: ServiceContext, executions: JobExecutions) {
    this.#ctx = ctx
    this.#executions = executions
  }

  async #project(given: string): Promise<ProjectRecord> {
    const p = await this.#ctx.checker.project(given)
    if (p === undefined) throw projectNotFound(given)
    return p
  }

  /** The finished Operation of a write, stored in `tx` when given (not on validateOnly). */
  #operation(
    tx: StoreTx | undefined,
    p: ProjectRecord,
    location: string,
    job: Json,
  ): Promise<Operation> {
    return finishedOperation(tx, {
      projectId: p.projectId,
      location,
      typeUrl: JOB_TYPE_URL,
      body: job,
      nowMs: this.#ctx.now(),
    })
  }

  /** Compat: run.projects.locations.jobs.create (checked on the would-be job name). */
  async create(
    caller: Caller,
    parent: string,
    query: JobWriteQuery,
    body: unknown,
  ): Promise<Operation> {
    const [, project = '', , location = ''] = parent.split('/')
    const ref: JobRef = { project, location, jobId: query.jobId ?? '' }
    await this.#ctx.checker.require(caller, 'run.jobs.create', jobNameOf(ref))
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    checkServiceId(query.jobId, 'jobId')
    checkRegion(location)
    const input = readJobInput(body ?? {})
    requireTemplate(input)
    const p = await this.#project(project)
    return presentAs(
      await this.#createWith(caller, ref, p, input, validateOnly),
      p.projectId,
      project,
    )
  }

  async #createWith(
    caller: Caller,
    ref: JobRef,
    p: ProjectRecord,
    input: JobInput,
    validateOnly: boolean,
  ): Promise<Operation> {
    const name = jobNameOf(ref, p.projectId)
    const job = buildJob({
      name,
      input,
      actor: caller.email ?? caller.member,
      nowMs: this.#ctx.now(),
    })
    if (validateOnly) {
      if ((await this.#ctx.store.getResource(name)) !== undefined)
        throw resourceAlreadyExists(ref.jobId)
      return this.#operation(undefined, p, ref.location, job)
    }
    return this.#ctx.store.transact(async (tx) => {
      if ((await tx.getResource(name)) !== undefined) throw resourceAlreadyExists(ref.jobId)
      await tx.createResource(jobRecord(name, p, ref.location, job))
      return this.#operation(tx, p, ref.location, job)
    })
  }

  /** Compat: run.projects.locations.jobs.get. */
  async get(caller: Caller, name: string): Promise<Job> {
    const ref = parseJobName(name)
    await this.#ctx.checker.require(caller, 'run.jobs.get', name)
    const p = await this.#project(ref.project)
    const rec = await this.#ctx.store.getResource(jobNameOf(ref, p.projectId))
    if (rec === undefined) throw jobNotFound(ref)
    return presentAs(asJob(rec.body), p.projectId, ref.project)
  }

  /** Compat: run.projects.locations.jobs.list (location `-` lists every location). */
  async list(
    caller: Caller,
    parent: string,
    query: { pageSize?: string | undefined; pageToken?: string | undefined },
  ): Promise<ListJobsResponse> {
    const [, project = '', , location = ''] = parent.split('/')
    await this.#ctx.checker.require(caller, 'run.jobs.list', parent)
    const p = await this.#project(project)
    const size = parsePageSize(query.pageSize)
    let items: readonly ResourceRecord[]
    let next: string | undefined
    if (location === '-') {
      const prefix = `projects/${p.projectId}/locations/`
      items = (await this.#ctx.store.listAllResources('job')).filter((r) =>
        r.name.startsWith(prefix),
      )
    } else {
      const page = await this.#ctx.store.listResources(
        `projects/${p.projectId}/locations/${location}`,
        'job',
        {
          ...(size > 0 ? { pageSize: size } : {}),
          ...(query.pageToken !== undefined && query.pageToken !== ''
            ? { pageToken: query.pageToken }
            : {}),
        },
      )
      items = page.items
      next = page.nextPageToken
    }
    return {
      ...(items.length > 0
        ? { jobs: items.map((r) => presentAs(asJob(r.body), p.projectId, project)) }
        : {}),
      ...(next !== undefined && next !== '' ? { nextPageToken: next } : {}),
    }
  }

  /** Compat: run.projects.locations.jobs.patch (name from the path; body without name). */
  async patch(
    caller: Caller,
    name: string,
    query: JobWriteQuery,
    body: unknown,
  ): Promise<Operation> {
    const ref = parseJobName(name, 'job.name')
    await this.#ctx.checker.require(caller, 'run.jobs.update', name)
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    const allowMissing = writeFlag('allowMissing', query.allowMissing)
    const incoming = readJobInput(body ?? {})
    const requestEtag =
      isObject(body) && typeof body['etag'] === 'string' && body['etag'] !== ''
        ? unquoteEtag(body['etag'])
        : undefined
    const p = await this.#project(ref.project)
    const canonical = jobNameOf(ref, p.projectId)
    const current = await this.#ctx.store.getResource(canonical)
    if (current === undefined) {
      if (!allowMissing) throw jobNotFound(ref)
      // Compat: allow_missing: the caller must also have run.jobs.create.
      await this.#ctx.checker.require(caller, 'run.jobs.create', name)
      checkServiceId(ref.jobId, 'job.name')
      checkRegion(ref.location)
      requireTemplate(incoming)
      return presentAs(
        await this.#createWith(caller, ref, p, incoming, validateOnly),
        p.projectId,
        ref.project,
      )
    }
    const mask = query.updateMask
    const merged =
      mask === undefined || mask.trim() === ''
        ? incoming
        : readJobInput(applyJobMask(writableOfJob(current.body), incoming, mask))
    requireTemplate(merged)
    if (requestEtag !== undefined && requestEtag !== current.body['etag'])
      throw resourceEtagConflict()
    const op = await this.#ctx.store.transact(async (tx) => {
      // Read again inside the transaction: a run in between changed executionCount.
      const now = (await tx.getResource(canonical)) ?? current
      if (requestEtag !== undefined && requestEtag !== now.body['etag'])
        throw resourceEtagConflict()
      const job = buildJob({
        name: canonical,
        input: merged,
        actor: caller.email ?? caller.member,
        nowMs: this.#ctx.now(),
        previous: now.body,
      })
      if (validateOnly) return this.#operation(undefined, p, ref.location, job)
      try {
        await tx.updateResource(
          { ...jobRecord(canonical, p, ref.location, job), createTime: now.createTime },
          { ifEtag: now.etag },
        )
      } catch (err) {
        if (isIamError(err) && err.code === Code.ABORTED) throw resourceEtagConflict()
        throw err
      }
      return this.#operation(tx, p, ref.location, job)
    })
    return presentAs(op, p.projectId, ref.project)
  }

  /**
   * Compat: run.projects.locations.jobs.delete (optional `etag` must match). The job's executions
   * and tasks go with it; running ones are cancelled first (their processes stopped).
   */
  async delete(caller: Caller, name: string, query: JobWriteQuery): Promise<Operation> {
    const ref = parseJobName(name)
    await this.#ctx.checker.require(caller, 'run.jobs.delete', name)
    const validateOnly = writeFlag('validateOnly', query.validateOnly)
    const p = await this.#project(ref.project)
    const canonical = jobNameOf(ref, p.projectId)
    const check = (current: ResourceRecord | undefined): ResourceRecord => {
      if (current === undefined) throw jobNotFound(ref)
      if (
        query.etag !== undefined &&
        query.etag !== '' &&
        unquoteEtag(query.etag) !== current.body['etag']
      ) {
        throw resourceEtagConflict()
      }
      return current
    }
    const found = check(await this.#ctx.store.getResource(canonical))
    if (validateOnly) {
      const final = { ...found.body, deleteTime: isoTime(this.#ctx.now()) }
      return presentAs(
        await this.#operation(undefined, p, ref.location, final),
        p.projectId,
        ref.project,
      )
    }
    await this.#executions.stopAll(canonical, `Job ${ref.jobId} was deleted.`)
    const op = await this.#ctx.store.transact(async (tx) => {
      const current = check(await tx.getResource(canonical))
      await this.#executions.deleteAllOf(tx, canonical)
      await tx.deleteResource(canonical)
      const final = { ...current.body, deleteTime: isoTime(this.#ctx.now()) }
      return this.#operation(tx, p, ref.location, final)
    })
    return presentAs(op, p.projectId, ref.project)
  }

  /** A job as a policy target (the same for the v1 and v2 IAM paths). */
  target(name: string): PolicyTarget {
    const ref = parseJobName(name, 'resource')
    return {
      name,
      type: 'job',
      permissionPrefix: 'run.jobs',
      resolve: async () => {
        const p = await this.#ctx.checker.project(ref.project)
        if (p === undefined) return undefined
        const canonical = jobNameOf(ref, p.projectId)
        return (await this.#ctx.store.getResource(canonical)) === undefined ? undefined : canonical
      },
      notFound: () => jobNotFound(ref),
    }
  }
}
