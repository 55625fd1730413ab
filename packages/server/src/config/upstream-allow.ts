// The `upstreams.allow` setting: which origins services may name as their upstream
// (docs/gateway.md). Parsed here so a bad entry is reported with every other config problem before
// anything starts; the gateway and the services only match URLs against the parsed entries.
import type { UpstreamAllowEntry } from './schema.js'

const ENTRY = /^(https?):\/\/(\*\.)?([^/?#@]+?)(?::(\d{1,5}|\*))?\/?$/i

/** One entry, or a sentence saying why it is not one. */
export function parseUpstreamAllowEntry(text: string): UpstreamAllowEntry | string {
  if (text.toLowerCase() === 'loopback') return { kind: 'loopback' }
  const m = ENTRY.exec(text)
  if (m === null) {
    return `"${text}" is not loopback or scheme://host[:port] (http or https; no path, query or user info)`
  }
  const scheme = (m[1] ?? '').toLowerCase() as 'http' | 'https'
  const wildcard = m[2] !== undefined
  const rawHost = m[3] ?? ''
  if (rawHost.includes('*')) {
    return `"${text}": a wildcard stands for the first DNS label only, as in https://*.internal.example`
  }
  let host: string
  try {
    host = new URL(`${scheme}://${rawHost}/`).hostname
  } catch {
    return `"${text}": ${rawHost} is not a host name or IP address`
  }
  let port: number | '*'
  if (m[4] === undefined) port = scheme === 'https' ? 443 : 80
  else if (m[4] === '*') port = '*'
  else {
    port = Number(m[4])
    if (port < 1 || port > 65535) return `"${text}": the port must be from 1 to 65535 or *`
  }
  if (wildcard) {
    if (host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host) || !/[a-z]/.test(host)) {
      return `"${text}": a wildcard needs a DNS name after *., not an IP address`
    }
    return { kind: 'wildcard', scheme, suffix: host.replace(/\.$/, ''), port }
  }
  return { kind: 'origin', scheme, host, port }
}

/**
 * The `upstreams` mapping of the config file. Without one: loopback in --dev (local development
 * against local upstreams), nothing otherwise (an operator names what services may reach).
 */
export function parseUpstreams(
  value: unknown,
  dev: boolean,
  problems: string[],
): { allow: UpstreamAllowEntry[] } {
  const fallback = { allow: dev ? [{ kind: 'loopback' as const }] : [] }
  if (value === undefined) return fallback
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('upstreams must be a mapping with an allow list')
    return fallback
  }
  const raw = value as Record<string, unknown>
  for (const k of Object.keys(raw)) {
    if (k !== 'allow') problems.push(`upstreams: unknown key '${k}'`)
  }
  const allow = raw['allow']
  if (allow === undefined) return fallback
  if (!Array.isArray(allow) || allow.some((a) => typeof a !== 'string')) {
    problems.push('upstreams.allow must be a list of strings')
    return fallback
  }
  const out: UpstreamAllowEntry[] = []
  allow.forEach((text: string, i) => {
    const entry = parseUpstreamAllowEntry(text)
    if (typeof entry === 'string') problems.push(`upstreams.allow[${i}]: ${entry}`)
    else out.push(entry)
  })
  return { allow: out }
}
