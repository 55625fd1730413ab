// Differential property tests of the regex layer against RE2JS itself: on random patterns from a
// small RE2 grammar and random inputs, BoundedRegex.test answers as RE2JS's test() does, and
// estimateProgramSize never under-estimates RE2JS's program size (so refusing on the estimate
// never lets a larger program be compiled). fast-check prints the seed on failure.
import { RE2JS } from '@bufbuild/re2'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { BoundedRegex } from './bounded-regex.js'
import { estimateProgramSize } from './compile-pattern.js'

const meter = { charge: (): void => undefined }

const atom = fc.constantFrom(
  'a',
  'b',
  '/',
  '.',
  '[ab]',
  '[^a]',
  '\\d',
  '\\w',
  '\\pL',
  '[[:alpha:]]',
  '\\x{62}',
  '\\Qa.b\\E',
  '^',
  '$',
  '\\b',
  '\\B',
  '\\A',
  '\\z',
  'é',
  '😀',
)

const regex: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
  re: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => x + y),
    fc.tuple(tie('re'), tie('re')).map(([x, y]) => `${x}|${y}`),
    fc.array(atom, { minLength: 2, maxLength: 5 }).map((xs) => xs.join('|')),
    fc
      .tuple(tie('re'), fc.constantFrom('(', '(?:', '(?P<n>', '(?i:', '(?s:', '(?m:'))
      .map(([x, open]) => `${open}${x})`),
    fc
      .tuple(
        tie('re'),
        fc.constantFrom('*', '+', '?', '*?', '{2}', '{0,3}', '{2,}', '{1,4}?', '{3,5}'),
      )
      .map(([x, op]) => `(?:${x})${op}`),
  ),
})).re

const input = fc
  .array(fc.constantFrom('a', 'b', '/', 'A', '1', ' ', '\n', 'é', 'É', '😀', '\ud83d', 'x'), {
    maxLength: 24,
  })
  .map((cs) => cs.join(''))

describe('BoundedRegex against RE2JS', () => {
  it('answers test() the same on random patterns and inputs', () => {
    fc.assert(
      fc.property(regex, fc.array(input, { minLength: 1, maxLength: 6 }), (pattern, texts) => {
        let reference: RE2JS
        try {
          reference = RE2JS.compile(pattern)
        } catch {
          return // RE2 refuses it (a duplicate group name, a repeat over 1,000): nothing to compare
        }
        const bounded = new BoundedRegex(pattern, reference)
        for (const text of texts) {
          expect(bounded.test(text, meter), `${pattern} on ${JSON.stringify(text)}`).toBe(
            reference.test(text),
          )
        }
      }),
      { numRuns: 2000 },
    )
  })
})

describe('estimateProgramSize', () => {
  it('is never below the real program size', () => {
    fc.assert(
      fc.property(regex, (pattern) => {
        let size: number
        try {
          size = RE2JS.compile(pattern).re2Input.prog.numInst()
        } catch {
          return // RE2 refuses it (e.g. nested repetition over 1,000): nothing to compare
        }
        expect(estimateProgramSize(pattern), pattern).toBeGreaterThanOrEqual(size)
      }),
      { numRuns: 3000 },
    )
  })
})
