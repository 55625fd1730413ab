// gcloud's --filter=EXPRESSION (`gcloud topic filters`), applied to each record after --flatten:
// terms `KEY:PATTERN`, `KEY=VALUE`, `KEY!=VALUE`, `KEY<VALUE` (also <=, >, >=), `KEY~REGEX`,
// `KEY!~REGEX`, a bare word (any value of the record contains it), combined with AND (or
// juxtaposition), OR, NOT / `-`, and parentheses. `KEY:(A B)` and `KEY=(A B)` match any of the
// values. A key that reaches several values (a list) matches when any of them does.
// Matching follows the topic: `:` and `=` ignore case, `*` is a wildcard that anchors the
// pattern to the whole value, and `KEY:*` means the key has a value. runiam's `:` matches the
// pattern anywhere in the value; gcloud matches it at word boundaries (docs/cli.md).
import { getKey, Scanner, type ResourceKey } from './resource-key.js'

type Op = ':' | '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~'

export type Filter =
  | { readonly kind: 'and' | 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly operand: Filter }
  | { readonly kind: 'term'; readonly key: ResourceKey; readonly op: Op; readonly values: string[] }
  | { readonly kind: 'word'; readonly word: string }

const OPS: readonly Op[] = ['!=', '!~', '<=', '>=', ':', '=', '<', '>', '~']

function readOp(s: Scanner): Op | undefined {
  for (const op of OPS) {
    if (s.text.startsWith(op, s.pos)) {
      s.pos += op.length
      return op
    }
  }
  return undefined
}

function readValue(s: Scanner): string {
  s.skipSpace()
  const q = s.quoted()
  if (q !== undefined) return q
  const w = s.word('()')
  if (w === '') throw s.error('Operand expected')
  return w
}

function readValues(s: Scanner, op: Op): string[] {
  s.skipSpace()
  if ((op === ':' || op === '=') && s.eat('(')) {
    const values: string[] = []
    for (;;) {
      s.skipSpace()
      if (s.eat(')')) break
      const v = readValue(s)
      if (v !== 'OR') values.push(v)
      s.skipSpace()
      s.eat(',')
    }
    if (values.length === 0) throw s.error('Operand expected')
    return values
  }
  return [readValue(s)]
}

function isKeyword(s: Scanner, word: string): boolean {
  const next = s.text[s.pos + word.length]
  return s.text.startsWith(word, s.pos) && (next === undefined || /[\s(]/.test(next))
}

function primary(s: Scanner): Filter {
  s.skipSpace()
  if (s.eat('(')) {
    const inner = or(s)
    s.skipSpace()
    if (!s.eat(')')) throw s.error('Right parenthesis expected')
    return inner
  }
  if (isKeyword(s, 'NOT')) {
    s.pos += 3
    return { kind: 'not', operand: primary(s) }
  }
  if (s.eat('-')) return { kind: 'not', operand: primary(s) }
  const start = s.pos
  const quoted = s.quoted()
  if (quoted !== undefined) return { kind: 'word', word: quoted }
  const { key, transform } = s.key('=!<>~:()')
  if (transform !== undefined) throw s.error('Transforms are not supported in --filter', start)
  s.skipSpace()
  const op = readOp(s)
  if (op === undefined) {
    const word = s.text.slice(start, s.pos).trim()
    if (word === '') throw s.error('Term expected')
    return { kind: 'word', word }
  }
  if (key.length === 0) throw s.error('Key expected', start)
  return { kind: 'term', key, op, values: readValues(s, op) }
}

function and(s: Scanner): Filter {
  let left = primary(s)
  for (;;) {
    s.skipSpace()
    if (s.atEnd() || s.peek() === ')' || isKeyword(s, 'OR')) return left
    if (isKeyword(s, 'AND')) s.pos += 3
    left = { kind: 'and', left, right: primary(s) }
  }
}

function or(s: Scanner): Filter {
  let left = and(s)
  for (;;) {
    s.skipSpace()
    if (!isKeyword(s, 'OR')) return left
    s.pos += 2
    left = { kind: 'or', left, right: and(s) }
  }
}

/** Parses a --filter expression; a syntax error names the flag and marks the place. */
export function parseFilter(text: string): Filter {
  const s = new Scanner(text.trim(), '--filter')
  if (s.atEnd()) throw s.error('Term expected')
  const f = or(s)
  s.skipSpace()
  if (!s.atEnd()) throw s.error('Unexpected characters')
  return f
}

function scalars(v: unknown): unknown[] {
  if (Array.isArray(v)) return v.flatMap(scalars)
  if (typeof v === 'object' && v !== null) return Object.values(v).flatMap(scalars)
  return v === undefined || v === null ? [] : [v]
}

function glob(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${body}$`, 'is')
}

function compare(a: unknown, b: string): number {
  const x = Number(a)
  const y = Number(b)
  if (
    typeof a !== 'boolean' &&
    String(a).trim() !== '' &&
    b.trim() !== '' &&
    !isNaN(x) &&
    !isNaN(y)
  )
    return x - y
  const sa = String(a)
  return sa < b ? -1 : sa > b ? 1 : 0
}

function matchOne(value: unknown, op: Op, pattern: string): boolean {
  const text = String(value)
  switch (op) {
    case ':':
      return pattern.includes('*')
        ? glob(pattern).test(text)
        : text.toLowerCase().includes(pattern.toLowerCase())
    case '=':
    case '!=':
      return pattern.includes('*')
        ? glob(pattern).test(text)
        : text.toLowerCase() === pattern.toLowerCase()
    case '~':
    case '!~':
      return new RegExp(pattern).test(text)
    case '<':
      return compare(value, pattern) < 0
    case '<=':
      return compare(value, pattern) <= 0
    case '>':
      return compare(value, pattern) > 0
    case '>=':
      return compare(value, pattern) >= 0
  }
}

/** Whether one record passes the filter. */
export function matches(record: unknown, f: Filter): boolean {
  switch (f.kind) {
    case 'and':
      return matches(record, f.left) && matches(record, f.right)
    case 'or':
      return matches(record, f.left) || matches(record, f.right)
    case 'not':
      return !matches(record, f.operand)
    case 'word': {
      const w = f.word.toLowerCase()
      return scalars(record).some((v) => String(v).toLowerCase().includes(w))
    }
    case 'term': {
      const values = scalars(getKey(record, f.key))
      if (f.op === ':' && f.values.length === 1 && f.values[0] === '*') return values.length > 0
      const negated = f.op === '!=' || f.op === '!~'
      const any = f.values.some((p) => values.some((v) => matchOne(v, f.op, p)))
      return negated ? !any : any
    }
  }
}
