// compileCondition: IAM condition text → a checked, planned, cached CompiledCondition.
// Write time: size limits (before parsing, so hostile input cannot overflow the parser's stack),
// CEL parse, the IAM checker, then @bufbuild/cel's plan(). Request time: evaluate() binds the
// request attributes and never throws; any error means "this binding grants nothing".
import { isCelError, parse, plan } from '@bufbuild/cel'
import type { CelResult } from '@bufbuild/cel'
import { reflect } from '@bufbuild/protobuf/reflect'
import type { ReflectMessage } from '@bufbuild/protobuf/reflect'
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt'
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { CheckError, checkExpression } from './checker.js'
import type { ParsedExpr } from './checker.js'
import { MAX_EXPRESSION_LENGTH, MAX_LOGICAL_OPERATORS, scanExpression } from './limits.js'
import { conditionEnv, durationOf, timestampOf } from './runtime-env.js'
import type { CompiledCondition, ConditionResult, RequestAttributes } from './types.js'

/** Distinct expressions kept compiled; each costs a few KB. */
export const COMPILED_CACHE_SIZE = 10_000
/** Longest expression quoted in an error message. */
const QUOTE_LIMIT = 200

const OK_TRUE: ConditionResult = Object.freeze({ ok: true, value: true })
const OK_FALSE: ConditionResult = Object.freeze({ ok: true, value: false })
const NO_ATTRIBUTES: RequestAttributes = Object.freeze({ timeMs: 0 })

function quote(expression: string): string {
  const shown =
    expression.length > QUOTE_LIMIT ? `${expression.slice(0, QUOTE_LIMIT)}…` : expression
  return JSON.stringify(shown)
}

/** " at column C" (1-based), or " at line L, column C" for multi-line expressions. */
function position(expression: string, offset: number | undefined): string {
  if (offset === undefined || offset < 0) return ''
  const before = expression.slice(0, offset)
  const line = before.split('\n').length
  const column = offset - before.lastIndexOf('\n')
  return expression.includes('\n') ? ` at line ${line}, column ${column}` : ` at column ${column}`
}

function invalid(expression: string, problem: string, offset?: number): IamError {
  const metadata: Record<string, string> = {}
  if (offset !== undefined) metadata['offset'] = String(offset)
  return new IamError(
    Code.INVALID_ARGUMENT,
    'INVALID_CONDITION',
    `Condition expression ${quote(expression)} is invalid: ${problem}${position(expression, offset)}.`,
    { metadata },
  )
}

// --- the request-time activation -------------------------------------------------------------

// request.time as a reflected Timestamp, cached for the last instant seen: one authorization
// check evaluates many conditions at the same request.time.
let lastTimeMs = Number.NaN
let lastTime: ReflectMessage | undefined

function requestTime(timeMs: number): ReflectMessage | undefined {
  if (timeMs !== lastTimeMs || lastTime === undefined) {
    if (!Number.isFinite(timeMs)) return undefined
    const ms = Math.floor(timeMs)
    const seconds = Math.floor(ms / 1000)
    const ts = timestampOf({ seconds: BigInt(seconds), nanos: (ms - seconds * 1000) * 1_000_000 })
    lastTime = reflect(TimestampSchema, ts)
    lastTimeMs = timeMs
  }
  return lastTime
}

/**
 * The bindings object handed to the plan. @bufbuild/cel resolves `request.path` by looking up the
 * name "request.path" first, so attributes are flat getters over the current attributes; absent
 * ones read as undefined and make the plan report an unresolved attribute. One instance per
 * compiled condition, re-pointed at each evaluation (evaluation is synchronous).
 */
class Bindings {
  attrs: RequestAttributes = NO_ATTRIBUTES
  get 'request.time'(): ReflectMessage | undefined {
    return requestTime(this.attrs.timeMs)
  }
  get 'request.host'(): string | undefined {
    return this.attrs.host
  }
  get 'request.path'(): string | undefined {
    return this.attrs.path
  }
  get 'resource.name'(): string | undefined {
    return this.attrs.resourceName
  }
  get 'resource.type'(): string | undefined {
    return this.attrs.resourceType
  }
  get 'resource.service'(): string | undefined {
    return this.attrs.resourceService
  }
}

type Program = (bindings: Record<string, unknown>) => CelResult

class Compiled implements CompiledCondition {
  readonly expression: string
  private readonly program: Program
  private readonly bindings: Bindings
  private readonly attributesById: ReadonlyMap<bigint, string>

  constructor(
    expression: string,
    program: Program,
    bindings: Bindings,
    attributesById: ReadonlyMap<bigint, string>,
  ) {
    this.expression = expression
    this.program = program
    this.bindings = bindings
    this.attributesById = attributesById
  }

  evaluate(attributes: RequestAttributes): ConditionResult {
    const bindings = this.bindings
    bindings.attrs = attributes
    let result: CelResult
    try {
      result = this.program(bindings as unknown as Record<string, unknown>)
    } catch (e) {
      return {
        ok: false,
        error: `evaluation failed: ${e instanceof Error ? e.message : String(e)}`,
      }
    } finally {
      bindings.attrs = NO_ATTRIBUTES
    }
    if (result === true) return OK_TRUE
    if (result === false) return OK_FALSE
    if (isCelError(result)) return { ok: false, error: this.describeError(result) }
    return { ok: false, error: `the condition evaluated to a ${typeof result}, not a bool` }
  }

  private describeError(error: { message: string; exprId?: bigint | undefined }): string {
    const attribute = error.exprId === undefined ? undefined : this.attributesById.get(error.exprId)
    if (attribute !== undefined && /unresolved attribute|no such/i.test(error.message)) {
      return `attribute '${attribute}' is not available in this request`
    }
    return error.message
  }
}

function build(expression: string): Compiled {
  if (expression.trim() === '') {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_CONDITION',
      'Condition expression must not be empty.',
    )
  }
  if (expression.length > MAX_EXPRESSION_LENGTH) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_CONDITION',
      `The condition expression is ${expression.length.toLocaleString('en-US')} characters long; the maximum is ${MAX_EXPRESSION_LENGTH.toLocaleString('en-US')}.`,
    )
  }
  const scan = scanExpression(expression)
  if (scan.problem !== undefined) {
    throw invalid(expression, scan.problem.message, scan.problem.offset)
  }
  if (scan.logicalOperators > MAX_LOGICAL_OPERATORS) {
    // Compat: IAM's limit of 12 logical operators per condition.
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_CONDITION',
      `The condition expression has ${scan.logicalOperators} logical operators; the maximum is ${MAX_LOGICAL_OPERATORS}.`,
    )
  }
  let parsed: ParsedExpr
  try {
    parsed = parse(expression)
  } catch (e) {
    throw syntaxError(expression, e)
  }
  try {
    const { attributesById, constants } = checkExpression(parsed)
    const bindings = new Bindings()
    for (const c of constants) {
      // Folded literals are bound as pre-reflected messages, so each read is a property lookup.
      const value =
        c.kind === 'timestamp'
          ? reflect(TimestampSchema, timestampOf(c.value))
          : reflect(DurationSchema, durationOf(c.value))
      Object.defineProperty(bindings, c.name, { value, enumerable: true })
    }
    const program = plan(conditionEnv, parsed) as Program
    return new Compiled(expression, program, bindings, attributesById)
  } catch (e) {
    if (e instanceof CheckError) {
      throw invalid(expression, e.message, parsed.sourceInfo?.positions[e.exprId.toString()])
    }
    if (e instanceof RangeError) throw invalid(expression, 'expression is too complex')
    throw invalid(expression, e instanceof Error ? e.message : String(e))
  }
}

interface PeggyLocation {
  readonly start: { readonly offset: number }
}

function syntaxError(expression: string, e: unknown): IamError {
  if (e instanceof RangeError) return invalid(expression, 'expression is too complex')
  const err = e as { rawMessage?: unknown; location?: PeggyLocation; message?: unknown }
  const message =
    typeof err.rawMessage === 'string'
      ? err.rawMessage
      : typeof err.message === 'string'
        ? err.message
        : String(e)
  // peggy reports what it could not continue with as "found X but expecting end of input".
  const unexpected = /^found (.+) but expecting end of input$/.exec(message)
  const problem = unexpected === null ? message : `unexpected '${unexpected[1] ?? ''}'`
  return invalid(expression, `syntax error: ${problem}`, err.location?.start.offset)
}

// --- the compiled-plan cache -----------------------------------------------------------------

// A Map iterates in insertion order, so deleting and re-inserting on a hit makes it an LRU.
const cache = new Map<string, Compiled>()

/**
 * Parses and checks an IAM condition expression; throws IamError(INVALID_ARGUMENT,
 * 'INVALID_CONDITION') naming the expression and the problem. Compiled plans are cached by text.
 */
export function compileCondition(expression: string): CompiledCondition {
  const hit = cache.get(expression)
  if (hit !== undefined) {
    cache.delete(expression)
    cache.set(expression, hit)
    return hit
  }
  const compiled = build(expression)
  if (cache.size >= COMPILED_CACHE_SIZE) {
    const oldest = cache.keys().next()
    if (oldest.done !== true) cache.delete(oldest.value)
  }
  cache.set(expression, compiled)
  return compiled
}
