// A tiny YAML emitter for JSON data in gcloud's block style (sequences not indented under their
// key, two-space mappings, single-quoted strings only where plain ones would be misread). Hand-
// written so printing a policy does not load the yaml package: startup time is a product goal.

const RESERVED =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/
const NUMBER_LIKE = /^[-+]?(?:\.?\d|0x|0o|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN)/
const PLAIN_START = /^[^-?:,[\]{}#&*!|>'"%@`\s]/

function isPlainSafe(s: string): boolean {
  if (s === '' || RESERVED.test(s) || NUMBER_LIKE.test(s)) return false
  if (!PLAIN_START.test(s) && !/^[-?:][^\s]/.test(s)) return false
  if (/[\n\r\t]/.test(s) || /\s$/.test(s)) return false
  if (s.includes(': ') || s.includes(' #') || s.endsWith(':')) return false
  // A leading "- " / "? " / ": " would start a sequence, key or value.
  if (/^[-?:]\s/.test(s)) return false
  return true
}

export function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : v > 0 ? '.inf' : '-.inf'
  const s = String(v)
  if (isPlainSafe(s)) return s
  if (/[\n\r\t\\]/.test(s) || /[\u0000-\u001f]/.test(s)) return JSON.stringify(s)
  return `'${s.replace(/'/g, "''")}'`
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function keyText(k: string): string {
  return isPlainSafe(k) ? k : yamlScalar(k)
}

function lines(v: unknown, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isMap(item) && Object.keys(item).length > 0) {
        const sub: string[] = []
        lines(item, '', sub)
        sub.forEach((l, i) => out.push(`${indent}${i === 0 ? '- ' : '  '}${l}`))
      } else if (Array.isArray(item) && item.length > 0) {
        const sub: string[] = []
        lines(item, '', sub)
        sub.forEach((l, i) => out.push(`${indent}${i === 0 ? '- ' : '  '}${l}`))
      } else {
        out.push(`${indent}- ${inline(item)}`)
      }
    }
    return
  }
  if (isMap(v)) {
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) continue
      if (Array.isArray(val) && val.length > 0) {
        out.push(`${indent}${keyText(k)}:`)
        lines(val, indent, out) // gcloud style: "- item" at the key's own indentation
      } else if (isMap(val) && Object.keys(val).length > 0) {
        out.push(`${indent}${keyText(k)}:`)
        lines(val, `${indent}  `, out)
      } else {
        out.push(`${indent}${keyText(k)}: ${inline(val)}`)
      }
    }
    return
  }
  out.push(`${indent}${inline(v)}`)
}

function inline(v: unknown): string {
  if (Array.isArray(v)) return '[]'
  if (isMap(v)) return '{}'
  return yamlScalar(v)
}

/** One YAML document for `value` (no leading `---`), ending with a newline. */
export function toYaml(value: unknown): string {
  const out: string[] = []
  lines(value, '', out)
  return `${out.join('\n')}\n`
}
