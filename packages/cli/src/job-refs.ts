// Resolves which job or execution a `run jobs …` command acts on: a JOB or EXECUTION positional
// (or a full resource name), with the project and region settings, and the REST paths of it.
import { CliError } from './cli-error.js'
import type { CommandContext } from './command-context.js'
import { requireProject, requireRegion } from './resource-refs.js'

export interface JobRef {
  readonly project: string
  readonly region: string
  readonly job: string
}

export interface ExecutionRef extends JobRef {
  readonly execution: string
}

const seg = (s: string): string => encodeURIComponent(s)
const JOB_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/]+)$/
const EXECUTION_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/jobs\/([^/]+)\/executions\/([^/]+)$/

/** The job of a `run jobs …` command; JOB may also be a full resource name. */
export function jobRef(ctx: CommandContext, name: string): JobRef {
  const m = JOB_NAME.exec(name)
  if (m !== null) return { project: m[1] as string, region: m[2] as string, job: m[3] as string }
  return { project: requireProject(ctx), region: requireRegion(ctx), job: name }
}

/**
 * The execution of a `run jobs executions …` command. Compat: gcloud names an execution by its
 * id alone; Cloud Run's ids are `{job}-{5 characters}`, so the job is the id without its suffix.
 */
export function executionRef(ctx: CommandContext, name: string): ExecutionRef {
  const m = EXECUTION_NAME.exec(name)
  if (m !== null) {
    return {
      project: m[1] as string,
      region: m[2] as string,
      job: m[3] as string,
      execution: m[4] as string,
    }
  }
  const cut = name.lastIndexOf('-')
  if (cut <= 0) {
    throw new CliError(
      `Invalid execution [${name}]: an execution is named after its job, as JOB-xxxxx.`,
      2,
    )
  }
  return { ...jobRef(ctx, name.slice(0, cut)), execution: name }
}

/** `/v2/projects/P/locations/R/jobs/J` */
export const jobPath = (r: JobRef): string =>
  `/v2/projects/${seg(r.project)}/locations/${seg(r.region)}/jobs/${seg(r.job)}`

/** `/v1/projects/P/locations/R/jobs/J` (job IAM, as gcloud calls it). */
export const jobV1Path = (r: JobRef): string =>
  `/v1/projects/${seg(r.project)}/locations/${seg(r.region)}/jobs/${seg(r.job)}`

export const executionPath = (r: ExecutionRef): string =>
  `${jobPath(r)}/executions/${seg(r.execution)}`
