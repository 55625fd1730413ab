// Google's Cloud Logging v2 JSON shapes for entries:list, as Cloud Run's stdout/stderr entries
// (of services and of jobs' tasks) and Cloud Audit Logs entries carry them.

/** google.logging.v2.LogEntry, as much of it as Cloud Run's entries and audit entries carry. */
export interface LogEntry {
  readonly logName: string
  readonly resource: {
    /**
     * A service's revision, a worker pool (`cloud_run_worker_pool`) or a job's task
     * (`cloud_run_job`); audit entries also name `project`, `organization`, `service_account`, ….
     */
    readonly type: string
    readonly labels: Readonly<Record<string, string>>
  }
  /** A job's entries: `run.googleapis.com/execution_name`, `…/task_index`, `…/task_attempt`. */
  readonly labels?: Readonly<Record<string, string>>
  /** What a process printed (service, worker pool and job logs). */
  readonly textPayload?: string
  /**
   * Audit entries: a google.cloud.audit.AuditLog (`@type`
   * `type.googleapis.com/google.cloud.audit.AuditLog`), as JSON.
   */
  readonly protoPayload?: Readonly<Record<string, unknown>>
  readonly timestamp: string
  readonly receiveTimestamp: string
  readonly severity: string
  readonly insertId: string
}

export interface ListLogEntriesResponse {
  readonly entries?: readonly LogEntry[]
  readonly nextPageToken?: string
}
