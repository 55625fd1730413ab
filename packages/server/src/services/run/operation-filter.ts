// The part of AIP-160's filter language that listing Cloud Run operations needs: AND-ed (explicit
// or implicit) comparisons `FIELD = VALUE`, `FIELD != VALUE` and `FIELD : VALUE` (has: a
// substring) on fields of the google.longrunning.Operation JSON (`done`, `name`,
// `metadata.name`, `metadata.@type`, `response.…`, `error.code`, …). OR, NOT, parentheses,
// comparisons by order and wildcards are refused with INVALID_ARGUMENT naming the clause, never
// silently ignored.
import { isObject } from '../context.js'
import { invalidArgument } from '../names.js'

export interface OperationClause {
  /** The field path, split on dots (`metadata.@type` → ['metadata', '@type']). */
  readonly path: readonly string[]
  readonly op: '=' | '!=' | ':'
  readonly value: string
}

const ROOTS = new Set(['name', 'done', 'metadata', 'response', 'error'])

function refuse(what: string): never {
  throw invalidArgument(
    'filter',
    `Unsupported filter ${what}: runiam evaluates AND-ed comparisons FIELD = VALUE, FIELD != VALUE and FIELD : VALUE on the Operation's name, done, metadata.*, response.* and error.*.`,
  )
}

/** Parses a filter into its AND-ed clauses; an empty filter matches every operation. */
export function parseOperationFilter(filter: string): OperationClause[] {
  const s = filter
  let i = 0
  const clauses: OperationClause[] = []
  const ws = () => {
    while (i < s.length && /\s/.test(s[i] ?? '')) i++
  }
  const word = (w: string): boolean =>
    s.startsWith(w, i) && (i + w.length === s.length || /[\s(]/.test(s[i + w.length] ?? ''))
  for (;;) {
    ws()
    if (i >= s.length) return clauses
    if (word('AND')) {
      i += 3
      continue
    }
    if (word('OR')) refuse(`'OR' in '${s}'`)
    if (word('NOT') || s[i] === '-') refuse(`negation in '${s}'`)
    if (s[i] === '(' || s[i] === ')') refuse(`parentheses in '${s}'`)
    const field = /^[A-Za-z_@][A-Za-z0-9_.@]*/.exec(s.slice(i))?.[0]
    if (field === undefined) refuse(`'${s.slice(i, i + 20)}'`)
    i += field.length
    ws()
    const op = /^(!=|>=|<=|=|>|<|:)/.exec(s.slice(i))?.[0]
    if (op === undefined) refuse(`'${field}' (a bare word)`)
    if (op !== '=' && op !== '!=' && op !== ':') refuse(`'${field} ${op}' (ordering comparisons)`)
    i += op.length
    ws()
    let value = ''
    if (s[i] === '"') {
      i++
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++
        value += s[i]
        i++
      }
      if (s[i] !== '"') {
        throw invalidArgument('filter', `Invalid filter: unterminated string in '${s}'.`)
      }
      i++
    } else {
      const start = i
      while (i < s.length && !/[\s()]/.test(s[i] ?? '')) i++
      value = s.slice(start, i)
      if (value === '') {
        throw invalidArgument('filter', `Invalid filter: missing value after '${field} ${op}'.`)
      }
      if (value.includes('*')) refuse(`'${field} ${op} ${value}' (wildcards)`)
    }
    const path = field.split('.')
    if (!ROOTS.has(path[0] ?? '') || path.some((p) => p === '')) refuse(`field '${field}'`)
    clauses.push({ path, op, value })
  }
}

function valueAt(op: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let v: unknown = op
  for (const seg of path) v = isObject(v) ? v[seg] : undefined
  // Compat: proto3 JSON leaves `done: false` out; a missing boolean is false.
  if (v === undefined && path.length === 1 && path[0] === 'done') return false
  return v
}

export function matchesOperation(
  op: Readonly<Record<string, unknown>>,
  clauses: readonly OperationClause[],
): boolean {
  return clauses.every((c) => {
    const v = valueAt(op, c.path)
    const actual =
      typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : ''
    if (c.op === ':') return v !== undefined && actual.includes(c.value)
    return c.op === '=' ? actual === c.value : actual !== c.value
  })
}
