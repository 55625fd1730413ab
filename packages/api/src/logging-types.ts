// Google's Cloud Logging v2 JSON shapes for entries:list, as Cloud Run's stdout/stderr entries
// carry them.

/** google.logging.v2.LogEntry, as much of it as Cloud Run's stdout/stderr entries carry. */
export interface LogEntry {
  readonly logName: string
  readonly resource: {
    /** A service's revision, or a worker pool (`cloud_run_worker_pool`). */
    readonly type: 'cloud_run_revision' | 'cloud_run_worker_pool'
    readonly labels: Readonly<Record<string, string>>
  }
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
