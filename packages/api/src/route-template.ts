// Google HTTP-rule path templates (google/api/http.proto): compile once, then match request paths
// and expand variables back into paths. Supports literal segments, `*` (one segment), `**` (one or
// more segments), variables `{name}` / `{name=pattern}` (dotted names such as `service.name`) and
// a trailing custom verb (`:getIamPolicy`). A segment whose decoded text holds `/` is refused,
// except in templates compiled with `encodedSlashes` (IAM v2's `policies/{attachment point}/…`,
// whose attachment point is one URL-encoded segment): there it is kept encoded, as Google names it.
import { bug, Code, IamError, registerReasons } from '@runiam/core'

registerReasons({
  INVALID_PATH_VARIABLE: {
    code: Code.INVALID_ARGUMENT,
    doc: 'A resource name does not fit the path template of the method (client side).',
  },
})

type Piece =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'doubleStar' }

interface Variable {
  readonly name: string
  readonly pieces: readonly Piece[]
}

type Segment =
  { readonly kind: 'piece'; readonly piece: Piece } | { readonly kind: 'var'; readonly v: Variable }

export interface PathTemplate {
  /** The template text as given. */
  readonly template: string
  /** The custom verb (without the colon), if any. */
  readonly verb: string | undefined
  /** Variable names in order of appearance. */
  readonly variables: readonly string[]
  /** Variables of a request path (segments percent-decoded), or undefined when it does not match. */
  match(path: string): Record<string, string> | undefined
  /** Builds a path from variable values; throws INVALID_ARGUMENT when a value does not fit. */
  expand(values: Readonly<Record<string, string>>): string
}

function parsePieces(text: string, template: string): Piece[] {
  return text.split('/').map((s): Piece => {
    if (s === '*') return { kind: 'star' }
    if (s === '**') return { kind: 'doubleStar' }
    if (s === '' || /[{}*:]/.test(s)) bad(template, `bad segment '${s}'`)
    return { kind: 'literal', value: s }
  })
}

function bad(template: string, why: string): never {
  return bug(`Path template '${template}': ${why}.`)
}

export interface TemplateOptions {
  /**
   * Keep a segment with an encoded `/` (`a%2Fb`) as one segment, in its encoded form, instead of
   * refusing the path. Compat: IAM v2 names embed a URL-encoded attachment point
   * (`policies/cloudresourcemanager.googleapis.com%2Fprojects%2Fp/denypolicies/d`).
   */
  readonly encodedSlashes?: boolean
}

/** Parses a template such as `/v2/{resource=projects/*\/locations/*\/services/*}:getIamPolicy`. */
export function compileTemplate(template: string, options: TemplateOptions = {}): PathTemplate {
  const encodedSlashes = options.encodedSlashes === true
  if (!template.startsWith('/')) bad(template, 'must start with /')
  let body = template.slice(1)
  let verb: string | undefined
  const lastSlash = body.lastIndexOf('/')
  const lastBrace = body.lastIndexOf('}')
  const colon = body.lastIndexOf(':')
  if (colon > lastSlash && colon > lastBrace) {
    verb = body.slice(colon + 1)
    body = body.slice(0, colon)
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(verb)) bad(template, `bad verb '${verb}'`)
  }
  const segments: Segment[] = []
  const variables: string[] = []
  let i = 0
  while (i < body.length) {
    if (body[i] === '{') {
      const end = body.indexOf('}', i)
      if (end < 0) bad(template, 'unclosed {')
      const inner = body.slice(i + 1, end)
      const eq = inner.indexOf('=')
      const name = eq < 0 ? inner : inner.slice(0, eq)
      if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name)) {
        bad(template, `bad variable name '${name}'`)
      }
      const pieces =
        eq < 0 ? [{ kind: 'star' } as const] : parsePieces(inner.slice(eq + 1), template)
      segments.push({ kind: 'var', v: { name, pieces } })
      variables.push(name)
      i = end + 1
    } else {
      let end = body.indexOf('/', i)
      if (end < 0) end = body.length
      for (const piece of parsePieces(body.slice(i, end), template))
        segments.push({ kind: 'piece', piece })
      i = end
    }
    if (i < body.length) {
      if (body[i] !== '/') bad(template, `unexpected '${body[i] ?? ''}'`)
      i++
      if (i === body.length) bad(template, 'trailing /')
    }
  }
  const flat = segments.flatMap((s) => (s.kind === 'piece' ? [s.piece] : s.v.pieces))
  const doubles = flat.filter((p) => p.kind === 'doubleStar').length
  if (doubles > 1 || (doubles === 1 && flat[flat.length - 1]?.kind !== 'doubleStar')) {
    bad(template, '** must be the last segment')
  }
  const canonicalVerb = verb

  function match(path: string): Record<string, string> | undefined {
    if (!path.startsWith('/')) return undefined
    let rest = path.slice(1)
    const slash = rest.lastIndexOf('/')
    const c = rest.lastIndexOf(':')
    let gotVerb: string | undefined
    if (c > slash) {
      gotVerb = rest.slice(c + 1)
      rest = rest.slice(0, c)
    }
    if (gotVerb !== canonicalVerb) return undefined
    const raw = rest.split('/')
    const parts: string[] = []
    for (const r of raw) {
      if (r === '') return undefined
      let d: string
      try {
        d = decodeURIComponent(r)
      } catch {
        return undefined
      }
      if (d.includes('/')) {
        if (!encodedSlashes) return undefined
        d = encodeURIComponent(d)
      }
      parts.push(d)
    }
    const out: Record<string, string> = {}
    let k = 0
    const take = (p: Piece): string[] | undefined => {
      if (p.kind === 'doubleStar') {
        if (k >= parts.length) return undefined
        const all = parts.slice(k)
        k = parts.length
        return all
      }
      const seg = parts[k]
      if (seg === undefined) return undefined
      if (p.kind === 'literal' && seg !== p.value) return undefined
      k++
      return [seg]
    }
    for (const s of segments) {
      if (s.kind === 'piece') {
        if (take(s.piece) === undefined) return undefined
      } else {
        const got: string[] = []
        for (const p of s.v.pieces) {
          const t = take(p)
          if (t === undefined) return undefined
          got.push(...t)
        }
        out[s.v.name] = got.join('/')
      }
    }
    return k === parts.length ? out : undefined
  }

  function expand(values: Readonly<Record<string, string>>): string {
    const out: string[] = []
    for (const s of segments) {
      if (s.kind === 'piece') {
        if (s.piece.kind !== 'literal') bad(template, 'cannot expand a bare wildcard')
        out.push(s.piece.value)
        continue
      }
      const value = values[s.v.name]
      if (value === undefined) {
        throw new IamError(
          Code.INVALID_ARGUMENT,
          'INVALID_PATH_VARIABLE',
          `Missing value for '${s.v.name}'.`,
        )
      }
      const parts = value.split('/')
      const fits = s.v.pieces.some((p) => p.kind === 'doubleStar')
        ? parts.length >= s.v.pieces.length
        : parts.length === s.v.pieces.length
      const ok =
        fits &&
        parts.every((seg, idx) => {
          if (seg === '') return false
          const p = s.v.pieces[Math.min(idx, s.v.pieces.length - 1)]
          return p !== undefined && (p.kind !== 'literal' || p.value === seg)
        })
      if (!ok) {
        throw new IamError(
          Code.INVALID_ARGUMENT,
          'INVALID_PATH_VARIABLE',
          `Value '${value}' of '${s.v.name}' does not match the template '${template}'.`,
        )
      }
      out.push(
        parts
          .map((p) => encodeURIComponent(encodedSlashes && p.includes('%') ? decode(p) : p))
          .join('/'),
      )
    }
    return '/' + out.join('/') + (canonicalVerb === undefined ? '' : ':' + canonicalVerb)
  }

  return { template, verb, variables, match, expand }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}
