// Size limits of a condition expression and the lexical pre-scan that enforces them BEFORE the
// CEL parser runs: the parser is recursive and overflows the stack on ~500 nested parentheses, so
// depth must be known without parsing. The same scan counts logical operators and operands
// (names and literals, each at least one AST node), so an expression with too many parts is
// refused before the parser spends milliseconds on it.

/**
 * Longest accepted expression, in UTF-16 code units.
 *
 * Compat: UNCONFIRMED. Google's IAM limits page gives no length for an allow-policy condition
 * (only "logic operators in a binding's condition expression: 12"). 2,048 is the one length
 * Google documents for an IAM condition's google.type.Expr (a Credential Access Boundary's
 * availabilityCondition, sts/rest/v1/AccessBoundary); a 13-clause condition of long
 * `resource.name.startsWith("projects/_/buckets/…")` tests, which Google accepts, needs ~1,100.
 * It also bounds write-time cost: the CEL parser takes ~2–7 ms for 2,048 characters.
 * Listed in docs/api-compat.md's deviations.
 */
export const MAX_EXPRESSION_LENGTH = 2048
/**
 * Most AST nodes (literals, attribute reads, calls, operators) in one expression. Realistic
 * conditions use < 100 (13 clauses of ~6 nodes, or an `in` list of 50 hosts); evaluation and
 * compile cost grow with it. Checked before parsing as a lower bound (literals + identifiers)
 * and exactly after.
 */
export const MAX_EXPRESSION_NODES = 256
/**
 * Most RE2 instructions one matches() pattern may compile to, counted after counted repetitions
 * are expanded (`[a-z]{1,63}` is 126). The cost of matching is at most this per input character.
 * Realistic patterns: 10–200; `^[^@]{1,64}@[^@]{1,255}$` is 641.
 */
export const MAX_REGEX_PROGRAM_SIZE = 1000
/** Most RE2 instructions all matches() patterns of one expression may compile to together. */
export const MAX_EXPRESSION_REGEX_SIZE = 2000
/**
 * Longest string a condition may read from an attribute (request.path, request.host, …), in
 * UTF-16 code units: longer values make the condition an error (the binding grants nothing).
 * The gateway forwards paths up to 8 KiB.
 */
export const MAX_ATTRIBUTE_LENGTH = 8192
/** Longest input matches() accepts; a longer one is an evaluation error. */
export const MAX_MATCH_INPUT_LENGTH = 8192
/**
 * Work units one evaluation may spend: an RE2 instruction visited or an input character stepped
 * over by matches(), two characters counted by size() (sixteen when the string has no
 * surrogates), sixteen scanned by extract() or a timestamp()/date()/duration() conversion, one
 * per call of those functions and the time accessors. A unit is ~5–10 ns once V8 has optimised
 * the code, so the budget is ~1 ms of work (~10 ms in a process's first few evaluations, before
 * optimisation). Past it the condition is an error and its binding grants nothing. A regex
 * without a literal prefix costs ~5 units per character of an 8 KiB path (~40,000); Google's
 * example conditions cost < 1,000.
 */
export const EVALUATION_BUDGET = 100_000
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
  /**
   * Names and literals (identifiers, numbers, strings): a lower bound of the AST's node count
   * for any valid IAM condition (each one is a node of its own; `has` of the has() macro, which
   * IAM refuses anyway, is the exception).
   */
  readonly operands: number
  /** The deepest bracket nesting seen. */
  readonly maxDepth: number
  /** The first lexical problem: unbalanced brackets, an unterminated string, too deep nesting. */
  readonly problem: ScanProblem | undefined
}

const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' }

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_]/.test(c)
}

function isIdentStart(c: string): boolean {
  return /[A-Za-z_]/.test(c)
}

/**
 * Scans an expression as CEL's lexer would (string literals with escapes, raw and triple-quoted
 * strings, `//` comments) without building anything, so it is safe on any input.
 */
export function scanExpression(expression: string): ScanResult {
  let logicalOperators = 0
  let notOperators = 0
  let operands = 0
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
    if (isIdentStart(c) && !isIdentChar(expression[i - 1])) {
      let j = i + 1
      while (j < n && isIdentChar(expression[j])) j++
      // r"…", b'…', rb"…": a string prefix, counted with its string below.
      const quote = expression[j]
      const prefix =
        (quote === '"' || quote === "'") && j - i <= 2 && /^[rRbB]+$/.test(expression.slice(i, j))
      if (!prefix) {
        operands++
        i = j
        continue
      }
    } else if (
      c >= '0' &&
      c <= '9' &&
      !isIdentChar(expression[i - 1]) &&
      expression[i - 1] !== '.'
    ) {
      operands++
      let j = i + 1
      while (j < n && isIdentChar(expression[j])) j++
      i = j
      continue
    }
    if (c === '"' || c === "'") {
      operands++
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
  return { logicalOperators, notOperators, operands, maxDepth, problem }
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
