// Wires Cloud Run jobs, their executions and tasks over the shared service context: what
// create-services.ts adds to the services for jobs, and the options main.ts gives them.
import type { ServiceContext } from '../context.js'
import type { ServiceLogReader } from '../logging/service-log-reader.js'
import { CloudRunJobs } from './cloud-run-jobs.js'
import { JobExecutions } from './job-executions.js'
import type { JobLauncher } from './job-runtime-port.js'

export interface JobServicesOptions {
  /** Runs executions as local processes; absent (no --local-processes): executions fail at once. */
  readonly launcher?: JobLauncher
  /** What job tasks printed (entries:list), keyed by job. */
  readonly logs?: ServiceLogReader
  log?(entry: Record<string, unknown>): void
}

export interface JobServices {
  readonly jobs: CloudRunJobs
  readonly executions: JobExecutions
}

export function createJobServices(
  ctx: ServiceContext,
  options: JobServicesOptions = {},
): JobServices {
  const executions = new JobExecutions(ctx, {
    ...(options.launcher === undefined ? {} : { launcher: options.launcher }),
    ...(options.log === undefined ? {} : { log: options.log }),
  })
  return { jobs: new CloudRunJobs(ctx, executions), executions }
}
