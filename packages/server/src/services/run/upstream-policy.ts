// Which upstreams a Cloud Run service may name (SPEC §4: "an upstream is trusted
// infrastructure"). The annotation runiam.dev/upstream is part of the container spec, so writing
// it needs run.services.create/update, and on top of that the origin must be on the server's
// allow-list (config `upstreams.allow`; --dev: loopback), be http or https without userinfo,
// never be a link-local, metadata or unspecified address (even if allow-listed) nor runiam's own
// address, and not be another service's backend. Checked when a service is written (400) and
// again by the gateway on every request (502), since the allow-list, runiam's own address and the
// other services can change after the service was stored. Pure: addresses are classified from
// their text, nothing is resolved here.
import { UPSTREAM_ANNOTATION } from '@runiam/api'
import { Code, IamError, registerReasons } from '@runiam/core'
import type { StoreReader } from '@runiam/store'

export { UPSTREAM_ANNOTATION }

export const UPSTREAM_REASONS = {
  INVALID_UPSTREAM: {
    code: Code.INVALID_ARGUMENT,
    doc: 'The runiam.dev/upstream annotation is not an http(s) URL, or carries a user name or password.',
  },
  UPSTREAM_NOT_ALLOWED: {
    code: Code.INVALID_ARGUMENT,
    doc: "The upstream's origin is not on the server's allow-list (upstreams.allow; --dev allows loopback).",
  },
  UPSTREAM_FORBIDDEN: {
    code: Code.INVALID_ARGUMENT,
    doc: "The upstream is a link-local, metadata or unspecified address, or runiam's own address: never allowed, allow-list or not.",
  },
  UPSTREAM_IN_USE: {
    code: Code.FAILED_PRECONDITION,
    doc: "The upstream's backend (host and port, any spelling) is already another service's upstream.",
  },
} as const

registerReasons(UPSTREAM_REASONS)

export type UpstreamReason = keyof typeof UPSTREAM_REASONS

/**
 * One entry of the allow-list, parsed from config (config/load.ts). `loopback`: any loopback host
 * (127.0.0.0/8, ::1, localhost), any port, http or https. `origin`: that exact scheme, host and
 * port ('*': any port). `wildcard`: that scheme and port, and a host of exactly one more DNS label
 * in front of `suffix` (`*.internal.example` admits `a.internal.example`, not
 * `a.b.internal.example` nor `internal.example`). Hosts are WHATWG-canonical (lower case, IPv4
 * dotted, IPv6 bracketed).
 */
export type UpstreamOriginPattern =
  | { readonly kind: 'loopback' }
  | {
      readonly kind: 'origin'
      readonly scheme: 'http' | 'https'
      readonly host: string
      readonly port: number | '*'
    }
  | {
      readonly kind: 'wildcard'
      readonly scheme: 'http' | 'https'
      readonly suffix: string
      readonly port: number | '*'
    }

export interface UpstreamPolicyOptions {
  readonly allow: readonly UpstreamOriginPattern[]
  /**
   * Where runiam itself can be reached: its port and the hosts it listens on (a loopback host
   * makes every loopback spelling runiam's; main.ts lists the interfaces for 0.0.0.0 / ::).
   */
  readonly self: { readonly port: number; readonly hosts: readonly string[] }
  /** Further URLs that are runiam (the issuer URL when it differs from the listen address). */
  readonly selfUrls?: readonly string[]
  /** Service hosts end in `.{runDomain}`: an upstream there is the gateway again. */
  readonly runDomain?: string
}

export type UpstreamVerdict =
  | { readonly ok: true; readonly url: URL; readonly backend: string }
  | { readonly ok: false; readonly reason: UpstreamReason; readonly message: string }

/** What kind of address a host is, from its text alone. */
export type HostClass = 'loopback' | 'link-local' | 'metadata' | 'unspecified' | 'other'

/** Metadata servers reached by name (GCE, AWS). Their addresses are link-local anyway. */
const METADATA_NAMES = new Set([
  'metadata.google.internal',
  'metadata.goog',
  'metadata',
  'instance-data',
  'instance-data.ec2.internal',
])

function parseIPv4(text: string): number[] | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const out: number[] = []
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out.push(n)
  }
  return out
}

/** Eight 16-bit groups, or undefined; accepts `::`, a dotted IPv4 tail and a %zone. */
function parseIPv6(text: string): number[] | undefined {
  let s = text.replace(/^\[|\]$/g, '')
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  const lastColon = s.lastIndexOf(':')
  if (lastColon < 0) return undefined
  const tail = s.slice(lastColon + 1)
  if (tail.includes('.')) {
    const v4 = parseIPv4(tail)
    if (v4 === undefined) return undefined
    const [a = 0, b = 0, c = 0, d = 0] = v4
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const groups = (h: string | undefined): string[] =>
    h === undefined || h === '' ? [] : h.split(':')
  const left = groups(halves[0])
  const right = groups(halves[1])
  const missing = 8 - left.length - right.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const all = [...left, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...right]
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined
  return all.map((g) => parseInt(g, 16))
}

function classifyIPv4([a, b, c, d]: number[]): HostClass {
  if (a === 127) return 'loopback'
  if (a === 0) return 'unspecified' // "this network": 0.0.0.0 reaches the local host on Linux
  if (a === 169 && b === 254) return c === 169 && d === 254 ? 'metadata' : 'link-local'
  if (a === 100 && b === 100 && c === 100 && d === 200) return 'metadata' // Alibaba Cloud
  return 'other'
}

/** An IPv4 address carried inside an IPv6 one (mapped, compatible, NAT64), if any. */
function embeddedIPv4(g: number[]): number[] | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = g
  const zeros = (xs: (number | undefined)[]) => xs.every((x) => x === 0)
  const mapped = zeros([g0, g1, g2, g3, g4]) && (g5 === 0xffff || g5 === 0)
  const nat64 = g0 === 0x64 && g1 === 0xff9b && zeros([g2, g3, g4, g5])
  if (!mapped && !nat64) return undefined
  return [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]
}

function classifyIPv6(g: number[]): HostClass {
  if (g.every((x) => x === 0)) return 'unspecified'
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback'
  if (((g[0] ?? 0) & 0xffc0) === 0xfe80) return 'link-local'
  // AWS's IPv6 instance metadata endpoint, fd00:ec2::254.
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && g.slice(2, 7).every((x) => x === 0) && g[7] === 0x254)
    return 'metadata'
  const v4 = embeddedIPv4(g)
  return v4 === undefined ? 'other' : classifyIPv4(v4)
}

/** Classifies an IP address as a resolver returns it ("127.0.0.1", "::1", "fe80::1%eth0"). */
export function classifyAddress(ip: string): HostClass {
  const v4 = parseIPv4(ip)
  if (v4 !== undefined) return classifyIPv4(v4)
  const v6 = parseIPv6(ip)
  return v6 === undefined ? 'other' : classifyIPv6(v6)
}

/** Classifies a URL's hostname (WHATWG form): IP literals by range, names by a few known names. */
export function classifyHost(hostname: string): HostClass {
  if (hostname.startsWith('[')) return classifyAddress(hostname)
  if (parseIPv4(hostname) !== undefined) return classifyAddress(hostname)
  const name = hostname.toLowerCase().replace(/\.$/, '')
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback'
  if (METADATA_NAMES.has(name)) return 'metadata'
  return 'other'
}

const defaultPort = (url: URL): number =>
  url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80

/** The host part of a backend key: every loopback spelling is one host, IPv4 inside IPv6 is IPv4. */
function hostKey(hostname: string): string {
  if (classifyHost(hostname) === 'loopback') return 'loopback'
  if (hostname.startsWith('[')) {
    const g = parseIPv6(hostname)
    if (g === undefined) return hostname
    const v4 = embeddedIPv4(g)
    return v4 !== undefined && (g[5] === 0xffff || g[5] === 0)
      ? v4.join('.')
      : `[${g.map((x) => x.toString(16)).join(':')}]`
  }
  return hostname.toLowerCase().replace(/\.$/, '')
}

/**
 * Which backend (socket) a URL reaches, whatever its spelling: scheme, path and case do not
 * matter; `localhost`, `127.0.0.1`, `127.1`, `[::1]` are all `loopback`. Two services with the
 * same key share a backend.
 */
export function backendKey(url: URL): string {
  return `${hostKey(url.hostname)}:${defaultPort(url)}`
}

/** The URL as it may be shown in messages and logs: a password, if any, masked. */
function shown(text: string): string {
  try {
    const u = new URL(text)
    if (u.password !== '') u.password = '***'
    return u.password !== '' ? u.href : text
  } catch {
    return text
  }
}

function matches(p: UpstreamOriginPattern, url: URL): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  if (p.kind === 'loopback') return classifyHost(url.hostname) === 'loopback'
  if (url.protocol !== `${p.scheme}:`) return false
  if (p.port !== '*' && p.port !== defaultPort(url)) return false
  if (p.kind === 'origin') return url.hostname === p.host
  const host = url.hostname
  if (!host.endsWith(`.${p.suffix}`)) return false
  const label = host.slice(0, host.length - p.suffix.length - 1)
  return /^[a-z0-9_-]+$/.test(label) && parseIPv4(host) === undefined
}

const CLASS_WORDS: Record<Exclude<HostClass, 'loopback' | 'other'>, string> = {
  'link-local': 'a link-local address',
  metadata: 'a cloud metadata address',
  unspecified: 'an unspecified address (it reaches the local host)',
}

export class UpstreamPolicy {
  readonly #options: UpstreamPolicyOptions
  readonly #selfKeys: Set<string>

  constructor(options: UpstreamPolicyOptions) {
    this.#options = options
    this.#selfKeys = new Set(options.self.hosts.map((h) => `${hostKey(h)}:${options.self.port}`))
    for (const u of options.selfUrls ?? []) {
      try {
        this.#selfKeys.add(backendKey(new URL(u)))
      } catch {
        continue
      }
    }
  }

  /** The rules that need no other service: syntax, forbidden addresses, runiam, allow-list. */
  check(text: string): UpstreamVerdict {
    const value = shown(text)
    let url: URL
    try {
      url = new URL(text)
    } catch {
      return refuse(
        'INVALID_UPSTREAM',
        `Invalid upstream "${value}" in annotation ${UPSTREAM_ANNOTATION}: it is not a URL.`,
      )
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return refuse(
        'INVALID_UPSTREAM',
        `Invalid upstream "${value}" in annotation ${UPSTREAM_ANNOTATION}: only http and https upstreams are supported.`,
      )
    }
    if (url.username !== '' || url.password !== '') {
      return refuse(
        'INVALID_UPSTREAM',
        `Invalid upstream "${value}" in annotation ${UPSTREAM_ANNOTATION}: it must not carry a user name or password.`,
      )
    }
    const kind = classifyHost(url.hostname)
    if (kind !== 'loopback' && kind !== 'other') {
      return refuse(
        'UPSTREAM_FORBIDDEN',
        `Upstream "${value}" is ${CLASS_WORDS[kind]} (${url.hostname}): runiam never forwards to link-local, metadata or unspecified addresses, even when the allow-list names them.`,
      )
    }
    const backend = backendKey(url)
    const runDomain = this.#options.runDomain?.toLowerCase()
    const host = url.hostname.replace(/\.$/, '')
    if (
      this.#selfKeys.has(backend) ||
      (runDomain !== undefined && (host === runDomain || host.endsWith(`.${runDomain}`)))
    ) {
      return refuse(
        'UPSTREAM_FORBIDDEN',
        `Upstream "${value}" is runiam's own address: a service's upstream cannot be runiam itself (its API or its gateway).`,
      )
    }
    if (!this.#options.allow.some((p) => matches(p, url))) {
      return refuse(
        'UPSTREAM_NOT_ALLOWED',
        `Upstream "${value}" is not on this server's upstream allow-list (upstreams.allow in the server's config file; --dev allows loopback addresses).`,
      )
    }
    return { ok: true, url, backend }
  }
}

function refuse(reason: UpstreamReason, message: string): UpstreamVerdict {
  return { ok: false, reason, message }
}

const upstreamOf = (body: Record<string, unknown> | undefined): string | undefined => {
  const annotations = body?.['annotations']
  if (typeof annotations !== 'object' || annotations === null) return undefined
  const v = (annotations as Record<string, unknown>)[UPSTREAM_ANNOTATION]
  return typeof v === 'string' && v !== '' ? v : undefined
}

function upstreamError(reason: UpstreamReason, message: string): IamError {
  const field = `service.annotations["${UPSTREAM_ANNOTATION}"]`
  return new IamError(UPSTREAM_REASONS[reason].code, reason, message, {
    metadata: { field },
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.BadRequest',
        fieldViolations: [{ field, description: message }],
      },
    ],
  })
}

/**
 * The write-time check of a service body about to be stored as `name` (create, patch, replace):
 * throws INVALID_ARGUMENT / FAILED_PRECONDITION naming the value. An upstream the write does not
 * change is not re-judged (as constraints are not retroactive); the gateway still re-checks it
 * on every request. `reader` is the write's transaction where there is one, so that on SQLite
 * (one writer at a time) two services cannot claim one backend at once.
 */
export async function checkServiceUpstream(
  policy: UpstreamPolicy,
  reader: Pick<StoreReader, 'listAllResources'>,
  name: string,
  body: Record<string, unknown>,
  previous?: Record<string, unknown>,
): Promise<void> {
  const text = upstreamOf(body)
  if (text === undefined || text === upstreamOf(previous)) return
  const verdict = policy.check(text)
  if (!verdict.ok) throw upstreamError(verdict.reason, verdict.message)
  for (const other of await reader.listAllResources('service')) {
    if (other.name === name) continue
    const theirs = upstreamOf(other.body)
    if (theirs === undefined) continue
    let key: string
    try {
      key = backendKey(new URL(theirs))
    } catch {
      continue
    }
    if (key === verdict.backend) {
      // The other service may be in a project the caller cannot see: do not name it.
      throw upstreamError(
        'UPSTREAM_IN_USE',
        `Upstream "${shown(text)}" is already the upstream of another service: a backend belongs to one service, so that no route reaches it without that service's invoker check.`,
      )
    }
  }
}
