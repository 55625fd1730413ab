// The evaluation states of a condition's top-level operands, for conditionExplanation: a
// condition `A && B` (or `A || B || C`) is split where the operator stands outside parentheses,
// brackets and string literals, and each operand is evaluated on its own with the same compiled
// CEL and attributes. One level only (Google reports each evaluated sub-expression; runiam reports
// the top-level ones), and only when the split is unambiguous: no top-level `?:`.
import { compileCondition } from '../conditions/compile-condition.js'
import type { RequestAttributes } from '../conditions/types.js'
import type { EvaluationState } from './types.js'

/** google.rpc.Code INVALID_ARGUMENT, for an operand that cannot be evaluated. */
const INVALID_ARGUMENT = 3

export interface Operand {
  readonly start: number
  /** Inclusive, as Google's EvaluationState.end. */
  readonly end: number
  readonly text: string
}

/** Where `expression` splits at its top level; undefined when it does not (one operand). */
export function topLevelOperands(expression: string): Operand[] | undefined {
  const cuts: Record<'||' | '&&', number[]> = { '||': [], '&&': [] }
  let depth = 0
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i] as string
    if (c === '"' || c === "'") {
      const triple = expression.startsWith(c.repeat(3), i)
      const close = triple ? c.repeat(3) : c
      i += close.length
      while (i < expression.length && !expression.startsWith(close, i)) {
        if (expression[i] === '\\') i++
        i++
      }
      i += close.length - 1
      continue
    }
    if (c === '(' || c === '[' || c === '{') depth++
    else if (c === ')' || c === ']' || c === '}') depth--
    else if (depth === 0 && c === '?') return undefined
    else if (depth === 0 && (c === '|' || c === '&') && expression[i + 1] === c) {
      cuts[c === '|' ? '||' : '&&'].push(i)
      i++
    }
  }
  // `||` binds loosest: split on it when present, else on `&&`.
  const at = cuts['||'].length > 0 ? cuts['||'] : cuts['&&']
  if (at.length === 0) return undefined
  const operands: Operand[] = []
  let from = 0
  for (const cut of [...at, expression.length]) {
    const raw = expression.slice(from, cut)
    const lead = raw.length - raw.trimStart().length
    const text = raw.trim()
    if (text === '') return undefined
    operands.push({ start: from + lead, end: from + lead + text.length - 1, text })
    from = cut + 2
  }
  return operands
}

/** Each operand's state: its value, or why it has none (`unknown` names attributes not given). */
export function operandStates(
  operands: readonly Operand[],
  attributes: RequestAttributes,
  unknownIn: (text: string) => readonly string[],
): EvaluationState[] {
  return operands.map((o) => {
    let result: { ok: true; value: boolean } | { ok: false; error: string }
    try {
      result = compileCondition(o.text).evaluate(attributes)
    } catch (err) {
      result = { ok: false, error: (err as Error).message }
    }
    if (result.ok) return { start: o.start, end: o.end, value: result.value }
    const unknown = unknownIn(o.text)
    const message =
      unknown.length > 0
        ? `It reads ${unknown.join(', ')}, which the request did not supply.`
        : result.error
    return { start: o.start, end: o.end, errors: [{ code: INVALID_ARGUMENT, message }] }
  })
}
