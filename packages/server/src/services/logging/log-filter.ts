// The part of Cloud Logging's query language that entries:list evaluates: comparisons joined by
// AND (or juxtaposition), OR and NOT (or '-'), with parentheses and a parenthesised disjunction of
// values on the right (`resource.type = ("a" OR "b")`). Fields: logName, severity, timestamp,
// receiveTimestamp, insertId, textPayload, resource.type, resource.labels.*, labels.*,
// operation.* and protoPayload.* (any path, quoted segments allowed: protoPayload."@type"); a
// repeated field matches when any element does. Regular expressions, global text search and other
// fields are refused with INVALID_ARGUMENT naming the token, never silently ignored.
import { Code, IamError } from '@runiam/core'
import './logging-reasons.js'

export type FilterOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | ':'

export interface FilterClause {
  readonly kind: 'clause'
  /** The dotted path as written (quoted segments unquoted). */
  readonly field: string
  readonly path: readonly string[]
  readonly op: FilterOp
  /** Any of these (one unless written `field = (v1 OR v2)`). */
  readonly values: readonly string[]
}

/** A parsed filter; `{ kind: 'and', terms: [] }` matches everything. */
export type LogFilter =
  | FilterClause
  | { readonly kind: 'and' | 'or'; readonly terms: readonly LogFilter[] }
  | { readonly kind: 'not'; readonly term: LogFilter }

/** What a filter tests: a LogEntry as JSON. */
export type FilterableEntry = object

// Compat: the Logging API refuses filters longer than 20,000 characters.
export const MAX_FILTER_LENGTH = 20_000
const MAX_DEPTH = 32
const MAX_CLAUSES = 500

// Compat: google.logging.type.LogSeverity order.
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
const SEVERITIES = Object.keys(SEVERITY_NUMBERS)

const SCALARS = new Set([
  'logName',
  'severity',
  'timestamp',
  'receiveTimestamp',
  'insertId',
  'textPayload',
  'resource.type',
])
const OPEN_ROOTS = ['resource.labels', 'labels', 'protoPayload', 'operation']

function unsupported(what: string): IamError {
  return new IamError(
    Code.INVALID_ARGUMENT,
    'UNSUPPORTED_LOG_FILTER',
    `Unsupported filter ${what}: runiam evaluates comparisons (=, !=, <, <=, >, >=, :) joined by AND, OR and NOT on ${[...SCALARS].join(', ')}, ${OPEN_ROOTS.map((r) => `${r}.*`).join(', ')}.`,
    { metadata: { filter: what } },
  )
}

function syntax(message: string, token?: string): IamError {
  return new IamError(Code.INVALID_ARGUMENT, 'INVALID_LOG_REQUEST', `Invalid filter: ${message}`, {
    metadata: { field: 'filter', ...(token === undefined ? {} : { token }) },
  })
}

function checkClause(field: string, op: FilterOp, value: string): void {
  const clause = `'${field} ${op} ${value}'`
  if (field === 'timestamp' || field === 'receiveTimestamp') {
    if (op === ':') throw unsupported(clause)
    if (Number.isNaN(Date.parse(value))) throw syntax(`${clause}: not an RFC 3339 timestamp`, value)
    return
  }
  if (field === 'severity') {
    if (op === ':') throw unsupported(clause)
    if (SEVERITY_NUMBERS[value.toUpperCase()] === undefined && !/^\d+$/.test(value)) {
      throw syntax(`${clause}: unknown severity (${SEVERITIES.join(', ')})`, value)
    }
    return
  }
  if (SCALARS.has(field)) return
  if (OPEN_ROOTS.some((r) => field.startsWith(`${r}.`) && field.length > r.length + 1)) return
  throw unsupported(clause)
}

/** Parses a filter. An empty filter matches everything. */
export function parseLogFilter(filter: string): LogFilter {
  if (filter.length > MAX_FILTER_LENGTH) {
    throw syntax(
      `the filter is ${filter.length} characters long; at most ${MAX_FILTER_LENGTH} are allowed`,
    )
  }
  const s = filter
  let i = 0
  let clauses = 0
  const ws = (): void => {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++
  }
  // Compat: AND, OR and NOT are keywords only in upper case.
  const keyword = (word: string): boolean => {
    if (!s.startsWith(word, i)) return false
    const next = s[i + word.length]
    return next === undefined || /[\s(]/.test(next)
  }
  const quoted = (): string => {
    let out = ''
    const start = i
    i++ // opening quote
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) i++
      out += s[i]
      i++
    }
    if (s[i] !== '"') throw syntax(`unterminated string at ${s.slice(start, start + 30)}`)
    i++
    return out
  }
  const bareValue = (): string => {
    const start = i
    while (i < s.length && !/[\s()]/.test(s[i] ?? '')) i++
    return s.slice(start, i)
  }
  const value = (after: string): string => {
    ws()
    if (s[i] === '"') return quoted()
    const v = bareValue()
    if (v === '') throw syntax(`missing value after '${after}'`, after)
    return v
  }
  const path = (): string[] => {
    const segments: string[] = []
    for (;;) {
      if (s[i] === '"') segments.push(quoted())
      else {
        const id = /^[A-Za-z_@][A-Za-z0-9_@]*/.exec(s.slice(i))?.[0]
        if (id === undefined) {
          throw syntax(`unexpected '${s.slice(i, i + 20)}'`, s.slice(i, i + 20))
        }
        segments.push(id)
        i += id.length
      }
      if (s[i] !== '.') return segments
      i++
    }
  }
  const comparison = (): LogFilter => {
    if (++clauses > MAX_CLAUSES) throw syntax(`more than ${MAX_CLAUSES} comparisons`)
    const segments = path()
    const field = segments.join('.')
    ws()
    const op = /^(>=|<=|!=|=~|!~|=|>|<|:)/.exec(s.slice(i))?.[0]
    if (op === undefined) {
      // A bare word is a global text search in Cloud Logging.
      throw unsupported(`'${field}' (a bare word searches all fields)`)
    }
    if (op === '=~' || op === '!~') throw unsupported(`'${field} ${op}' (regular expressions)`)
    i += op.length
    ws()
    const values: string[] = []
    if (s[i] === '(') {
      // Compat: `field = ("a" OR "b")`, a disjunction of values.
      i++
      for (;;) {
        values.push(value(`${field} ${op}`))
        ws()
        if (s[i] === ')') {
          i++
          break
        }
        if (!keyword('OR')) throw syntax(`expected OR or ')' in the values of '${field}'`, field)
        i += 2
      }
    } else values.push(value(`${field} ${op}`))
    for (const v of values) checkClause(field, op as FilterOp, v)
    return { kind: 'clause', field, path: segments, op: op as FilterOp, values }
  }
  const unary = (depth: number): LogFilter => {
    ws()
    if (keyword('NOT')) {
      i += 3
      return { kind: 'not', term: unary(depth) }
    }
    if (s[i] === '-') {
      i++
      return { kind: 'not', term: unary(depth) }
    }
    if (s[i] === '(') {
      if (depth >= MAX_DEPTH) throw syntax(`parentheses nested deeper than ${MAX_DEPTH}`)
      i++
      const inner = conjunction(depth + 1)
      ws()
      if (s[i] !== ')') throw syntax(`missing ')' in '${s.slice(0, 60)}'`)
      i++
      return inner
    }
    if (i >= s.length) throw syntax(`the filter ends where a comparison was expected`)
    return comparison()
  }
  // Compat: in Cloud Logging's query language OR binds tighter than AND (`a AND b OR c` is
  // `a AND (b OR c)`).
  const disjunction = (depth: number): LogFilter => {
    const terms = [unary(depth)]
    for (;;) {
      ws()
      if (!keyword('OR')) break
      i += 2
      terms.push(unary(depth))
    }
    return terms.length === 1 ? (terms[0] as LogFilter) : { kind: 'or', terms }
  }
  const conjunction = (depth: number): LogFilter => {
    const terms: LogFilter[] = []
    let dangling = false
    for (;;) {
      ws()
      if (i >= s.length || s[i] === ')') {
        if (dangling) throw syntax(`the filter ends where a comparison was expected`, 'AND')
        break
      }
      if (keyword('AND')) {
        i += 3
        if (terms.length === 0 || dangling) throw syntax(`'AND' without a left side`, 'AND')
        dangling = true
        continue
      }
      dangling = false
      if (keyword('OR')) throw syntax(`'OR' without a left side`, 'OR')
      terms.push(disjunction(depth))
    }
    return terms.length === 1 ? (terms[0] as LogFilter) : { kind: 'and', terms }
  }
  const tree = conjunction(0)
  ws()
  if (i < s.length) throw syntax(`unexpected ')' in '${s.slice(0, 60)}'`, ')')
  return tree
}

/** Every leaf value at `path` (repeated fields: every element's), as strings. */
function valuesAt(entry: unknown, path: readonly string[]): string[] {
  let current: unknown[] = [entry]
  for (const seg of path) {
    const next: unknown[] = []
    for (const c of current) {
      if (typeof c !== 'object' || c === null) continue
      const v = Array.isArray(c)
        ? c.map((x) => (x as Record<string, unknown> | null)?.[seg])
        : [(c as Record<string, unknown>)[seg]]
      for (const x of v) {
        if (Array.isArray(x)) next.push(...(x as unknown[]))
        else if (x !== undefined && x !== null) next.push(x)
      }
    }
    current = next
  }
  return current
    .filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .map(String)
}

function severityNumber(v: string): number {
  return /^\d+$/.test(v) ? Number(v) : (SEVERITY_NUMBERS[v.toUpperCase()] ?? 0)
}

function order(a: number, op: FilterOp, b: number): boolean {
  switch (op) {
    case '=':
    case ':':
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
  }
}

/** `%2F` and `/` are the same in a log id (gcloud accepts both). */
const logId = (name: string): string => name.replace(/%2F/gi, '/')

function clauseHolds(c: FilterClause, actual: string, wanted: string): boolean {
  if (c.field === 'timestamp' || c.field === 'receiveTimestamp') {
    return order(Date.parse(actual), c.op, Date.parse(wanted))
  }
  if (c.field === 'severity') return order(severityNumber(actual), c.op, severityNumber(wanted))
  // Compat: string comparisons in the Logging query language are case-insensitive; ':' is "has"
  // (substring).
  const a = (c.field === 'logName' ? logId(actual) : actual).toLowerCase()
  const w = (c.field === 'logName' ? logId(wanted) : wanted).toLowerCase()
  switch (c.op) {
    case ':':
      return a.includes(w)
    case '=':
    case '!=':
      return a === w
    default:
      return order(a < w ? -1 : a > w ? 1 : 0, c.op, 0)
  }
}

export function matchesFilter(entry: FilterableEntry, filter: LogFilter): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.terms.every((t) => matchesFilter(entry, t))
    case 'or':
      return filter.terms.some((t) => matchesFilter(entry, t))
    case 'not':
      return !matchesFilter(entry, filter.term)
    case 'clause': {
      const actual = valuesAt(entry, filter.path)
      const any = actual.some((a) => filter.values.some((w) => clauseHolds(filter, a, w)))
      // Compat: `a != b` holds when no value of a equals b (absent fields included).
      return filter.op === '!=' ? !any : any
    }
  }
}

/** A log name as entries are stored: lower case, the log id URL-encoded (`…/logs/a%2Fb`). */
export function storedLogName(name: string): string {
  const k = name.toLowerCase().replace(/%2f/g, '/')
  const at = k.indexOf('/logs/')
  return at < 0 ? k : `${k.slice(0, at)}/logs/${k.slice(at + 6).replace(/\//g, '%2F')}`
}

/**
 * What a filter pins, for selecting stored entries before evaluating it: log names it requires
 * (`logName = …` at the top level) and its time bounds (`timestamp >=/>/<=/<` at the top level).
 */
export function filterHints(filter: LogFilter): {
  logNames?: string[]
  since?: string
  until?: string
} {
  const top = filter.kind === 'and' ? filter.terms : [filter]
  const out: { logNames?: string[]; since?: string; until?: string } = {}
  for (const t of top) {
    if (t.kind !== 'clause') continue
    if (t.field === 'logName' && t.op === '=') out.logNames = t.values.map(storedLogName)
    if (t.field === 'timestamp' && t.values.length === 1) {
      const iso = new Date(Date.parse(t.values[0] ?? '')).toISOString()
      if ((t.op === '>=' || t.op === '>') && (out.since === undefined || iso > out.since))
        out.since = iso
      if ((t.op === '<=' || t.op === '<') && (out.until === undefined || iso < out.until))
        out.until = iso
    }
  }
  return out
}
