// The part of Cloud Logging's filter language that reading Cloud Run service logs needs: a
// conjunction (AND, implicit AND, parentheses) of comparisons on resource.type,
// resource.labels.*, logName, severity, timestamp and textPayload — what `gcloud run services logs
// read` and `gcloud logging read 'resource.type=cloud_run_revision AND …'` send. OR, NOT and other
// fields are refused with INVALID_ARGUMENT naming the clause, never silently ignored.
import { Code, IamError } from '@runiam/core'
import './logging-reasons.js'

export type FilterOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | ':'

export interface FilterClause {
  readonly field: string
  readonly op: FilterOp
  readonly value: string
}

/** The entry fields a filter can test, as strings. */
export interface FilterableEntry {
  readonly resource: { readonly type: string; readonly labels: Readonly<Record<string, string>> }
  /** The entry's own labels (a job's: run.googleapis.com/execution_name, …/task_index, …). */
  readonly labels?: Readonly<Record<string, string>>
  readonly logName: string
  readonly severity: string
  readonly timestamp: string
  readonly textPayload: string
}

// Compat: google.logging.type.LogSeverity order.
const SEVERITIES = [
  'DEFAULT',
  'DEBUG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'CRITICAL',
  'ALERT',
  'EMERGENCY',
]
const SEVERITY_NUMBERS: Record<string, number> = {
  DEFAULT: 0,
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
  ALERT: 700,
  EMERGENCY: 800,
}

const LABELS = new Set([
  'service_name',
  'job_name',
  'worker_pool_name',
  'location',
  'project_id',
  'revision_name',
  'configuration_name',
])

function unsupported(what: string): IamError {
  return new IamError(
    Code.INVALID_ARGUMENT,
    'UNSUPPORTED_LOG_FILTER',
    `Unsupported filter ${what}: runiam evaluates AND-ed comparisons on resource.type, resource.labels.{${[...LABELS].join(',')}}, labels."run.googleapis.com/…", logName, severity, timestamp and textPayload.`,
    { metadata: { filter: what } },
  )
}

function syntax(message: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_LOG_REQUEST', `Invalid filter: ${message}`)
}

function checkField(field: string, op: FilterOp, value: string): void {
  const clause = `'${field} ${op} ${value}'`
  if (field === 'timestamp') {
    if (op === ':' || op === '!=') throw unsupported(clause)
    if (Number.isNaN(Date.parse(value))) throw syntax(`${clause}: not an RFC 3339 timestamp`)
    return
  }
  if (field === 'severity') {
    if (op === ':') throw unsupported(clause)
    if (!SEVERITIES.includes(value.toUpperCase()) && !/^\d+$/.test(value)) {
      throw syntax(`${clause}: unknown severity (${SEVERITIES.join(', ')})`)
    }
    return
  }
  if (field === 'textPayload') {
    if (op !== ':' && op !== '=' && op !== '!=') throw unsupported(clause)
    return
  }
  if (field === 'resource.type' || field === 'logName') {
    if (op !== '=' && op !== '!=') throw unsupported(clause)
    return
  }
  const label = field.startsWith('resource.labels.') ? field.slice('resource.labels.'.length) : ''
  if (LABELS.has(label) && (op === '=' || op === '!=' || op === ':')) return
  // Entry labels, e.g. labels."run.googleapis.com/execution_name" (a job's entries carry them).
  if (field.startsWith('labels.') && (op === '=' || op === '!=' || op === ':')) return
  throw unsupported(clause)
}

/** Parses a filter into its AND-ed clauses. An empty filter matches everything. */
export function parseLogFilter(filter: string): FilterClause[] {
  let i = 0
  const s = filter
  const ws = () => {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++
  }
  const keyword = (word: string): boolean => {
    if (!s.startsWith(word, i)) return false
    const next = s[i + word.length]
    return next === undefined || /[\s(]/.test(next)
  }
  const quoted = (): string => {
    let out = ''
    i++ // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++
      out += s[i]
      i++
    }
    if (s[i] !== '"') throw syntax(`unterminated string in '${s}'`)
    i++
    return out
  }
  const conjunction = (depth: number): FilterClause[] => {
    const clauses: FilterClause[] = []
    for (;;) {
      ws()
      if (i >= s.length) {
        if (depth > 0) throw syntax(`missing ')' in '${s}'`)
        return clauses
      }
      if (s[i] === ')') {
        if (depth === 0) throw syntax(`unexpected ')' in '${s}'`)
        i++
        return clauses
      }
      if (keyword('AND')) {
        i += 3
        continue
      }
      if (keyword('OR')) throw unsupported(`'OR' in '${s}'`)
      if (keyword('NOT') || s[i] === '-') throw unsupported(`negation in '${s}'`)
      if (s[i] === '(') {
        i++
        clauses.push(...conjunction(depth + 1))
        continue
      }
      let field = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(i))?.[0]
      if (field === undefined) throw syntax(`unexpected '${s.slice(i, i + 20)}'`)
      i += field.length
      // A quoted last part: labels."run.googleapis.com/execution_name".
      if (field.endsWith('.') && s[i] === '"') field += quoted()
      ws()
      const op = /^(>=|<=|!=|=~|!~|=|>|<|:)/.exec(s.slice(i))?.[0]
      if (op === undefined) {
        // A bare word is a global text search in Cloud Logging.
        throw unsupported(`'${field}' (a bare word searches all fields)`)
      }
      if (op === '=~' || op === '!~') throw unsupported(`'${field} ${op}' (regular expressions)`)
      i += op.length
      ws()
      let value: string
      if (s[i] === '"') value = quoted()
      else {
        const start = i
        while (i < s.length && !/[\s()]/.test(s[i] ?? '')) i++
        value = s.slice(start, i)
        if (value === '') throw syntax(`missing value after '${field} ${op}'`)
      }
      checkField(field, op as FilterOp, value)
      clauses.push({ field, op: op as FilterOp, value })
    }
  }
  return conjunction(0)
}

function severityNumber(v: string): number {
  return /^\d+$/.test(v) ? Number(v) : (SEVERITY_NUMBERS[v.toUpperCase()] ?? 0)
}

function compare(a: number, op: FilterOp, b: number): boolean {
  switch (op) {
    case '=':
      return a === b
    case '!=':
      return a !== b
    case '>':
      return a > b
    case '>=':
      return a >= b
    case '<':
      return a < b
    case '<=':
      return a <= b
    case ':':
      return a === b
  }
}

/** `%2F` and `/` are the same in a log id (gcloud accepts both). */
const logId = (name: string): string => name.replace(/%2F/gi, '/')

export function matchesFilter(entry: FilterableEntry, clauses: readonly FilterClause[]): boolean {
  for (const c of clauses) {
    let ok: boolean
    if (c.field === 'timestamp') {
      ok = compare(Date.parse(entry.timestamp), c.op, Date.parse(c.value))
    } else if (c.field === 'severity') {
      ok = compare(severityNumber(entry.severity), c.op, severityNumber(c.value))
    } else {
      const actual =
        c.field === 'resource.type'
          ? entry.resource.type
          : c.field === 'logName'
            ? logId(entry.logName)
            : c.field === 'textPayload'
              ? entry.textPayload
              : c.field.startsWith('labels.')
                ? (entry.labels?.[c.field.slice('labels.'.length)] ?? '')
                : (entry.resource.labels[c.field.slice('resource.labels.'.length)] ?? '')
      const wanted = c.field === 'logName' ? logId(c.value) : c.value
      // Compat: ':' is Cloud Logging's case-insensitive "has" (substring) operator.
      ok =
        c.op === ':'
          ? actual.toLowerCase().includes(wanted.toLowerCase())
          : c.op === '!='
            ? actual !== wanted
            : actual === wanted
    }
    if (!ok) return false
  }
  return true
}
