// Compiled conditions, one per distinct (title, expression) across all compiled policies: a
// million policies repeat the same few conditions, and each compiled condition holds a plan and
// two closures. Bounded like every intern table (intern-table.ts).
import { compileCondition } from '../conditions/index.js'
import type { CompiledCondition, ConditionResult } from '../conditions/types.js'
import type { CompiledBindingCondition } from './compiled-policy.js'
import { InternTable } from './intern-table.js'

/** Distinct expressions kept before the table starts over. */
const CONDITION_LIMIT = 1 << 18
/** Distinct titles kept for one expression before its list starts over. */
const TITLES_PER_EXPRESSION = 64

/**
 * By expression: the compiled conditions made for it, one per title (undefined: no title). Looked
 * up by the expression string itself, as the policy holds it: no key is built per binding (a
 * concatenated key is a new string to allocate, flatten and hash for every conditional binding
 * compiled, ~1 per service policy).
 */
const conditions = new InternTable<CompiledBindingCondition[]>(CONDITION_LIMIT)
const newList = (): CompiledBindingCondition[] => []

/** The compiled condition for a title and expression, shared by every binding that has both. */
export function internCondition(expr: {
  readonly expression: string
  readonly title?: string
}): CompiledBindingCondition {
  const made = conditions.get(expr.expression, newList)
  const title = expr.title
  // `title` undefined matches only a condition without one ('' is a title of its own).
  for (let i = 0; i < made.length; i++) {
    const c = made[i] as CompiledBindingCondition
    if (c.title === title) return c
  }
  const compiled = compileBindingCondition(expr)
  if (made.length >= TITLES_PER_EXPRESSION) made.length = 0
  made.push(compiled)
  return compiled
}

function compileBindingCondition(expr: {
  readonly expression: string
  readonly title?: string
}): CompiledBindingCondition {
  let evaluateMetered: CompiledCondition['evaluateMetered']
  try {
    const compiled = compileCondition(expr.expression)
    // The contract says evaluate never throws; a check must not crash if one ever does.
    evaluateMetered = (attributes, budget) => {
      try {
        return compiled.evaluateMetered(attributes, budget)
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error)
        return { result: { ok: false, error: message }, cost: 0 }
      }
    }
  } catch (error) {
    const failed = Object.freeze({
      result: Object.freeze({
        ok: false,
        error: `condition does not compile: ${error instanceof Error ? error.message : String(error)}`,
      }) as ConditionResult,
      cost: 0,
    })
    evaluateMetered = () => failed
  }
  const evaluate: CompiledCondition['evaluate'] = (attributes) => evaluateMetered(attributes).result
  return Object.freeze(
    expr.title === undefined
      ? { expression: expr.expression, evaluate, evaluateMetered }
      : { title: expr.title, expression: expr.expression, evaluate, evaluateMetered },
  )
}
