// The metered RE2 VM: the same answers as RE2JS's own test() (the engine it replaces), and work
// that is counted and stopped. No timings: the bound is asserted on the meter's counters.
import { RE2JS } from '@bufbuild/re2'
import { describe, expect, it } from 'vitest'
import { BoundedRegex, BudgetExceededError } from './bounded-regex.js'
import type { Meter } from './bounded-regex.js'

/** A meter that counts and refuses past `limit`. */
function counter(limit = Number.POSITIVE_INFINITY): Meter & { spent: number } {
  return {
    spent: 0,
    charge(units: number) {
      this.spent += units
      if (this.spent > limit) throw new BudgetExceededError('budget')
    },
  }
}

function ab(n: number, seed = 1): string {
  let x = seed
  let s = ''
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += (x >> 16) & 1 ? 'a' : 'b'
  }
  return s
}

describe('BoundedRegex answers as RE2JS does', () => {
  const patterns = [
    '',
    'a',
    '^a',
    'a$',
    '^$',
    '^/admin',
    '/admin$',
    '^projects/[^/]+/locations/us-central1/services/[a-z-]+$',
    'projects/.*/services/frontend-.*',
    '(?i)^/ADMIN',
    '(?i)straße',
    '(?i)k',
    '\\bfoo\\b',
    '\\Bfoo',
    '(?m)^b$',
    '(?s)a.b',
    'a.b',
    'x*',
    '(a|ab)(c|bcd)(d*)',
    '[ab]*a[ab]{5}$',
    '\\pL+\\d',
    '\\p{Greek}',
    '[[:alpha:]]+[[:digit:]]',
    '\\A/x\\z',
    '😀+',
    '[😀-😂]',
    '\\x{1F600}',
    'a{2,3}',
    'needle',
    'need(le|ful)',
    '[^a]',
    '.',
  ]
  const inputs = [
    '',
    'a',
    'b',
    'ab',
    'ba',
    '/admin',
    '/admin/users',
    '/ADMIN',
    '/Admin/x',
    'projects/p/locations/us-central1/services/my-svc',
    'projects/p/locations/us-central1/services/My_svc',
    'projects/p/locations/eu/services/frontend-1',
    'STRASSE',
    'straße',
    'K',
    '\u212a', // KELVIN SIGN folds to k
    'a foo b',
    'afoo',
    'a\nb\nc',
    'a\nb',
    'abcd',
    'abbbbba',
    ab(40),
    'Ωλ1',
    'Ω',
    'abc9',
    '/x',
    '/x\n',
    '😀😀',
    '😁',
    '\ud83d', // a lone surrogate
    'a\ud83db',
    'xxneedlexx',
    'needfulness',
    'aa',
    'aaaa',
  ]
  for (const pattern of patterns) {
    it(`${JSON.stringify(pattern)}`, () => {
      const reference = RE2JS.compile(pattern)
      const bounded = new BoundedRegex(pattern)
      for (const input of inputs) {
        expect(
          { input, matched: bounded.test(input, counter()) },
          `pattern ${JSON.stringify(pattern)}`,
        ).toEqual({ input, matched: reference.test(input) })
      }
    })
  }
})

describe('BoundedRegex is metered', () => {
  it('charges at most 2 × program size + 1 units per input character', () => {
    // Each instruction is visited at most twice per character: added to a list, then stepped.
    // The classic DFA blow-up: RE2JS's lazy DFA builds a state per character of this input.
    const regex = new BoundedRegex('[ab]*a[ab]{20}$')
    const input = ab(8192, 7)
    const meter = counter()
    regex.test(input, meter)
    expect(meter.spent).toBeGreaterThan(8192)
    expect(meter.spent).toBeLessThanOrEqual((2 * regex.programSize + 1) * (input.length + 1))
  })

  it('stops as soon as the meter refuses, with BudgetExceededError', () => {
    const regex = new BoundedRegex('[ab]*a[ab]{900}$')
    const meter = counter(10_000)
    expect(() => regex.test(ab(8192, 3), meter)).toThrow(BudgetExceededError)
    // Charged in slices of 4,096 units at most, so the overrun is bounded.
    expect(meter.spent).toBeLessThanOrEqual(10_000 + 4096 + regex.programSize)
  })

  it('skips to the literal prefix: a needle in 8 KiB costs far less than a unit per character', () => {
    const regex = new BoundedRegex('/v[0-9]+/users/[^/]+$')
    const meter = counter()
    expect(regex.test(`${'x'.repeat(8000)}/v2/users/alice`, meter)).toBe(true)
    expect(meter.spent).toBeLessThan(1000)
  })

  it('stops an anchored pattern at the first character that fails', () => {
    const meter = counter()
    expect(new BoundedRegex('^/api/').test(`/x${'a'.repeat(8000)}`, meter)).toBe(false)
    expect(meter.spent).toBeLessThan(20)
  })
})
