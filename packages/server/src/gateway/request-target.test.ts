// Request-target normalisation as a table: RFC 3986 §5.2.4's own examples for dot segments, the
// escapes that are decoded, kept or refused, and the limits.
import { describe, expect, it } from 'vitest'
import { MAX_PATH_LENGTH, normaliseTarget, removeDotSegments } from './request-target.js'

describe('removeDotSegments (RFC 3986 §5.2.4)', () => {
  it.each([
    ['/a/b/c/./../../g', '/a/g'],
    ['/mid/content=5/../6', '/mid/6'],
    ['/public/../admin', '/admin'],
    ['/../../admin', '/admin'],
    ['/a/b/.', '/a/b/'],
    ['/a/b/..', '/a/'],
    ['/..', '/'],
    ['/.', '/'],
    ['/a//../b', '/a/b'],
    ['/a/..//b', '//b'],
    ['/a/.../b', '/a/.../b'],
    ['/a/..b/c', '/a/..b/c'],
    ['/', '/'],
  ])('%s → %s', (input, output) => {
    expect(removeDotSegments(input)).toBe(output)
  })
})

describe('normaliseTarget', () => {
  const ok = (raw: string) => {
    const t = normaliseTarget(raw)
    return t.ok ? { path: t.path, target: t.target } : t.status
  }

  it('decodes unreserved escapes before removing dot segments; keeps the query as sent', () => {
    expect(ok('/public/%2e%2e/admin')).toEqual({ path: '/admin', target: '/admin' })
    expect(ok('/public/%2E./admin?x=%2F')).toEqual({ path: '/admin', target: '/admin?x=%2F' })
    expect(ok('/%7Euser/%41%62c-%5f')).toEqual({ path: '/~user/Abc-_', target: '/~user/Abc-_' })
    expect(ok('/a%20b/caf%c3%a9')).toEqual({
      path: '/a%20b/caf%C3%A9',
      target: '/a%20b/caf%C3%A9',
    })
    expect(ok('/a?')).toEqual({ path: '/a', target: '/a?' })
    expect(ok('/a/./b/../c?q=/../x')).toEqual({ path: '/a/c', target: '/a/c?q=/../x' })
  })

  it('escapes raw octets past ASCII (X-Original-URI arrives as latin1)', () => {
    expect(ok('/caf\u00c3\u00a9')).toEqual({ path: '/caf%C3%A9', target: '/caf%C3%A9' })
    expect(ok('/x\u20ac')).toBe(400)
  })

  it.each([
    '/a%2Fb',
    '/a%2fb',
    '/a%5Cb',
    '/a%5cb',
    '/a\\b',
    '/a%00',
    '/a%',
    '/a%4',
    '/a%zz',
    '/a#frag',
    'http://host/a',
    '*',
    'host:443',
    '',
  ])('refuses %j with 400', (raw) => {
    expect(ok(raw)).toBe(400)
  })

  it('refuses paths longer than 8 KiB with 414, and counts the query out', () => {
    expect(ok(`/${'a'.repeat(MAX_PATH_LENGTH - 1)}`)).not.toBe(414)
    expect(ok(`/${'a'.repeat(MAX_PATH_LENGTH)}`)).toBe(414)
    expect(ok(`/a?${'q'.repeat(MAX_PATH_LENGTH * 2)}`)).not.toBe(414)
  })
})
