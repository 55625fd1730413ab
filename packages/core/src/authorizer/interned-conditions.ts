// Compiled conditions, one per distinct (title, expression) across all compiled policies: a
// million policies repeat the same few conditions, and each compiled condition holds a plan and
// two closures. Bounded like every intern table (intern-table.ts).
import { compileCondition } from '../conditions/index.js'
import type { CompiledCondition, ConditionResult } from '../conditions/types.js'
import type { CompiledBindingCondition } from './compiled-policy.js'
import { InternTable } from './intern-table.js'

/** Compiled conditions kept (over all expressions) before the table starts over. */
const CONDITION_LIMIT = 1 << 18
/** Distinct titles kept for one expression before its list starts over. */
const TITLES_PER_EXPRESSION = 64

type Expr = { readonly expression: string; readonly title?: string }

/**
 * By expression: the compiled conditions made for it, one per title (undefined: no title). Looked
 * up by the expression string itself, as the policy holds it: no key is built per binding (a
 * concatenated key is a new string to allocate, flatten and hash for every conditional binding
 * compiled, ~1 per service policy). Bounded twice: at most `limit` compiled conditions in all
 * (then it starts over, forgetting only the sharing), and at most TITLES_PER_EXPRESSION titles
 * per expression (then that list starts over), so a lookup scans a few titles at most.
 */
export class ConditionTable<V extends { readonly title?: string }> {
  #byExpression: InternTable<V[]>
  /** Conditions added since the table started over (at least as many as it holds). */
  #added = 0
  readonly #limit: number
  readonly #make: (expr: Expr) => V

  constructor(limit: number, make: (expr: Expr) => V) {
    this.#limit = limit
    this.#make = make
    this.#byExpression = new InternTable<V[]>(limit)
  }

  get(expr: Expr): V {
    let made = this.#byExpression.get(expr.expression, newList<V>)
    const title = expr.title
    // `title` undefined matches only a condition without one ('' is a title of its own).
    for (let i = 0; i < made.length; i++) {
      const c = made[i] as V
      if (c.title === title) return c
    }
    const compiled = this.#make(expr)
    if (this.#added >= this.#limit) {
      this.#byExpression = new InternTable<V[]>(this.#limit)
      this.#added = 0
      made = this.#byExpression.get(expr.expression, newList<V>)
    }
    if (made.length >= TITLES_PER_EXPRESSION) made.length = 0
    made.push(compiled)
    this.#added++
    return compiled
  }

  /** Conditions added since the table last started over: never more than its limit. */
  get size(): number {
    return this.#added
  }
}

const newList = <V>(): V[] => []

const conditions = new ConditionTable(CONDITION_LIMIT, compileBindingCondition)

/** The compiled condition for a title and expression, shared by every binding that has both. */
export function internCondition(expr: Expr): CompiledBindingCondition {
  return conditions.get(expr)
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
