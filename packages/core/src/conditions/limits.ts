// Size limits of a condition expression and the lexical pre-scan that enforces them BEFORE the
// CEL parser runs: the parser is recursive and overflows the stack on ~500 nested parentheses, so
// depth must be known without parsing. The same scan counts logical operators.

/** Longest accepted expression, in UTF-16 code units. Compat: Google publishes no limit. */
export const MAX_EXPRESSION_LENGTH = 4096
/** Deepest accepted nesting of (), [] and {}. The parser overflows near 500; real conditions use < 5. */
export const MAX_NESTING_DEPTH = 32
/** Compat: Google's limit "logic operators in a role binding's condition expression: 12". */
export const MAX_LOGICAL_OPERATORS = 12

/** A problem found by the scan, with the 0-based offset it points at. */
export interface ScanProblem {
  readonly message: string
  readonly offset: number
}

export interface ScanResult {
  /** Number of `&&` and `||` outside string literals and comments. */
  readonly logicalOperators: number
  /** Number of unary `!` (not `!=`) outside string literals and comments. */
  readonly notOperators: number
  /** The deepest bracket nesting seen. */
  readonly maxDepth: number
  /** The first lexical problem: unbalanced brackets, an unterminated string, too deep nesting. */
  readonly problem: ScanProblem | undefined
}

const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' }

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c)
}

/**
 * Scans an expression as CEL's lexer would (string literals with escapes, raw and triple-quoted
 * strings, `//` comments) without building anything, so it is safe on any input.
 */
export function scanExpression(expression: string): ScanResult {
  let logicalOperators = 0
  let notOperators = 0
  let maxDepth = 0
  let problem: ScanProblem | undefined
  const stack: { readonly char: string; readonly offset: number }[] = []
  const n = expression.length
  let i = 0
  const fail = (message: string, offset: number): void => {
    problem ??= { message, offset }
  }
  while (i < n && problem === undefined) {
    const c = expression[i] as string
    if (c === '/' && expression[i + 1] === '/') {
      const end = expression.indexOf('\n', i)
      i = end < 0 ? n : end + 1
      continue
    }
    if (c === '"' || c === "'") {
      // A string prefix is one or two of r/R/b/B directly before the quote, not part of an ident.
      let p = i - 1
      let raw = false
      while (p >= 0 && p >= i - 2 && /[rRbB]/.test(expression[p] as string)) {
        if (/[rR]/.test(expression[p] as string)) raw = true
        p--
      }
      if (p >= 0 && isIdentChar(expression[p])) raw = false
      const triple = expression.startsWith(c.repeat(3), i)
      const quote = triple ? c.repeat(3) : c
      let j = i + quote.length
      let closed = false
      while (j < n) {
        const d = expression[j] as string
        if (!raw && d === '\\') {
          j += 2
          continue
        }
        if (!triple && (d === '\n' || d === '\r')) break
        if (expression.startsWith(quote, j)) {
          closed = true
          j += quote.length
          break
        }
        j++
      }
      if (!closed) {
        fail('unterminated string literal', i)
        break
      }
      i = j
      continue
    }
    if (c === '(' || c === '[' || c === '{') {
      stack.push({ char: c, offset: i })
      if (stack.length > maxDepth) maxDepth = stack.length
      if (stack.length > MAX_NESTING_DEPTH) {
        fail(`expression nests deeper than ${MAX_NESTING_DEPTH} levels`, i)
      }
    } else if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop()
      if (open === undefined || open.char !== CLOSERS[c]) {
        fail(`unmatched '${c}'`, i)
      }
    } else if ((c === '&' || c === '|') && expression[i + 1] === c) {
      logicalOperators++
      i += 2
      continue
    } else if (c === '!' && expression[i + 1] !== '=') {
      notOperators++
    }
    i++
  }
  const unclosed = stack.at(-1)
  if (problem === undefined && unclosed !== undefined) {
    fail(`unclosed '${unclosed.char}'`, unclosed.offset)
  }
  return { logicalOperators, notOperators, maxDepth, problem }
}

/**
 * The number of logical operators as IAM counts them: `&&` and `||`.
 *
 * Decision: unary `!` is not counted. Google's limit speaks of operators that combine statements
 * ("statements are combined using logical operators"), and Google's own modules OR 13 clauses
 * (12 `||`) per binding as the maximum; no source shows `!` counting.
 */
export function countLogicalOperators(expression: string): number {
  return scanExpression(expression).logicalOperators
}
