// gcloud's resource keys (`gcloud topic resource-keys`): dotted names with optional slices and
// indexes, e.g. `bindings[].members`, `status.url`, `spec.containers[0].image`, `labels."a.b"`.
// The scanner here is shared by --format projections, --flatten and --filter.
import { CliError } from '../cli-error.js'

/** One step of a key: a name, an index (negative counts from the end) or `[]` (every item). */
export type KeyPart = string | number | null

/** A key as parsed: its steps. `[]` is `null`; an omitted `[]` before a name is implied. */
export type ResourceKey = readonly KeyPart[]

/** A cursor over an expression, with gcloud's `*HERE*` marker in its error messages. */
export class Scanner {
  pos = 0
  readonly text: string
  /** How errors name the flag, e.g. `--format`. */
  readonly flag: string

  constructor(text: string, flag: string) {
    this.text = text
    this.flag = flag
  }

  error(why: string, at = this.pos): CliError {
    const marked = `${this.text.slice(0, at)} *HERE* ${this.text.slice(at)}`
    return new CliError(`Invalid value for [${this.flag}]: ${why} [${marked}].`)
  }

  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++
  }

  peek(): string | undefined {
    return this.text[this.pos]
  }

  eat(ch: string): boolean {
    if (this.text[this.pos] !== ch) return false
    this.pos++
    return true
  }

  atEnd(): boolean {
    return this.pos >= this.text.length
  }

  /** A quoted string ('…' or "…", backslash escapes the next character), or undefined. */
  quoted(): string | undefined {
    const q = this.peek()
    if (q !== '"' && q !== "'") return undefined
    const start = this.pos++
    let out = ''
    while (!this.atEnd()) {
      const c = this.text[this.pos++] as string
      if (c === q) return out
      if (c === '\\' && !this.atEnd()) out += this.text[this.pos++] as string
      else out += c
    }
    throw this.error('Unterminated string', start)
  }

  /** A run of characters not in `stops` (and not space); '' when there is none. */
  word(stops: string): string {
    const start = this.pos
    while (!this.atEnd()) {
      const c = this.text[this.pos] as string
      if (/\s/.test(c) || stops.includes(c)) break
      this.pos++
    }
    return this.text.slice(start, this.pos)
  }

  /**
   * A resource key. Stops before `(` when the last name is a transform (`name.segment()`), so the
   * caller can read the call; `transform` then holds that name.
   */
  key(stops: string): { key: KeyPart[]; transform?: string } {
    const key: KeyPart[] = []
    for (;;) {
      const name = this.quoted() ?? this.word(`.[]()${stops}`)
      if (name === '' && this.peek() !== '[') {
        if (key.length === 0 || this.text[this.pos - 1] !== '.') return { key }
        throw this.error('Key name expected')
      }
      if (this.peek() === '(') return { key, transform: name }
      if (name !== '') key.push(name)
      while (this.eat('[')) {
        const inside = this.word(']')
        if (!this.eat(']')) throw this.error('Unterminated [')
        if (inside === '') key.push(null)
        else if (/^-?\d+$/.test(inside)) key.push(Number(inside))
        else throw this.error(`Non-integer slice index [${inside}]`)
      }
      if (!this.eat('.')) return { key }
    }
  }
}

/** Parses a whole string as one key (--flatten items). */
export function parseKey(text: string, flag: string): ResourceKey {
  const s = new Scanner(text.trim(), flag)
  const { key, transform } = s.key('')
  if (transform !== undefined || !s.atEnd() || key.length === 0)
    throw s.error('Resource key expected')
  return key
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/**
 * The value at `key` (gcloud's resource_property.Get): a name applied to a list applies to each
 * item, so `bindings.role` on a policy is the list of its roles.
 */
export function getKey(value: unknown, key: ResourceKey): unknown {
  let cur: unknown = value
  for (let i = 0; i < key.length; i++) {
    const part = key[i] as KeyPart
    if (cur === undefined || cur === null) return undefined
    if (part === null) {
      if (!Array.isArray(cur)) return undefined
      const rest = key.slice(i + 1)
      return cur.map((item) => getKey(item, rest))
    }
    if (typeof part === 'number') {
      if (!Array.isArray(cur)) return undefined
      cur = cur[part < 0 ? cur.length + part : part]
      continue
    }
    if (Array.isArray(cur)) {
      const rest = key.slice(i)
      return cur.map((item) => getKey(item, rest))
    }
    if (!isRecord(cur)) return undefined
    cur = cur[part]
  }
  return cur
}

/** The key as gcloud prints it in messages: `a.b[].c`. */
export function keyText(key: ResourceKey): string {
  let out = ''
  for (const part of key) {
    if (part === null) out += '[]'
    else if (typeof part === 'number') out += `[${part}]`
    else out += out === '' ? part : `.${part}`
  }
  return out
}
