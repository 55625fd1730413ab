// The names of Cloud Run jobs, their executions and tasks:
// `projects/P/locations/L/jobs/J[/executions/E[/tasks/T]]`, split into their parts (the project
// as the caller spelled it: id or number), and the ids runiam gives executions and tasks.
import { invalidArgument } from '../names.js'

export interface JobRef {
  readonly project: string
  readonly location: string
  readonly jobId: string
}

export interface ExecutionRef extends JobRef {
  readonly executionId: string
}

export interface TaskRef extends ExecutionRef {
  readonly taskId: string
}

function parts(name: string, kinds: readonly string[], field: string, what: string): string[] {
  const p = name.split('/')
  const expected = ['projects', 'locations', ...kinds]
  const ok =
    p.length === expected.length * 2 &&
    expected.every((k, i) => p[i * 2] === k && (p[i * 2 + 1] ?? '') !== '')
  if (!ok) throw invalidArgument(field, `Invalid ${what} name '${name}'.`)
  return p
}

export function parseJobName(name: string, field = 'name'): JobRef {
  const p = parts(name, ['jobs'], field, 'job')
  return { project: p[1] ?? '', location: p[3] ?? '', jobId: p[5] ?? '' }
}

export function parseExecutionName(name: string, field = 'name'): ExecutionRef {
  const p = parts(name, ['jobs', 'executions'], field, 'execution')
  return { project: p[1] ?? '', location: p[3] ?? '', jobId: p[5] ?? '', executionId: p[7] ?? '' }
}

export function parseTaskName(name: string, field = 'name'): TaskRef {
  const p = parts(name, ['jobs', 'executions', 'tasks'], field, 'task')
  return {
    project: p[1] ?? '',
    location: p[3] ?? '',
    jobId: p[5] ?? '',
    executionId: p[7] ?? '',
    taskId: p[9] ?? '',
  }
}

/** `projects/P/locations/L/jobs/J` with P as given. */
export const jobNameOf = (r: JobRef, project = r.project): string =>
  `projects/${project}/locations/${r.location}/jobs/${r.jobId}`

export const executionNameOf = (r: ExecutionRef, project = r.project): string =>
  `${jobNameOf(r, project)}/executions/${r.executionId}`

/** Compat: Cloud Run names a task after its execution and index (`migrate-vnttt-task0`). */
export const taskIdOf = (executionId: string, index: number): string =>
  `${executionId}-task${index}`
