// compilePattern: a matches() pattern → a BoundedRegex, refusing patterns whose program would be
// too large. RE2 caps nested counted repetition at 1,000 but not the size it expands to: the
// 210-character `(?:abcdefghij…){1000}` compiles to 200,002 instructions in ~150 ms, at write
// time, and then matches at up to that cost per input character. So the expanded size is
// estimated from the pattern text before RE2JS compiles it (an over-estimate, never under), and
// the real program size is checked after.
import { RE2JS } from '@bufbuild/re2'
import { BoundedRegex } from './bounded-regex.js'
import { MAX_REGEX_PROGRAM_SIZE } from './limits.js'

/** A pattern refused for its size; the message names the pattern and the limit. */
export class PatternTooLargeError extends Error {}

/** Estimates above this are refused without compiling (the real size is checked after). */
const ESTIMATE_SLACK = 4
/** Saturation point of the estimate, so products cannot overflow. */
const HUGE = 1e9

const REPEAT = /\{(\d+)(?:(,)(\d*))?\}/y

/**
 * An upper bound of the number of RE2 instructions `pattern` compiles to: atoms count 1 (a
 * literal rune, a class, `.`, an assertion), groups add their capture instructions,
 * alternatives and `*`/`+`/`?` one instruction each, and `x{n,m}` multiplies x by m (or n + 1
 * for `{n,}`). Alternatives that are each one rune (`a|b|[0-9]`) count 1, as RE2 merges them into
 * one class. Syntax errors are left to RE2JS; this only has to stay an over-estimate.
 */
export function estimateProgramSize(pattern: string): number {
  let i = 0
  const n = pattern.length
  const sat = (x: number): number => (x > HUGE ? HUGE : x)

  // Whether the last atom() matched exactly one rune (a literal, a class, `.`, `\d`…).
  let rune = false
  // Whether the last concatenation() was a single rune atom, unrepeated.
  let single = false

  // An alternation: concatenations separated by '|', up to ')' or the end.
  const alternation = (): number => {
    let total = concatenation()
    let allSingle = single
    while (i < n && pattern[i] === '|') {
      i++
      total = sat(total + 1 + concatenation())
      allSingle &&= single
    }
    return allSingle ? 1 : total
  }

  const concatenation = (): number => {
    let total = 0
    let atoms = 0
    let repeated = false
    while (i < n && pattern[i] !== '|' && pattern[i] !== ')') {
      let size = atom()
      atoms++
      // Repetition operators, possibly stacked (RE2 refuses most stackings; over-estimate them).
      for (;;) {
        const c = pattern[i]
        if (c === '*' || c === '+' || c === '?') {
          i++
          size = sat(size + 2)
        } else if (c === '{') {
          REPEAT.lastIndex = i
          const m = REPEAT.exec(pattern)
          if (m === null) break
          i = REPEAT.lastIndex
          const min = Number(m[1])
          const max = m[2] === undefined ? min : m[3] === '' ? min + 1 : Number(m[3])
          size = sat((size + 2) * Math.max(min, max, 1) + 2)
        } else {
          break
        }
        repeated = true
        if (pattern[i] === '?') i++ // non-greedy
      }
      total = sat(total + size)
    }
    single = atoms === 1 && rune && !repeated
    return total
  }

  const atom = (): number => {
    const c = pattern[i] as string
    rune = false
    if (c === '(') {
      i++
      let capture = 2
      if (pattern[i] === '?') {
        // (?:…), (?P<name>…), (?<name>…), (?flags) and (?flags:…)
        const close = pattern.indexOf(')', i)
        const colon = pattern.indexOf(':', i)
        if (pattern[i + 1] === 'P' || pattern[i + 1] === '<') {
          const gt = pattern.indexOf('>', i)
          i = gt < 0 ? n : gt + 1
        } else if (colon >= 0 && (close < 0 || colon < close)) {
          i = colon + 1
          capture = 0
        } else {
          i = close < 0 ? n : close + 1
          return 0 // a flags-only group matches nothing itself
        }
      }
      const inner = alternation()
      if (pattern[i] === ')') i++
      rune = false // a group is never merged into a class (the inner atoms set the flag)
      return sat(inner + capture)
    }
    if (c === '[') {
      skipClass()
      rune = true
      return 1
    }
    if (c === '\\') {
      const e = pattern[i + 1]
      if (e === 'Q') {
        const stop = pattern.indexOf('\\E', i + 2)
        const end = stop < 0 ? n : stop
        const literal = end - (i + 2)
        i = stop < 0 ? n : stop + 2
        return Math.max(literal, 1)
      }
      i += 2
      if ((e === 'p' || e === 'P' || e === 'x') && pattern[i] === '{') {
        const close = pattern.indexOf('}', i)
        i = close < 0 ? n : close + 1
      } else if (e === 'p' || e === 'P') {
        i++
      } else if (e === 'x') {
        i += 2
      }
      // Assertions and octal/back-reference-looking digits are not single runes.
      rune = e !== undefined && !/[bBAzZ0-9]/.test(e)
      return 1
    }
    // A literal (a surrogate pair is one rune, two units: counting 2 over-estimates) or . ^ $
    i++
    rune = c !== '^' && c !== '$' && !(c >= '\ud800' && c <= '\udfff')
    return 1
  }

  const skipClass = (): void => {
    i++ // [
    if (pattern[i] === '^') i++
    if (pattern[i] === ']') i++ // a leading ] is literal
    while (i < n && pattern[i] !== ']') {
      if (pattern[i] === '\\') {
        const e = pattern[i + 1]
        i += 2
        if ((e === 'p' || e === 'P' || e === 'x') && pattern[i] === '{') {
          const close = pattern.indexOf('}', i)
          i = close < 0 ? n : close + 1
        }
      } else if (pattern.startsWith('[:', i)) {
        const close = pattern.indexOf(':]', i + 2)
        i = close < 0 ? i + 1 : close + 2
      } else {
        i++
      }
    }
    i++ // ]
  }

  let total = 0
  while (i < n) {
    total = sat(total + alternation())
    if (i < n) i++ // an unbalanced ')': RE2JS will refuse it; keep counting the rest
  }
  // Compiler overhead: the FAIL at 0, the capture pair around the whole pattern, MATCH.
  return sat(total + 4)
}

function formatted(n: number): string {
  return n.toLocaleString('en-US')
}

/**
 * Compiles a matches() pattern. Throws PatternTooLargeError when it expands to more than
 * MAX_REGEX_PROGRAM_SIZE instructions, and RE2JS's errors for invalid syntax.
 */
export function compilePattern(pattern: string): BoundedRegex {
  const estimate = estimateProgramSize(pattern)
  if (estimate > MAX_REGEX_PROGRAM_SIZE * ESTIMATE_SLACK) {
    throw new PatternTooLargeError(
      `the regular expression "${shorten(pattern)}" expands to more than ${formatted(MAX_REGEX_PROGRAM_SIZE * ESTIMATE_SLACK)} instructions (counted repetitions multiply); the maximum is ${formatted(MAX_REGEX_PROGRAM_SIZE)}`,
    )
  }
  const compiled = RE2JS.compile(pattern)
  const size = compiled.re2Input.prog.numInst()
  if (size > MAX_REGEX_PROGRAM_SIZE) {
    throw new PatternTooLargeError(
      `the regular expression "${shorten(pattern)}" compiles to ${formatted(size)} instructions (counted repetitions multiply); the maximum is ${formatted(MAX_REGEX_PROGRAM_SIZE)}`,
    )
  }
  return new BoundedRegex(pattern, compiled)
}

function shorten(pattern: string): string {
  return pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern
}
