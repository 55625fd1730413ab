// Compiled conditions, one per distinct (title, expression) across all compiled policies: a
// million policies repeat the same few conditions, and each compiled condition holds a plan and
// two closures. Bounded like every intern table (intern-table.ts).
import { compileCondition } from '../conditions/index.js'
import type { CompiledCondition, ConditionResult } from '../conditions/types.js'
import type { CompiledBindingCondition } from './compiled-policy.js'
import { InternTable } from './intern-table.js'

/** Distinct conditions kept before the table starts over. */
const CONDITION_LIMIT = 1 << 18

const conditions = new InternTable<CompiledBindingCondition>(CONDITION_LIMIT)

/** The compiled condition for a title and expression, shared by every binding that has both. */
export function internCondition(expr: {
  readonly expression: string
  readonly title?: string
}): CompiledBindingCondition {
  // Length-prefixed title: no title/expression pair can be mistaken for another.
  const key =
    expr.title === undefined
      ? `-${expr.expression}`
      : `${expr.title.length}:${expr.title}${expr.expression}`
  return conditions.get(key, () => compileBindingCondition(expr))
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
