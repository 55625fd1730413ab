// Google's `fields` system parameter (partial response): `?fields=services(name,uri),nextPageToken`
// answers only those fields, so a client that shows a few fields of a thousand resources (the
// console's lists) does not receive, and parse, all of them. Parsed before the handler runs (a
// malformed selection changes nothing), applied to the success body only; errors are whole.
// Compat: https://cloud.google.com/apis/docs/system-parameters (`fields`): names separated by
// commas, `a/b` for a field inside another, `a(b,c)` for several inside one, `*` for every field;
// a selection applies to each element of an array. A field the response lacks is left out.
import { Code, IamError } from '@runiam/core'

/** The selected fields: each name, with what is selected inside it (undefined: all of it). */
export type FieldSelection = ReadonlyMap<string, FieldSelection | undefined>

const NAME = /\*|[A-Za-z_][A-Za-z0-9_]*/y

/** The longest selection taken, and how deep fields may be named (a/b and a(b) each a level). */
const MAX_LENGTH = 4_096
const MAX_DEPTH = 32

/** Parses a `fields` value; throws INVALID_ARGUMENT for one that is not a selection. */
export function parseFields(text: string): FieldSelection {
  const refuse = (why: string): never => {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_FIELD',
      `Invalid field selection ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)}: ${why}.`,
    )
  }
  if (text.length > MAX_LENGTH) refuse(`longer than ${MAX_LENGTH} characters`)
  const source = text.replace(/\s+/g, '')
  let i = 0
  let depth = 0
  const fail = (): never =>
    refuse('expected names separated by commas, with a/b and a(b,c) inside a field')
  const deeper = (): void => {
    if (++depth > MAX_DEPTH) refuse(`fields nested more than ${MAX_DEPTH} deep`)
  }
  const name = (): string => {
    NAME.lastIndex = i
    const m = NAME.exec(source)
    if (m === null) return fail()
    i += m[0].length
    return m[0]
  }
  const list = (): Map<string, FieldSelection | undefined> => {
    const out = new Map<string, FieldSelection | undefined>()
    for (;;) {
      const outer = depth
      const path = [name()]
      while (source[i] === '/') {
        i++
        deeper()
        path.push(name())
      }
      let inner: FieldSelection | undefined
      if (source[i] === '(') {
        i++
        deeper()
        inner = list()
        if (source[i] !== ')') fail()
        i++
      }
      depth = outer
      add(out, path, inner)
      if (source[i] !== ',') return out
      i++
    }
  }
  const selection = list()
  if (i !== source.length) fail()
  return selection
}

type Mutable = Map<string, FieldSelection | undefined>

/** Adds `path` (with `inner` selected inside its last name) to `into`; a whole field stays whole. */
function add(into: Mutable, path: readonly string[], inner: FieldSelection | undefined): void {
  const [head, ...rest] = path as [string, ...string[]]
  if (into.has(head) && into.get(head) === undefined) return
  if (rest.length === 0 && inner === undefined) {
    into.set(head, undefined)
    return
  }
  let nested = into.get(head) as Mutable | undefined
  if (nested === undefined) {
    nested = new Map()
    into.set(head, nested)
  }
  if (rest.length > 0) add(nested, rest, inner)
  else for (const [k, v] of inner ?? []) add(nested, [k], v)
}

/** The part of a JSON value that `selection` names. */
export function selectFields(value: unknown, selection: FieldSelection): unknown {
  if (Array.isArray(value)) return value.map((v) => selectFields(v, selection))
  if (value === null || typeof value !== 'object') return value
  const source = value as Record<string, unknown>
  // No prototype: a field named __proto__ (a label key, say) stays an ordinary field.
  const out = Object.create(null) as Record<string, unknown>
  for (const [key, inner] of selection) {
    const keys = key === '*' ? Object.keys(source) : Object.hasOwn(source, key) ? [key] : []
    for (const k of keys) {
      const v = source[k]
      if (v !== undefined) out[k] = inner === undefined ? v : selectFields(v, inner)
    }
  }
  return out
}
