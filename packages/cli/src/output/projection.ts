// gcloud's format expressions (`gcloud topic formats`, `gcloud topic projections`):
// NAME[ATTRIBUTES](KEY[.TRANSFORM(ARGS)][:ATTRIBUTE=VALUE…], …), e.g.
// `table(bindings.role, bindings.members)` or
// `table(name.segment():label=ID:align=right:sort=1)`. Column headings default to the key's
// last name in ANGRY_SNAKE_CASE, widened right to left when two columns would share one
// (gcloud's resource_projection_parser._AngrySnakeCase): `bindings.role` is ROLE.
import { CliError } from '../cli-error.js'
import { getKey, keyText, Scanner, type ResourceKey } from './resource-key.js'

export type Align = 'left' | 'right' | 'center'

export interface Transform {
  readonly name: string
  readonly args: readonly string[]
}

export interface Column {
  readonly key: ResourceKey
  readonly label: string
  readonly align: Align
  /** `:sort=N`: sort rows by this column, lower N first. */
  readonly sort?: number
  readonly reverse: boolean
  readonly transform?: Transform
}

export interface ParsedFormat {
  readonly name: string
  readonly attributes: ReadonlyMap<string, string | true>
  readonly columns: readonly Column[]
}

const TRANSFORMS = ['basename', 'join', 'len', 'list', 'segment', 'yesno'] as const

/** gcloud's heading for a key: its names from the right, as few as keep headings distinct. */
function angrySnakeCase(key: ResourceKey, taken: Set<string>): string {
  const names = key.filter((p): p is string => typeof p === 'string')
  let label = ''
  for (let i = names.length - 1; i >= 0; i--) {
    const snake = (names[i] as string)
      .replace(/((?<=[a-z0-9])[A-Z]+|(?!^)[A-Z](?=[a-z]))/g, '_$1')
      .toUpperCase()
    label = label === '' ? snake : `${snake}_${label}`
    if (!taken.has(label)) {
      taken.add(label)
      break
    }
  }
  return label
}

function parseArgs(s: Scanner): string[] {
  const args: string[] = []
  s.skipSpace()
  if (s.eat(')')) return args
  for (;;) {
    s.skipSpace()
    const arg = s.quoted() ?? s.word(',)')
    args.push(arg)
    s.skipSpace()
    if (s.eat(')')) return args
    if (!s.eat(',')) throw s.error('Expected , or ) in transform arguments')
  }
}

function parseColumn(s: Scanner, taken: Set<string>): Column {
  const start = s.pos
  const { key, transform: transformName } = s.key(',:)')
  let transform: Transform | undefined
  if (transformName !== undefined) {
    if (!(TRANSFORMS as readonly string[]).includes(transformName))
      throw s.error(`Unknown transform function [${transformName}]`, start)
    s.eat('(')
    transform = { name: transformName, args: parseArgs(s) }
  }
  if (key.length === 0 && transform === undefined) throw s.error('Resource key expected')
  let label: string | undefined
  let align: Align = 'left'
  let sort: number | undefined
  let reverse = false
  s.skipSpace()
  while (s.eat(':')) {
    const name = s.word('=:,)')
    let value: string | undefined
    if (s.eat('=')) value = s.quoted() ?? s.word(':,)')
    if (name === 'label') label = value ?? ''
    else if (name === 'align') {
      if (value !== 'left' && value !== 'right' && value !== 'center')
        throw s.error(`Unknown alignment [${value ?? ''}]`)
      align = value
    } else if (name === 'sort') {
      const n = Number(value)
      if (!Number.isInteger(n)) throw s.error(`Sort order must be an integer [${value ?? ''}]`)
      sort = n
    } else if (name === 'reverse') reverse = value === undefined || value === 'true'
    else if (!['optional', 'width', 'wrap', 'format', 'alias'].includes(name))
      throw s.error(`Unknown key attribute [${name}]`)
    s.skipSpace()
  }
  return {
    key,
    label: label ?? angrySnakeCase(key, taken),
    align,
    ...(sort === undefined ? {} : { sort }),
    reverse,
    ...(transform === undefined ? {} : { transform }),
  }
}

/** Parses `NAME[ATTRIBUTES](PROJECTION)`; both brackets are optional. */
export function parseFormatExpression(text: string): ParsedFormat {
  const s = new Scanner(text.trim(), '--format')
  const name = s.word('[(')
  if (name === '') throw s.error('Format name expected')
  const attributes = new Map<string, string | true>()
  if (s.eat('[')) {
    for (;;) {
      s.skipSpace()
      if (s.eat(']')) break
      const attr = s.word('=,]')
      if (attr === '') throw s.error('Expected ] in format attributes')
      attributes.set(attr, s.eat('=') ? (s.quoted() ?? s.word(',]')) : true)
      s.skipSpace()
      s.eat(',')
    }
  }
  const columns: Column[] = []
  if (s.eat('(')) {
    const taken = new Set<string>()
    s.skipSpace()
    if (!s.eat(')')) {
      for (;;) {
        s.skipSpace()
        columns.push(parseColumn(s, taken))
        s.skipSpace()
        if (s.eat(')')) break
        if (!s.eat(',')) throw s.error('Expected , or ) in projection')
      }
    }
  }
  s.skipSpace()
  if (!s.atEnd()) throw s.error('Unexpected characters after the format')
  return { name, attributes, columns }
}

function flat(v: unknown): unknown[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v]
}

function applyTransform(value: unknown, t: Transform): unknown {
  const arg = (i: number, dflt: string): string => t.args[i] ?? dflt
  const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v))
  switch (t.name) {
    case 'basename':
      return Array.isArray(value)
        ? value.map((v) => applyTransform(v, t))
        : text(value).split('/').at(-1)
    case 'segment': {
      if (Array.isArray(value)) return value.map((v) => applyTransform(v, t))
      const parts = text(value).split('/')
      const i = Number(arg(0, '-1'))
      return parts[i < 0 ? parts.length + i : i] ?? ''
    }
    case 'join':
      return Array.isArray(value) ? flat(value).map(text).join(arg(0, ',')) : value
    case 'list':
      return Array.isArray(value) ? flat(value).map(text).join(',') : value
    case 'len':
      if (Array.isArray(value) || typeof value === 'string') return value.length
      return typeof value === 'object' && value !== null ? Object.keys(value).length : 0
    case 'yesno':
      return value === undefined || value === null || value === false || value === ''
        ? arg(1, 'No')
        : arg(0, 'Yes')
  }
  throw new CliError(`Unknown transform function [${t.name}]`)
}

/** A column's value for one record: the key's value, through its transform. */
export function columnValue(record: unknown, column: Column): unknown {
  const v = column.key.length === 0 ? record : getKey(record, column.key)
  return column.transform === undefined ? v : applyTransform(v, column.transform)
}

/** The column's key as typed, for messages. */
export function columnName(column: Column): string {
  return keyText(column.key)
}
