// Cloud Logging's entries.list (POST /v2/entries:list) over the output of local service
// processes and the Cloud Audit Logs entries in the store: authorize logging.logEntries.list on
// every project or organization named (AIP-211: before looking anything up), parse the filter,
// then answer Google's LogEntry shapes ordered by (timestamp, insertId) and paged. Data Access
// audit entries are shown only to callers holding logging.privateLogEntries.list there.
import type { ListLogEntriesResponse, LogEntry } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { AuditEntryCursor, StoreReader } from '@runiam/store'
import type { Caller } from '../caller.js'
import type { PermissionChecker } from '../permission-checker.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import { filterHints, matchesFilter, parseLogFilter } from './log-filter.js'
import './logging-reasons.js'
import type { LogLine, ServiceKey, ServiceLogReader } from './service-log-reader.js'

export const LOG_ENTRIES_LIST_PERMISSION = 'logging.logEntries.list'
/** Compat: Data Access audit logs are private logs; reading them needs this permission too. */
export const PRIVATE_LOG_ENTRIES_LIST_PERMISSION = 'logging.privateLogEntries.list'

const DEFAULT_PAGE = 50
const MAX_PAGE = 1000
// Compat: at most 100 resourceNames per request.
const MAX_RESOURCE_NAMES = 100
// Stored audit entries read per request at most; past it the page ends early with a
// nextPageToken (Google's contract allows a short or empty page with a token).
const SCAN_BATCH = 500
const SCAN_BATCHES = 20

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

/** A position in the (timestamp, insertId) order, as an opaque page token. */
const encodeToken = (c: AuditEntryCursor): string =>
  Buffer.from(JSON.stringify([c.timestamp, c.insertId]), 'utf8').toString('base64url')

function decodeToken(token: string): AuditEntryCursor {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      typeof v[1] === 'string' &&
      !Number.isNaN(Date.parse(v[0]))
    ) {
      return { timestamp: v[0], insertId: v[1] }
    }
  } catch {
    // falls through to the error below
  }
  throw bad(`Invalid page token ${JSON.stringify(token)}.`, 'pageToken')
}

/** Entry order: timestamp (as instants), then insertId. */
function compareKeys(a: AuditEntryCursor, b: AuditEntryCursor): number {
  const ta = Date.parse(a.timestamp)
  const tb = Date.parse(b.timestamp)
  if (ta !== tb) return ta < tb ? -1 : 1
  return a.insertId < b.insertId ? -1 : a.insertId > b.insertId ? 1 : 0
}

const keyOf = (e: LogEntry): AuditEntryCursor => ({ timestamp: e.timestamp, insertId: e.insertId })

function pageSizeOf(raw: unknown): number {
  if (raw === undefined || raw === null) return DEFAULT_PAGE
  const n = typeof raw === 'string' && raw !== '' ? Number(raw) : raw
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw bad(`Invalid value at 'page_size' (TYPE_INT32), ${JSON.stringify(raw)}`, 'pageSize')
  }
  // Compat: negative page sizes and sizes above 1000 are refused; 0 means the default.
  if (n < 0 || n > MAX_PAGE) {
    throw bad(`Invalid pageSize ${n}: it must be between 0 and ${MAX_PAGE}.`, 'pageSize')
  }
  return n === 0 ? DEFAULT_PAGE : n
}

export class LogEntriesService {
  readonly #checker: PermissionChecker
  readonly #store: StoreReader
  readonly #sources: readonly (readonly [LogSource, ServiceLogReader | undefined])[]

  constructor(
    checker: PermissionChecker,
    store: StoreReader,
    logs: ServiceLogReader | undefined,
    workerPoolLogs?: ServiceLogReader,
    /** What job tasks printed (keyed by job: `service` is the job id). */
    jobLogs?: ServiceLogReader,
  ) {
    this.#checker = checker
    this.#store = store
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
    if (names.length > MAX_RESOURCE_NAMES) {
      throw bad(
        `resourceNames: at most ${MAX_RESOURCE_NAMES} resource names are allowed, got ${names.length}.`,
        'resourceNames',
      )
    }
    const parents: string[] = []
    for (const n of names) {
      const m = typeof n === 'string' ? /^(projects|organizations)\/([^/]+)$/.exec(n) : null
      if (m === null) {
        throw bad(
          `Invalid resource name ${JSON.stringify(n)}: runiam holds logs of projects and organizations (projects/PROJECT_ID, organizations/ORGANIZATION_ID).`,
          'resourceNames',
        )
      }
      parents.push(n as string)
    }
    for (const p of parents) {
      await this.#checker.require(caller, LOG_ENTRIES_LIST_PERMISSION, p)
    }
    const filter = req['filter'] === undefined ? '' : req['filter']
    if (typeof filter !== 'string') throw bad('filter must be a string.', 'filter')
    const tree = parseLogFilter(filter)
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
    const token =
      typeof req['pageToken'] === 'string' && req['pageToken'] !== ''
        ? decodeToken(req['pageToken'])
        : undefined
    const beyond = (k: AuditEntryCursor, mark: AuditEntryCursor): boolean =>
      descending ? compareKeys(k, mark) < 0 : compareKeys(k, mark) > 0

    // Resolve the parents (project numbers to ids) and who may see Data Access entries.
    const stored: string[] = []
    const privateOk = new Set<string>()
    const projects: string[] = []
    for (const given of parents) {
      let parent = given
      if (given.startsWith('projects/')) {
        const project = await this.#checker.project(given.slice('projects/'.length))
        if (project === undefined) throw projectNotFound(given.slice('projects/'.length))
        parent = `projects/${project.projectId}`
        projects.push(project.projectId)
      } else {
        const org = await this.#checker.organization()
        if (org === undefined || `organizations/${org.id}` !== given) {
          throw new IamError(Code.NOT_FOUND, 'NOT_FOUND', `Organization '${given}' not found.`)
        }
      }
      stored.push(parent)
      const held = await this.#checker.test(caller, given, [PRIVATE_LOG_ENTRIES_LIST_PERMISSION])
      if (held.length > 0) privateOk.add(parent)
    }

    const found: LogEntry[] = []
    for (const project of projects) {
      for (const [source, logs] of this.#sources) {
        for (const key of logs?.services(project) ?? []) {
          for (const line of logs?.lines(key) ?? []) {
            const entry = toLogEntry(key, line, source)
            if (
              (token === undefined || beyond(keyOf(entry), token)) &&
              matchesFilter(entry, tree)
            ) {
              found.push(entry)
            }
          }
        }
      }
    }

    // Stored audit entries, scanned in order from the token, a bounded number per request.
    const hints = filterHints(tree)
    let cursor = token
    let scanStop: AuditEntryCursor | undefined
    for (let batch = 0; ; batch++) {
      const rows = await this.#store.listAuditEntries({
        parents: stored,
        ...(hints.logNames === undefined ? {} : { logNames: hints.logNames }),
        ...(hints.since === undefined ? {} : { since: hints.since }),
        ...(hints.until === undefined ? {} : { until: hints.until }),
        ...(cursor === undefined ? {} : { cursor }),
        descending,
        limit: SCAN_BATCH,
      })
      let matched = 0
      for (const r of rows) {
        if (r.logName.endsWith('%2Fdata_access') && !privateOk.has(r.parent)) continue
        const entry = r.entry as unknown as LogEntry
        if (matchesFilter(entry, tree)) {
          found.push(entry)
          matched++
        }
      }
      const last = rows.at(-1)
      if (rows.length < SCAN_BATCH || last === undefined) break
      cursor = { timestamp: last.timestamp, insertId: last.insertId }
      if (matched > pageSize || batch + 1 >= SCAN_BATCHES) {
        scanStop = cursor
        break
      }
    }

    found.sort((a, b) => compareKeys(keyOf(a), keyOf(b)))
    if (descending) found.reverse()
    const usable = scanStop === undefined ? found : found.filter((e) => !beyond(keyOf(e), scanStop))
    const page = usable.slice(0, pageSize)
    const last = page.at(-1)
    let next: AuditEntryCursor | undefined
    if (usable.length > pageSize && last !== undefined) next = keyOf(last)
    else if (scanStop !== undefined) next = scanStop
    return {
      ...(page.length === 0 ? {} : { entries: page }),
      ...(next === undefined ? {} : { nextPageToken: encodeToken(next) }),
    }
  }
}
