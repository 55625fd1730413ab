// The state of the evaluation in progress, read by the functions of runtime-env.ts: the work
// meter and the compiled patterns of the condition being evaluated. @bufbuild/cel calls those
// functions with their arguments only, and evaluation is synchronous, so one module-level
// context, set by CompiledCondition.evaluate around each run, is enough.
import { BudgetExceededError } from './bounded-regex.js'
import type { BoundedRegex, Meter } from './bounded-regex.js'
import { EVALUATION_BUDGET } from './limits.js'

/** Counts the work of one evaluation and refuses more than its budget. */
export class EvaluationMeter implements Meter {
  /** Units charged since the last reset (may pass the budget by the last charge). */
  spent = 0
  /** Whether a charge was refused since the last reset. */
  exceeded = false
  /** Why the evaluation must fail whatever its result (an input over a length cap), if so. */
  refusal: string | undefined = undefined
  private limit = EVALUATION_BUDGET

  reset(limit: number = EVALUATION_BUDGET): void {
    this.spent = 0
    this.exceeded = false
    this.refusal = undefined
    this.limit = limit
  }

  /**
   * Fails the evaluation: throws, and marks it so that CEL's && and || cannot absorb the error
   * (`error || true` is true in CEL). For inputs a condition must not read at all.
   */
  refuse(message: string): never {
    this.refusal ??= message
    throw new Error(message)
  }

  charge(units: number): void {
    this.spent += units
    if (this.spent > this.limit) {
      this.exceeded = true
      throw new BudgetExceededError(
        `the condition needs more than ${this.limit.toLocaleString('en-US')} units of work`,
      )
    }
  }
}

const NO_PATTERNS: ReadonlyMap<string, BoundedRegex> = new Map()

export const evaluation = {
  meter: new EvaluationMeter(),
  /** The compiled matches() patterns of the condition being evaluated. */
  patterns: NO_PATTERNS,
  NO_PATTERNS,
}
