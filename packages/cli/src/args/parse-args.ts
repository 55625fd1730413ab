// A small hand-written parser for gcloud's flag grammar: --flag=value, --flag value, --no-flag for
// booleans, -q, repeated flags, positionals anywhere, and `--` ending the flags. Errors use
// argparse's wording as gcloud prints it.
import type { ArgsSpec, FlagSpec, FlagValue, ParsedArgs } from './spec.js'
import { UsageError } from './usage-error.js'

function index(spec: ArgsSpec): {
  long: Map<string, FlagSpec>
  short: Map<string, FlagSpec>
} {
  const long = new Map<string, FlagSpec>()
  const short = new Map<string, FlagSpec>()
  for (const f of spec.flags) {
    long.set(f.name, f)
    for (const a of f.aliases ?? []) long.set(a, f)
    if (f.short !== undefined) short.set(f.short, f)
  }
  return { long, short }
}

/** Parses `tokens` (the words after the command path) against `spec`. Throws UsageError. */
export function parseArgs(tokens: readonly string[], spec: ArgsSpec): ParsedArgs {
  const { long, short } = index(spec)
  const flags = new Map<string, FlagValue>()
  const positionals: string[] = []
  const unrecognized: string[] = []

  const set = (f: FlagSpec, value: string | boolean): void => {
    if (f.kind === 'multi') {
      const prev = flags.get(f.name)
      flags.set(f.name, [...(Array.isArray(prev) ? prev : []), String(value)])
    } else {
      // Compat: argparse keeps the last occurrence of a repeated single-valued flag.
      flags.set(f.name, value)
    }
  }

  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string
    if (tok === '--') {
      positionals.push(...tokens.slice(i + 1))
      break
    }
    if (tok.startsWith('--') && tok.length > 2) {
      const eq = tok.indexOf('=')
      const name = eq === -1 ? tok.slice(2) : tok.slice(2, eq)
      const inline = eq === -1 ? undefined : tok.slice(eq + 1)
      let f = long.get(name)
      let negated = false
      if (f === undefined && name.startsWith('no-')) {
        const base = long.get(name.slice(3))
        if (base !== undefined && base.kind === 'bool' && base.negatable === true) {
          f = base
          negated = true
        }
      }
      if (f === undefined) {
        unrecognized.push(tok)
        continue
      }
      if (f.kind === 'bool') {
        if (inline !== undefined)
          throw new UsageError(`argument --${name}: ignored explicit argument '${inline}'`)
        set(f, !negated)
        continue
      }
      if (inline !== undefined) {
        set(f, inline)
        continue
      }
      const next = tokens[i + 1]
      if (next === undefined || (next.startsWith('-') && next !== '-' && next.length > 1)) {
        throw new UsageError(`argument --${f.name}: expected one argument`)
      }
      set(f, next)
      i++
      continue
    }
    if (tok.startsWith('-') && tok.length > 1 && !/^-\d/.test(tok)) {
      const f = short.get(tok.slice(1))
      if (f === undefined) {
        unrecognized.push(tok)
        continue
      }
      if (f.kind === 'bool') set(f, true)
      else {
        const next = tokens[i + 1]
        if (next === undefined) throw new UsageError(`argument -${f.short}: expected one argument`)
        set(f, next)
        i++
      }
      continue
    }
    positionals.push(tok)
  }

  const named: Record<string, string> = {}
  spec.positionals.forEach((p, k) => {
    const v = positionals[k]
    if (v !== undefined) named[p.name] = v
  })
  // Compat: argparse reports missing required arguments (all of them, in one message) before
  // unrecognized ones, and mutually exclusive flags before either.
  for (const group of spec.exclusive ?? []) {
    const present = group.filter((n) => flags.has(n))
    if (present.length > 1) {
      throw new UsageError(
        `argument --${present[1]}: At most one of ${group.map((n) => `--${n}`).join(' | ')} can be specified.`,
      )
    }
  }
  const missing = [
    ...spec.positionals
      .filter((p) => p.required === true && named[p.name] === undefined)
      .map((p) => p.name),
    ...spec.flags
      .filter((f) => f.required === true && !flags.has(f.name))
      .map((f) => `--${f.name}`),
  ]
  if (missing.length > 0) throw new UsageError(`argument ${missing.join(' ')}: Must be specified.`)
  unrecognized.push(...positionals.slice(spec.positionals.length))
  if (unrecognized.length > 0)
    throw new UsageError(`unrecognized arguments: ${unrecognized.join(' ')}`)
  return { positionals: named, flags }
}
