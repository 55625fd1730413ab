// Google's Cloud Logging v2 JSON shapes for entries:list, as Cloud Run's stdout/stderr entries
// (of services and of jobs' tasks) carry them.

/** google.logging.v2.LogEntry, as much of it as Cloud Run's stdout/stderr entries carry. */
export interface LogEntry {
  readonly logName: string
  readonly resource: {
    /** A service's revision, a worker pool (`cloud_run_worker_pool`) or a job's task (`cloud_run_job`). */
    readonly type: 'cloud_run_revision' | 'cloud_run_worker_pool' | 'cloud_run_job'
    readonly labels: Readonly<Record<string, string>>
  }
  /** A job's entries: `run.googleapis.com/execution_name`, `…/task_index`, `…/task_attempt`. */
  readonly labels?: Readonly<Record<string, string>>
  readonly textPayload: string
  readonly timestamp: string
  readonly receiveTimestamp: string
  readonly severity: string
  readonly insertId: string
}

export interface ListLogEntriesResponse {
  readonly entries?: readonly LogEntry[]
  readonly nextPageToken?: string
}
