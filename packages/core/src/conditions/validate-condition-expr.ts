// validateConditionExpr: the checks a binding's `condition` (google.type.Expr) gets on every
// policy write: title and expression present, and the expression compiles.
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { compileCondition } from './compile-condition.js'

/** The parts of google.type.Expr this check reads. */
export interface ConditionExprInput {
  readonly expression?: string | undefined
  readonly title?: string | undefined
}

/**
 * Compat: IAM requires `title` and `expression` on every condition (conditions overview;
 * gcloud: "`expression` and `title` are required keys"). Throws IamError(INVALID_ARGUMENT).
 */
export function validateConditionExpr(expr: ConditionExprInput): void {
  if (typeof expr.title !== 'string' || expr.title.trim() === '') {
    throw new IamError(Code.INVALID_ARGUMENT, 'INVALID_CONDITION', 'Condition title is required.')
  }
  if (typeof expr.expression !== 'string' || expr.expression.trim() === '') {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_CONDITION',
      `Condition expression is required (condition "${expr.title}").`,
    )
  }
  compileCondition(expr.expression)
}
