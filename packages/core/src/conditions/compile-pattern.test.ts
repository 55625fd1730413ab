// compilePattern's size caps: realistic patterns pass, patterns that expand past the cap are
// refused with a message naming them, and the largest are refused before RE2JS compiles them.
import { RE2JS } from '@bufbuild/re2'
import { describe, expect, it } from 'vitest'
import { compilePattern, estimateProgramSize, PatternTooLargeError } from './compile-pattern.js'
import { MAX_REGEX_PROGRAM_SIZE } from './limits.js'

const realistic = [
  '^projects/[^/]+/locations/us-central1/services/[a-z-]+$',
  'projects/.*/locations/.*/services/frontend-.*',
  '(?i)^/ADMIN',
  '^/api/v[0-9]+/',
  '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$',
  '^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\\.)+[a-z]{2,}$',
  '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
  '^[^@]{1,64}@[^@]{1,255}$',
  '^/(users|groups|projects|folders|organizations)/[A-Za-z0-9_-]{1,128}(/.*)?$',
  '(?i)^/(static|assets|images|fonts|favicon\\.ico|robots\\.txt)',
  '^projects/(p1|p2|p3|p4|p5|p6|p7|p8|p9|p10)/locations/(us|europe|asia)-[a-z]+[0-9]/services/[a-z][-a-z0-9]{0,48}$',
]

describe('compilePattern', () => {
  it.each(realistic)('accepts %s', (pattern) => {
    const regex = compilePattern(pattern)
    expect(regex.programSize).toBeLessThanOrEqual(MAX_REGEX_PROGRAM_SIZE)
  })

  it('refuses a pattern whose counted repetitions expand past the cap, after expansion', () => {
    // 11 characters, 1,002 instructions: RE2 itself accepts it (one repetition of 1,000).
    expect(RE2JS.compile('[a-z]{1000}').re2Input.prog.numInst()).toBe(1002)
    expect(() => compilePattern('[a-z]{1000}')).toThrow(
      new PatternTooLargeError(
        'the regular expression "[a-z]{1000}" compiles to 1,002 instructions (counted repetitions multiply); the maximum is 1,000',
      ),
    )
  })

  it('refuses nested counted repetitions that multiply past the cap', () => {
    // RE2's own rule (nested repetition at most 1,000) lets this through: 10 × 10 × 10.
    expect(() => compilePattern('((a{10}){10}){10}')).toThrow(
      'compiles to 1,222 instructions (counted repetitions multiply)',
    )
    expect(() => compilePattern('(a{30}){30}')).not.toThrow() // 962 instructions
  })

  it('refuses before compiling when the estimate is far past the cap', () => {
    // 210 characters that RE2JS compiles to 200,002 instructions (in ~150 ms).
    const pattern = `(?:${'abcdefghij'.repeat(20)}){1000}`
    expect(estimateProgramSize(pattern)).toBeGreaterThan(200_000)
    expect(() => compilePattern(pattern)).toThrow(
      /^the regular expression "\(\?:abcdefghij.*…" expands to more than 4,000 instructions \(counted repetitions multiply\); the maximum is 1,000$/,
    )
  })

  it('does not refuse a repeated alternation of single runes, which RE2 merges into one class', () => {
    expect(compilePattern('(?:a|b|c|d|e|f|g|h|[0-9]|\\.){500}').programSize).toBeLessThan(1000)
  })

  it('leaves syntax errors to RE2', () => {
    expect(() => compilePattern('f(?=o)')).toThrow(/invalid or unsupported Perl syntax/)
  })
})

describe('estimateProgramSize', () => {
  it.each([
    ...realistic,
    'a|b|c',
    '^|$',
    'a|\\b',
    '(?:a|bc){3}',
    '(?i)k',
    '\\Qa.b*c\\E+',
    '[]a]',
    '[^]a]{3}',
    'x{,5}',
    '()',
  ])('over-estimates %s', (pattern) => {
    expect(estimateProgramSize(pattern)).toBeGreaterThanOrEqual(
      RE2JS.compile(pattern).re2Input.prog.numInst(),
    )
  })

  it('stays within a small factor for realistic patterns (they are not refused early)', () => {
    for (const pattern of realistic) {
      const real = RE2JS.compile(pattern).re2Input.prog.numInst()
      expect(estimateProgramSize(pattern), pattern).toBeLessThanOrEqual(4 * real + 10)
    }
  })
})
