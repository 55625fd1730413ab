// The request target of a gateway request, normalised once so that the path an IAM condition
// judges (`request.path`) is exactly the path the upstream receives: RFC 3986 §6.2.2 syntax-based
// normalisation (escapes of unreserved characters decoded, other escapes upper-cased) and §5.2.4
// dot-segment removal. Targets whose meaning differs between parsers are refused instead of
// guessed at: an encoded "/" or "\" (%2F, %5C), NUL (%00), a raw "\", a malformed escape. The
// query is passed on as received. docs/gateway.md, "Paths".

/** The longest path accepted, in bytes of the target as received (Cloud Run's front end: 8 KiB). */
export const MAX_PATH_LENGTH = 8192

export type RequestTarget =
  | {
      readonly ok: true
      /** The normalised path: what conditions see and what the upstream receives. */
      readonly path: string
      /** path plus the original `?query`, if the request had one: what the upstream receives. */
      readonly target: string
    }
  | { readonly ok: false; readonly status: 400 | 414; readonly why: string }

const UNRESERVED = /[A-Za-z0-9\-._~]/

const bad = (why: string): RequestTarget => ({ ok: false, status: 400, why })

/** RFC 3986 §5.2.4 remove_dot_segments, for a path that starts with "/". */
export function removeDotSegments(path: string): string {
  const input = path.split('/')
  const out: string[] = []
  for (let i = 1; i < input.length; i++) {
    const segment = input[i] ?? ''
    const last = i === input.length - 1
    if (segment === '.' || segment === '..') {
      if (segment === '..') out.pop()
      // "/a/." and "/a/b/.." name a directory: keep the trailing slash.
      if (last) out.push('')
      continue
    }
    out.push(segment)
  }
  return `/${out.join('/')}`
}

/** Decodes escaped unreserved characters, upper-cases other escapes, refuses the ambiguous ones. */
function normaliseEscapes(path: string): string | { why: string } {
  let out = ''
  for (let i = 0; i < path.length; i++) {
    const c = path[i] ?? ''
    const code = path.charCodeAt(i)
    if (c === '\\') return { why: 'a backslash in the path' }
    if (code < 0x21 || code === 0x7f) return { why: 'a control character in the path' }
    if (code > 0x7e) {
      // Raw octets past ASCII: Node's parser refuses them in a request line, but an
      // X-Original-URI header (latin1) can carry them. Escape them, as a client should have.
      if (code > 0xff) return { why: 'a character that is not an octet' }
      out += `%${code.toString(16).toUpperCase().padStart(2, '0')}`
      continue
    }
    if (c !== '%') {
      out += c
      continue
    }
    const hex = path.slice(i + 1, i + 3)
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return { why: `a malformed escape "%${hex}"` }
    const byte = parseInt(hex, 16)
    if (byte === 0x2f || byte === 0x5c) return { why: `an encoded ${byte === 0x2f ? '/' : '\\'}` }
    if (byte === 0) return { why: 'an encoded NUL' }
    const char = String.fromCharCode(byte)
    out += UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
    i += 2
  }
  return out
}

/** Normalises an origin-form request target (`/path?query`); anything else is refused. */
export function normaliseTarget(raw: string): RequestTarget {
  if (!raw.startsWith('/')) return bad('the request target is not a path')
  const q = raw.indexOf('?')
  const rawPath = q < 0 ? raw : raw.slice(0, q)
  if (rawPath.length > MAX_PATH_LENGTH) {
    return { ok: false, status: 414, why: `the path is longer than ${MAX_PATH_LENGTH} bytes` }
  }
  if (rawPath.includes('#')) return bad('a fragment in the request target')
  const escaped = normaliseEscapes(rawPath)
  if (typeof escaped !== 'string') return bad(escaped.why)
  const path = removeDotSegments(escaped)
  return { ok: true, path, target: q < 0 ? path : `${path}${raw.slice(q)}` }
}
