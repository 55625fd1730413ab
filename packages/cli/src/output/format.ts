// --format: yaml (gcloud's default for resources), json, value(FIELD,…). Keys are printed in
// alphabetical order. Compat: gcloud prints apitools messages, whose fields are declared
// alphabetically, so a policy prints as auditConfigs, bindings (condition, members, role), etag,
// version.
import { CliError } from '../cli-error.js'
import { toYaml } from './to-yaml.js'

export type Format =
  | { readonly kind: 'yaml' }
  | { readonly kind: 'json' }
  | { readonly kind: 'value'; readonly fields: readonly string[] }
  | { readonly kind: 'default' }

export function parseFormat(spec: string | undefined): Format {
  if (spec === undefined || spec === '') return { kind: 'default' }
  const s = spec.trim()
  if (s === 'yaml') return { kind: 'yaml' }
  if (s === 'json') return { kind: 'json' }
  const m = /^value\((.*)\)$/s.exec(s)
  if (m !== null) {
    const fields = (m[1] ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f !== '')
    if (fields.length === 0) throw new CliError(`Invalid value for [--format]: ${spec}: no fields`)
    return { kind: 'value', fields }
  }
  throw new CliError(
    `Invalid value for [--format]: Format must be one of json, yaml or value(FIELD,...); received [${spec}].`,
  )
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

function fieldOf(v: unknown, path: string): unknown {
  let cur: unknown = v
  for (const part of path.split('.')) {
    if (Array.isArray(cur)) cur = cur.map((x) => fieldOf(x, part))
    else if (typeof cur === 'object' && cur !== null) cur = (cur as Record<string, unknown>)[part]
    else return undefined
  }
  return cur
}

function valueText(v: unknown): string {
  if (v === undefined || v === null) return ''
  if (Array.isArray(v)) return v.map(valueText).join(';')
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

function valueRow(item: unknown, fields: readonly string[]): string {
  return fields.map((f) => valueText(fieldOf(item, f))).join('\t')
}

/** One resource in the chosen format (default: YAML). */
export function formatResource(resource: unknown, format: Format): string {
  switch (format.kind) {
    case 'json':
      return `${JSON.stringify(sortKeys(resource), null, 2)}\n`
    case 'value':
      return `${valueRow(resource, format.fields)}\n`
    case 'yaml':
    case 'default':
      return toYaml(sortKeys(resource))
  }
}

/** A list of resources: YAML documents separated by ---, a JSON array, or one value row each. */
export function formatList(items: readonly unknown[], format: Format): string {
  switch (format.kind) {
    case 'json':
      return `${JSON.stringify(sortKeys(items), null, 2)}\n`
    case 'value':
      return items.map((i) => `${valueRow(i, format.fields)}\n`).join('')
    case 'yaml':
    case 'default':
      return items.map((i) => `---\n${toYaml(sortKeys(i))}`).join('')
  }
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
