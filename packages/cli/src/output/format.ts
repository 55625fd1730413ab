// --format, --flatten and --filter, as gcloud applies them to a command's output
// (`gcloud topic formats`): the resources are flattened (--flatten), filtered (--filter), then
// printed as yaml (gcloud's default for resources), json, value(…), csv(…), table(…) or none.
// Keys are printed in alphabetical order. Compat: gcloud prints apitools messages, whose fields
// are declared alphabetically, so a policy prints as auditConfigs, bindings (condition, members,
// role), etag, version.
import { CliError } from '../cli-error.js'
import { flattenRecords } from './flatten.js'
import { matches, parseFilter, type Filter } from './filter.js'
import { columnValue, parseFormatExpression, type Column } from './projection.js'
import { parseKey, type ResourceKey } from './resource-key.js'
import { toYaml } from './to-yaml.js'

/** What a command line asks of the output: --format, --flatten and --filter together. */
export interface OutputRequest {
  readonly format?: string | undefined
  readonly flatten?: readonly string[] | undefined
  readonly filter?: string | undefined
}

/** --flatten and --filter, applied before printing. */
export interface Display {
  readonly flatten: readonly ResourceKey[]
  readonly filter?: Filter
}

export type Format =
  | {
      readonly kind: 'default' | 'yaml' | 'json' | 'none'
      readonly columns: readonly Column[]
      readonly display: Display
    }
  | {
      readonly kind: 'value' | 'csv' | 'table'
      readonly columns: readonly Column[]
      readonly attributes: ReadonlyMap<string, string | true>
      readonly display: Display
    }

const NAMES = ['csv', 'default', 'json', 'none', 'table', 'value', 'yaml'] as const

function parseDisplay(req: OutputRequest): Display {
  const flatten = (req.flatten ?? [])
    .flatMap((f) => f.split(','))
    .filter((k) => k.trim() !== '')
    .map((k) => parseKey(k, '--flatten'))
  const filter = req.filter === undefined || req.filter === '' ? undefined : parseFilter(req.filter)
  return filter === undefined ? { flatten } : { flatten, filter }
}

function hasDisplay(d: Display): boolean {
  return d.flatten.length > 0 || d.filter !== undefined
}

function parseSpec(spec: string, display: Display): Format {
  const parsed = parseFormatExpression(spec)
  const name = parsed.name as (typeof NAMES)[number]
  if (!NAMES.includes(name)) {
    throw new CliError(
      `Invalid value for [--format]: Format must be one of ${NAMES.join(', ')}; received [${parsed.name}].`,
    )
  }
  if (name === 'value' || name === 'csv' || name === 'table') {
    // Compat: gcloud's printers that need columns refuse an empty projection.
    if (parsed.columns.length === 0)
      throw new CliError(`Format [${name}] requires a non-empty projection.`)
    return { kind: name, columns: parsed.columns, attributes: parsed.attributes, display }
  }
  // With --flatten or --filter and no --format, records print as YAML, filtered.
  const kind = name === 'default' && hasDisplay(display) ? 'yaml' : name
  return { kind, columns: parsed.columns, display }
}

/**
 * The format for one command line: a --format string, or an OutputRequest carrying --flatten and
 * --filter too. Without --format it is 'default' (the command's own output), or 'yaml' when
 * --flatten or --filter ask for records.
 */
/** The --format expression alone, whichever shape the setting has. */
export function formatExpression(request: string | OutputRequest | undefined): string | undefined {
  return typeof request === 'object' ? request.format : request
}

export function parseFormat(request: string | OutputRequest | undefined): Format {
  const req: OutputRequest = typeof request === 'object' ? request : { format: request }
  const display = parseDisplay(req)
  const spec = req.format?.trim() ?? ''
  return parseSpec(spec === '' ? 'default' : spec, display)
}

/** `format`, or, when the user gave no --format, the command's default format expression. */
export function withDefault(format: Format, spec: string): Format {
  return format.kind === 'default' ? parseSpec(spec, format.display) : format
}

/** A deep copy with object keys sorted, dropping undefined. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k]
      if (x !== undefined) out[k] = sortKeys(x)
    }
    return out
  }
  return v
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Compat: gcloud's csv/value printers join list items with ';' and print maps as k=v;…. */
function valueText(v: unknown, delimiter: string): string {
  if (v === undefined || v === null) return ''
  if (Array.isArray(v)) return v.map((x) => valueText(x, delimiter)).join(delimiter)
  if (isRecord(v))
    return Object.keys(v)
      .sort()
      .map((k) => `${k}=${valueText(v[k], delimiter)}`)
      .join(delimiter)
  return String(v)
}

/** Compat: gcloud's table printer shows a non-string the way Python's str() does. */
function pythonText(v: unknown, nested = false): string {
  if (v === undefined || v === null) return nested ? 'None' : ''
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  if (typeof v === 'string')
    return nested ? `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'` : v
  if (Array.isArray(v)) return `[${v.map((x) => pythonText(x, true)).join(', ')}]`
  if (isRecord(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `'${k}': ${pythonText(v[k], true)}`)
      .join(', ')}}`
  return String(v)
}

/** Keeps only the projected keys (json(…) and yaml(…)), as nested maps. */
function project(record: unknown, columns: readonly Column[]): unknown {
  if (columns.length === 0) return record
  let out: Record<string, unknown> = {}
  for (const c of columns) {
    const names = c.key.filter((p): p is string => typeof p === 'string')
    if (names.length === 0) continue
    const value = columnValue(record, c)
    if (value === undefined) continue
    const set = (obj: Record<string, unknown>, i: number): Record<string, unknown> => {
      const name = names[i] as string
      if (i === names.length - 1) return { ...obj, [name]: value }
      const child = isRecord(obj[name]) ? (obj[name] as Record<string, unknown>) : {}
      return { ...obj, [name]: set(child, i + 1) }
    }
    out = set(out, 0)
  }
  return out
}

function justify(text: string, width: number, align: string): string {
  if (align === 'right') return text.padStart(width)
  if (align === 'center') {
    const left = Math.floor((width - text.length) / 2)
    return `${' '.repeat(left)}${text}`.padEnd(width)
  }
  return text.padEnd(width)
}

/**
 * gcloud's table printer: headings, columns two spaces apart (pad=N), each column justified by its
 * align attribute, rows sorted by sort=N keys, trailing blanks trimmed; nothing when no rows.
 */
function printTable(
  records: readonly unknown[],
  f: Extract<Format, { kind: 'value' | 'csv' | 'table' }>,
): string {
  if (records.length === 0) return ''
  let rows = records.map((r) => f.columns.map((c) => columnValue(r, c)))
  const order = f.columns
    .map((c, i) => ({ c, i }))
    .filter((x) => x.c.sort !== undefined)
    .sort((a, b) => (a.c.sort as number) - (b.c.sort as number))
  if (order.length > 0) {
    const key = (v: unknown): [number, string] => [
      typeof v === 'number' ? v : Infinity,
      pythonText(v),
    ]
    rows = [...rows].sort((a, b) => {
      for (const { c, i } of order) {
        const [na, sa] = key(a[i])
        const [nb, sb] = key(b[i])
        const d = na !== nb ? na - nb : sa < sb ? -1 : sa > sb ? 1 : 0
        if (d !== 0) return c.reverse ? -d : d
      }
      return 0
    })
  }
  const cells = rows.map((r) => r.map((v) => pythonText(v)))
  const pad = Number(f.attributes.get('pad') ?? 2)
  const heading = f.attributes.has('no-heading') ? [] : [f.columns.map((c) => c.label)]
  const all = [...heading, ...cells]
  const widths = f.columns.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  return all
    .map((r) => {
      let line = ''
      let gap = 0
      r.forEach((cell, i) => {
        const text = justify(cell, widths[i] ?? 0, f.columns[i]?.align ?? 'left')
        if (text.trim() === '') {
          gap += pad + text.length
          return
        }
        const trimmed = text.trimEnd()
        line += `${' '.repeat(gap)}${trimmed}`
        gap = pad + text.length - trimmed.length
      })
      return `${line}\n`
    })
    .join('')
}

function csvField(text: string, separator: string): string {
  return text.includes(separator) || /["\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

function printRecords(records: readonly unknown[], f: Format, single: boolean): string {
  switch (f.kind) {
    case 'none':
      return ''
    case 'json': {
      const out = records.map((r) => sortKeys(project(r, f.columns)))
      return `${JSON.stringify(single ? out[0] : out, null, 2)}\n`
    }
    case 'yaml':
    case 'default':
      return records
        .map((r) => `${single ? '' : '---\n'}${toYaml(sortKeys(project(r, f.columns)))}`)
        .join('')
    case 'value':
    case 'csv': {
      const separator = String(f.attributes.get('separator') ?? (f.kind === 'csv' ? ',' : '\t'))
      const delimiter = String(f.attributes.get('delimiter') ?? ';')
      const line = (cells: readonly string[]): string =>
        `${cells.map((c) => (f.kind === 'csv' ? csvField(c, separator) : c)).join(separator)}\n`
      const body = records
        .map((r) => line(f.columns.map((c) => valueText(columnValue(r, c), delimiter))))
        .join('')
      const heading =
        f.kind === 'csv' && !f.attributes.has('no-heading') && records.length > 0
          ? line(f.columns.map((c) => c.label))
          : ''
      return heading + body
    }
    case 'table':
      return printTable(records, f)
  }
}

function records(items: readonly unknown[], display: Display): unknown[] {
  const flat =
    display.flatten.length === 0
      ? [...items]
      : items.flatMap((i) => flattenRecords(i, display.flatten))
  const filter = display.filter
  return filter === undefined ? flat : flat.filter((r) => matches(r, filter))
}

/**
 * One resource in the chosen format (default: YAML). Flattened into several records, it prints as
 * a list; a filter that rejects it prints nothing.
 */
export function formatResource(resource: unknown, format: Format): string {
  if (format.display.flatten.length > 0)
    return printRecords(records([resource], format.display), format, false)
  const kept = records([resource], format.display)
  return kept.length === 0 ? '' : printRecords(kept, format, true)
}

/** A list of resources: YAML documents separated by ---, a JSON array, rows of value/csv/table. */
export function formatList(items: readonly unknown[], format: Format): string {
  return printRecords(records(items, format.display), format, false)
}

/** gcloud's table: upper-case headings, columns two spaces apart, no trailing blanks. */
export function formatTable(
  headings: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headings), ...rows.map(line)].map((l) => `${l}\n`).join('')
}
