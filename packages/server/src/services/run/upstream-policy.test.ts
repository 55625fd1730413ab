// The upstream rules as a table: what the allow-list admits, what is never admitted, which
// spellings name one backend, and the write-time check over stored services (with a tiny
// in-memory reader: the check reads nothing but the service list).
import type { ResourceRecord } from '@runiam/store'
import { describe, expect, it } from 'vitest'
import { isIamError } from '@runiam/core'
import { parseUpstreamAllowEntry } from '../../config/upstream-allow.js'
import {
  backendKey,
  checkServiceUpstream,
  classifyAddress,
  classifyHost,
  UpstreamPolicy,
  type UpstreamOriginPattern,
} from './upstream-policy.js'

function allow(...entries: string[]): UpstreamOriginPattern[] {
  return entries.map((e) => {
    const p = parseUpstreamAllowEntry(e)
    if (typeof p === 'string') throw new Error(p)
    return p
  })
}

const policy = (entries: string[], port = 8080) =>
  new UpstreamPolicy({
    allow: allow(...entries),
    self: { port, hosts: ['127.0.0.1'] },
    selfUrls: ['https://runiam.example.com'],
    runDomain: 'run.localhost',
  })

const verdict = (p: UpstreamPolicy, url: string) => {
  const v = p.check(url)
  return v.ok ? 'ok' : v.reason
}

describe('classification', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'metadata'],
    ['169.254.170.2', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'other'],
    ['fd00:ec2::254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['100.100.100.200', 'metadata'],
    ['10.0.0.5', 'other'],
    ['2001:db8::1', 'other'],
  ])('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind)
  })

  it('classifies hosts as WHATWG URLs print them, and known names', () => {
    const host = (u: string) => classifyHost(new URL(u).hostname)
    expect(host('http://2130706433/')).toBe('loopback')
    expect(host('http://0xa9fea9fe/')).toBe('metadata')
    expect(host('http://[::ffff:169.254.169.254]/')).toBe('metadata')
    expect(host('http://LOCALHOST./')).toBe('loopback')
    expect(host('http://x.run.localhost/')).toBe('loopback')
    expect(host('http://metadata.google.internal./')).toBe('metadata')
    expect(host('http://api.internal.example/')).toBe('other')
  })

  it('gives every spelling of one backend one key, whatever the scheme and path', () => {
    const key = (u: string) => backendKey(new URL(u))
    const loop = key('http://127.0.0.1:4000')
    for (const u of [
      'http://localhost:4000/x',
      'https://127.0.0.1:4000',
      'http://127.1:4000',
      'http://[::1]:4000',
      'http://[::ffff:127.0.0.1]:4000',
      'http://2130706433:4000',
    ]) {
      expect(key(u), u).toBe(loop)
    }
    expect(key('http://10.0.0.5')).toBe(key('http://[::ffff:10.0.0.5]:80'))
    expect(key('http://10.0.0.5')).not.toBe(key('https://10.0.0.5'))
    expect(key('http://Api.Internal.Example.:80/')).toBe(key('http://api.internal.example'))
  })
})

describe('the allow-list', () => {
  it('matches exact origins, one-label wildcards, any-port entries and loopback', () => {
    const p = policy([
      'http://10.0.0.5:8081',
      'https://*.internal.example',
      'http://10.0.0.6:*',
      'loopback',
    ])
    expect(verdict(p, 'http://10.0.0.5:8081/api')).toBe('ok')
    expect(verdict(p, 'http://10.0.0.5:8082')).toBe('UPSTREAM_NOT_ALLOWED')
    expect(verdict(p, 'https://10.0.0.5:8081')).toBe('UPSTREAM_NOT_ALLOWED')
    expect(verdict(p, 'https://a.internal.example')).toBe('ok')
    expect(verdict(p, 'https://a.internal.example:443')).toBe('ok')
    expect(verdict(p, 'https://a.internal.example:8443')).toBe('UPSTREAM_NOT_ALLOWED')
    expect(verdict(p, 'https://a.b.internal.example')).toBe('UPSTREAM_NOT_ALLOWED')
    expect(verdict(p, 'https://internal.example')).toBe('UPSTREAM_NOT_ALLOWED')
    expect(verdict(p, 'https://a.internal.example.evil.com')).toBe('UPSTREAM_NOT_ALLOWED')
    expect(verdict(p, 'https://ainternal.example')).toBe('UPSTREAM_NOT_ALLOWED')
    expect(verdict(p, 'http://a.internal.example')).toBe('UPSTREAM_NOT_ALLOWED')
    expect(verdict(p, 'http://10.0.0.6:1234')).toBe('ok')
    expect(verdict(p, 'http://127.0.0.1:3000')).toBe('ok')
    expect(verdict(p, 'http://localhost:3000')).toBe('ok')
    expect(verdict(p, 'http://[::1]:3000')).toBe('ok')
  })

  it('admits nothing when empty (the default outside --dev)', () => {
    expect(verdict(policy([]), 'http://127.0.0.1:3000')).toBe('UPSTREAM_NOT_ALLOWED')
  })

  it('never admits other schemes, userinfo, link-local, metadata, unspecified or runiam itself', () => {
    const p = policy([
      'loopback',
      'http://169.254.169.254',
      'http://metadata.google.internal',
      'http://0.0.0.0:*',
      'https://runiam.example.com',
      'http://[fe80::1]:*',
    ])
    expect(verdict(p, 'file:///etc/passwd')).toBe('INVALID_UPSTREAM')
    expect(verdict(p, 'ws://127.0.0.1:3000')).toBe('INVALID_UPSTREAM')
    expect(verdict(p, 'http://u:p@127.0.0.1:3000')).toBe('INVALID_UPSTREAM')
    expect(verdict(p, 'http://u@127.0.0.1:3000')).toBe('INVALID_UPSTREAM')
    expect(verdict(p, '127.0.0.1:3000')).toBe('INVALID_UPSTREAM')
    expect(verdict(p, 'http://169.254.169.254/')).toBe('UPSTREAM_FORBIDDEN')
    expect(verdict(p, 'http://metadata.google.internal/')).toBe('UPSTREAM_FORBIDDEN')
    expect(verdict(p, 'http://[fe80::1]:80/')).toBe('UPSTREAM_FORBIDDEN')
    expect(verdict(p, 'http://0.0.0.0:3000/')).toBe('UPSTREAM_FORBIDDEN')
    expect(verdict(p, 'http://127.0.0.1:8080/')).toBe('UPSTREAM_FORBIDDEN')
    expect(verdict(p, 'http://localhost:8080/')).toBe('UPSTREAM_FORBIDDEN')
    expect(verdict(p, 'https://runiam.example.com/')).toBe('UPSTREAM_FORBIDDEN')
    expect(verdict(p, 'http://hello-1.us-central1.run.localhost:9999/')).toBe('UPSTREAM_FORBIDDEN')
  })

  it('names the value in its messages, masking a password', () => {
    const v = policy(['loopback']).check('http://alice:hunter2@127.0.0.1:3000/')
    expect(v.ok).toBe(false)
    if (v.ok) return
    expect(v.message).toContain('"http://alice:***@127.0.0.1:3000/"')
    expect(v.message).not.toContain('hunter2')
  })
})

describe('config entries', () => {
  it.each([
    'http://10.0.0.5:8080/path',
    'http://u@10.0.0.5',
    'ftp://10.0.0.5',
    'https://*',
    'https://*.*.example',
    'https://a.*.example',
    'https://*.10.0.0.5',
    'http://10.0.0.5:0',
    'http://10.0.0.5:99999',
    '10.0.0.5:8080',
  ])('refuses %s', (text) => {
    expect(typeof parseUpstreamAllowEntry(text)).toBe('string')
  })

  it('parses hosts the way URLs are parsed', () => {
    expect(parseUpstreamAllowEntry('HTTP://App.Internal:8080/')).toEqual({
      kind: 'origin',
      scheme: 'http',
      host: 'app.internal',
      port: 8080,
    })
    expect(parseUpstreamAllowEntry('https://[::1]')).toEqual({
      kind: 'origin',
      scheme: 'https',
      host: '[::1]',
      port: 443,
    })
    expect(parseUpstreamAllowEntry('https://*.Internal.Example:*')).toEqual({
      kind: 'wildcard',
      scheme: 'https',
      suffix: 'internal.example',
      port: '*',
    })
  })
})

describe('checkServiceUpstream (write time)', () => {
  const record = (name: string, upstream?: string): ResourceRecord => ({
    name,
    kind: 'service',
    parent: name.split('/services/')[0] ?? '',
    body: upstream === undefined ? {} : { annotations: { 'runiam.dev/upstream': upstream } },
    etag: 'e',
    createTime: '2026-01-01T00:00:00Z',
    updateTime: '2026-01-01T00:00:00Z',
  })
  const reader = (records: ResourceRecord[]) => ({
    listAllResources: () => Promise.resolve(records),
  })
  const body = (upstream: string) => ({ annotations: { 'runiam.dev/upstream': upstream } })
  const A = 'projects/a/locations/r/services/a'
  const B = 'projects/b/locations/r/services/b'
  const p = policy(['loopback'])

  const reasonOf = async (promise: Promise<void>): Promise<string | undefined> => {
    try {
      await promise
      return undefined
    } catch (err) {
      if (isIamError(err)) return err.reason
      throw err
    }
  }

  it("refuses another service's backend in any spelling, without naming that service", async () => {
    const stored = reader([record(A, 'http://127.0.0.1:4000')])
    for (const u of ['http://localhost:4000', 'https://[::1]:4000/x', 'http://127.1:4000']) {
      expect(await reasonOf(checkServiceUpstream(p, stored, B, body(u))), u).toBe('UPSTREAM_IN_USE')
    }
    try {
      await checkServiceUpstream(p, stored, B, body('http://localhost:4000'))
    } catch (err) {
      expect(String((err as Error).message)).not.toContain('projects/a')
    }
    // Its own upstream, rewritten: fine. Another port: fine.
    expect(await reasonOf(checkServiceUpstream(p, stored, A, body('http://localhost:4000')))).toBe(
      undefined,
    )
    expect(await reasonOf(checkServiceUpstream(p, stored, B, body('http://127.0.0.1:4001')))).toBe(
      undefined,
    )
  })

  it('does not re-judge an upstream the write leaves unchanged (not retroactive)', async () => {
    const old = body('http://10.0.0.5:80')
    expect(await reasonOf(checkServiceUpstream(p, reader([]), A, old, old))).toBe(undefined)
    expect(await reasonOf(checkServiceUpstream(p, reader([]), A, old, {}))).toBe(
      'UPSTREAM_NOT_ALLOWED',
    )
    expect(await reasonOf(checkServiceUpstream(p, reader([]), A, {}, old))).toBe(undefined)
  })
})
