// Cloud Logging's entries.list (POST /v2/entries:list) over the output of local service
// processes: authorize logging.logEntries.list on every project named (AIP-211: before looking
// anything up), parse the filter, then answer Google's LogEntry shapes for Cloud Run revisions,
// ordered by timestamp and paged.
import type { ListLogEntriesResponse, LogEntry } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { Caller } from '../caller.js'
import type { PermissionChecker } from '../permission-checker.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import { matchesFilter, parseLogFilter } from './log-filter.js'
import './logging-reasons.js'
import type { LogLine, ServiceKey, ServiceLogReader } from './service-log-reader.js'

export const LOG_ENTRIES_LIST_PERMISSION = 'logging.logEntries.list'

const DEFAULT_PAGE = 50
const MAX_PAGE = 1000

function bad(message: string, field: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_LOG_REQUEST', message, {
    metadata: { field },
  })
}

// Compat: Cloud Run writes a container's streams to run.googleapis.com/stdout and /stderr, and
// its own notes (start, exit, probe failures) to run.googleapis.com/varlog/system.
const LOG_IDS: Record<LogLine['stream'], string> = {
  stdout: 'run.googleapis.com%2Fstdout',
  stderr: 'run.googleapis.com%2Fstderr',
  system: 'run.googleapis.com%2Fvarlog%2Fsystem',
}

/**
 * A job task's line. Compat: Cloud Run jobs log as resource `cloud_run_job` (labels job_name,
 * location, project_id) with the execution, task index and attempt as entry labels.
 */
export function toJobLogEntry(key: ServiceKey, line: LogLine): LogEntry {
  return {
    logName: `projects/${key.project}/logs/${LOG_IDS[line.stream]}`,
    resource: {
      type: 'cloud_run_job',
      labels: { job_name: key.service, location: key.region, project_id: key.project },
    },
    labels: {
      'run.googleapis.com/execution_name': line.revision,
      'run.googleapis.com/task_index': line.labels?.['task_index'] ?? '0',
      'run.googleapis.com/task_attempt': line.labels?.['task_attempt'] ?? '0',
    },
    textPayload: line.text,
    timestamp: line.timestamp,
    receiveTimestamp: line.timestamp,
    severity: line.severity,
    insertId: line.insertId,
  }
}

/** What a line came from: a service's revision, a worker pool's, or a job's task (Cloud Logging resources). */
export type LogSource = 'service' | 'workerPool' | 'job'

export function toLogEntry(
  key: ServiceKey,
  line: LogLine,
  source: LogSource = 'service',
): LogEntry {
  if (source === 'job') return toJobLogEntry(key, line)
  if (source === 'workerPool') {
    return {
      logName: `projects/${key.project}/logs/${LOG_IDS[line.stream]}`,
      // Compat: Cloud Run worker pools log as resource type cloud_run_worker_pool (what
      // `gcloud run worker-pools logs read` filters on).
      resource: {
        type: 'cloud_run_worker_pool',
        labels: {
          worker_pool_name: key.service,
          revision_name: line.revision,
          location: key.region,
          project_id: key.project,
        },
      },
      textPayload: line.text,
      timestamp: line.timestamp,
      receiveTimestamp: line.timestamp,
      severity: line.severity,
      insertId: line.insertId,
    }
  }
  return {
    logName: `projects/${key.project}/logs/${LOG_IDS[line.stream]}`,
    resource: {
      type: 'cloud_run_revision',
      labels: {
        service_name: key.service,
        revision_name: line.revision,
        location: key.region,
        configuration_name: key.service,
        project_id: key.project,
      },
    },
    textPayload: line.text,
    timestamp: line.timestamp,
    receiveTimestamp: line.timestamp,
    severity: line.severity,
    insertId: line.insertId,
  }
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64url')

function pageSizeOf(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_PAGE
  const n = typeof raw === 'string' && raw !== '' ? Number(raw) : raw
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw bad(`Invalid value at 'page_size' (TYPE_INT32), ${JSON.stringify(raw)}`, 'pageSize')
  }
  // Compat: non-positive page sizes mean the default; the maximum is 1000.
  return n <= 0 ? DEFAULT_PAGE : Math.min(n, MAX_PAGE)
}

export class LogEntriesService {
  readonly #checker: PermissionChecker
  readonly #sources: readonly (readonly [LogSource, ServiceLogReader | undefined])[]

  constructor(
    checker: PermissionChecker,
    logs: ServiceLogReader | undefined,
    workerPoolLogs?: ServiceLogReader,
    /** What job tasks printed (keyed by job: `service` is the job id). */
    jobLogs?: ServiceLogReader,
  ) {
    this.#checker = checker
    this.#sources = [
      ['service', logs],
      ['workerPool', workerPoolLogs],
      ['job', jobLogs],
    ]
  }

  /** Compat: logging.entries.list. */
  async list(caller: Caller, body: unknown): Promise<ListLogEntriesResponse> {
    const req = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>
    const names: unknown[] = [
      ...(Array.isArray(req['resourceNames']) ? req['resourceNames'] : []),
      ...(Array.isArray(req['projectIds'])
        ? (req['projectIds'] as unknown[]).map((p) => `projects/${String(p)}`)
        : []),
    ]
    if (names.length === 0) {
      throw bad('resourceNames: at least one resource name is required.', 'resourceNames')
    }
    const projects: string[] = []
    for (const n of names) {
      const m = typeof n === 'string' ? /^projects\/([^/]+)$/.exec(n) : null
      if (m?.[1] === undefined) {
        throw bad(
          `Invalid resource name ${JSON.stringify(n)}: runiam holds logs of projects only (projects/PROJECT_ID).`,
          'resourceNames',
        )
      }
      projects.push(m[1])
    }
    for (const p of projects) {
      await this.#checker.require(caller, LOG_ENTRIES_LIST_PERMISSION, `projects/${p}`)
    }
    const filter = req['filter'] === undefined ? '' : req['filter']
    if (typeof filter !== 'string') throw bad('filter must be a string.', 'filter')
    const clauses = parseLogFilter(filter)
    const orderBy = typeof req['orderBy'] === 'string' ? req['orderBy'].trim() : ''
    let descending: boolean
    if (orderBy === '' || /^timestamp(\s+asc)?$/i.test(orderBy)) descending = false
    else if (/^timestamp\s+desc$/i.test(orderBy)) descending = true
    else {
      throw bad(
        `Invalid orderBy ${JSON.stringify(req['orderBy'])}: "timestamp asc" or "timestamp desc".`,
        'orderBy',
      )
    }
    const pageSize = pageSizeOf(req['pageSize'])
    let after: string | undefined
    if (typeof req['pageToken'] === 'string' && req['pageToken'] !== '') {
      after = Buffer.from(req['pageToken'], 'base64url').toString('utf8')
      if (!/^[0-9a-f]{20}$/.test(after)) {
        throw bad(`Invalid page token ${JSON.stringify(req['pageToken'])}.`, 'pageToken')
      }
    }

    const all: LogEntry[] = []
    for (const given of projects) {
      const project = await this.#checker.project(given)
      if (project === undefined) throw projectNotFound(given)
      for (const [source, logs] of this.#sources) {
        for (const key of logs?.services(project.projectId) ?? []) {
          for (const line of logs?.lines(key) ?? []) {
            const entry = toLogEntry(key, line, source)
            if (matchesFilter(entry, clauses)) all.push(entry)
          }
        }
      }
    }
    all.sort((a, b) => (a.insertId < b.insertId ? -1 : a.insertId > b.insertId ? 1 : 0))
    if (descending) all.reverse()
    const start =
      after === undefined
        ? 0
        : all.findIndex((e) => (descending ? e.insertId < after : e.insertId > after))
    const page = start < 0 ? [] : all.slice(start, start + pageSize)
    const more = start >= 0 && start + pageSize < all.length
    const last = page.at(-1)
    return {
      ...(page.length === 0 ? {} : { entries: page }),
      ...(more && last !== undefined ? { nextPageToken: b64(last.insertId) } : {}),
    }
  }
}
