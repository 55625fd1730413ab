// Cloud Run Admin API v2 jobs: create, get, list, patch, delete and the policy target for job IAM
// (v1 and v2 paths alike) are the methods every resource kind shares (run-resources.ts), plus a
// job's own rules: a job needs its template, a patch builds on the job as it is when written (a
// run in between changed executionCount), and a delete takes the job's executions and tasks with
// it, cancelling running ones first. Running a job is JobExecutions' (job-executions.ts).
import { JOB_TYPE_URL, type Job, type ListJobsResponse } from '@runiam/api'
import { resourceNotFound, type IamError } from '@runiam/core'
import type { ServiceContext } from '../context.js'
import { applyJobMask, buildJob, readJobInput, requireTemplate, writableOfJob } from './job-body.js'
import type { JobExecutions } from './job-executions.js'
import { parseJobName, type JobRef } from './job-names.js'
import type { RunResourceKind } from './run-resource-kind.js'
import { RunResources, type RunWriteQuery } from './run-resources.js'
import { TASK_TEMPLATE_ACCOUNT } from './runtime-account.js'

/** Query parameters of the write methods, as strings from the URL. */
export interface JobWriteQuery extends RunWriteQuery {
  readonly jobId?: string | undefined
}

export function jobNotFound(r: JobRef): IamError {
  // Compat: Cloud Run v2's NOT_FOUND wording.
  return resourceNotFound('JOB', r.jobId, r.location, r.project)
}

/** A job, as the methods every kind shares (and the v1 API) take it. */
export const JOBS: RunResourceKind = {
  runtimeAccount: { path: TASK_TEMPLATE_ACCOUNT, field: 'job.template.template.service_account' },
  kind: 'job',
  collection: 'jobs',
  permissionPrefix: 'run.jobs',
  typeUrl: JOB_TYPE_URL,
  notFoundKind: 'JOB',
  listField: 'jobs',
  idField: 'jobId',
  nameField: 'job.name',
  parse: (name, field) => {
    const r = parseJobName(name, field)
    return { project: r.project, location: r.location, id: r.jobId }
  },
  readInput: readJobInput,
  writableOf: writableOfJob,
  applyMask: applyJobMask,
  // Compat: a job needs its template (ExecutionTemplate is REQUIRED).
  requireComplete: requireTemplate,
  build: (a) =>
    buildJob({
      name: a.name,
      input: a.input,
      actor: a.actor,
      nowMs: a.nowMs,
      ...(a.previous === undefined ? {} : { previous: a.previous }),
    }),
  readAgainOnUpdate: true,
}

export class CloudRunJobs extends RunResources<Job, ListJobsResponse, JobWriteQuery> {
  constructor(ctx: ServiceContext, executions: JobExecutions) {
    super(ctx, JOBS, {
      beforeDelete: (canonical, ref) => executions.stopAll(canonical, `Job ${ref.id} was deleted.`),
      alsoDelete: (tx, canonical) => executions.deleteAllOf(tx, canonical),
    })
  }
}
