// compileCondition: IAM condition text → a checked, planned, cached CompiledCondition.
// Write time: size limits (before parsing, so hostile input cannot overflow the parser's stack),
// CEL parse, the IAM checker (which also compiles the matches() patterns), then @bufbuild/cel's
// plan(). Request time: evaluate() binds the request attributes, runs the plan under the work
// budget and never throws; any error, an exhausted budget included, means "this binding grants
// nothing".
import { isCelError, parse, plan } from '@bufbuild/cel'
import type { CelResult } from '@bufbuild/cel'
import { reflect } from '@bufbuild/protobuf/reflect'
import type { ReflectMessage } from '@bufbuild/protobuf/reflect'
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt'
import { Code } from '../errors/code.js'
import { IamError } from '../errors/iam-error.js'
import { CheckError, checkExpression, countNodes } from './checker.js'
import type { ParsedExpr } from './checker.js'
import type { BoundedRegex } from './bounded-regex.js'
import { evaluation } from './evaluation-context.js'
import {
  EVALUATION_BUDGET,
  MAX_ATTRIBUTE_LENGTH,
  MAX_EXPRESSION_LENGTH,
  MAX_EXPRESSION_NODES,
  MAX_LOGICAL_OPERATORS,
  scanExpression,
} from './limits.js'
import { conditionEnv, durationOf, timestampOf } from './runtime-env.js'
import type {
  CompiledCondition,
  ConditionResult,
  MeteredResult,
  RequestAttributes,
} from './types.js'

/** Distinct expressions kept compiled; each costs a few KB. */
export const COMPILED_CACHE_SIZE = 10_000
/**
 * Work units charged per AST node when an evaluation starts: a node costs ~0.1–0.3 µs to
 * evaluate (a 256-node condition 10–50 µs), about 32 units' worth of matches() work.
 */
const NODE_COST = 32
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
 * A string attribute as the condition may read it. Compat: runiam's limit, not Google's: longer
 * values (a 10 KiB request.path, say) make the evaluation fail, so the binding grants nothing.
 */
function bounded(name: string, value: string | undefined): string | undefined {
  if (value !== undefined && value.length > MAX_ATTRIBUTE_LENGTH) {
    evaluation.meter.refuse(
      `attribute '${name}' is ${value.length.toLocaleString('en-US')} characters long; conditions read at most ${MAX_ATTRIBUTE_LENGTH.toLocaleString('en-US')}`,
    )
  }
  return value
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
    return bounded('request.host', this.attrs.host)
  }
  get 'request.path'(): string | undefined {
    return bounded('request.path', this.attrs.path)
  }
  get 'resource.name'(): string | undefined {
    return bounded('resource.name', this.attrs.resourceName)
  }
  get 'resource.type'(): string | undefined {
    return bounded('resource.type', this.attrs.resourceType)
  }
  get 'resource.service'(): string | undefined {
    return bounded('resource.service', this.attrs.resourceService)
  }
}

type Program = (bindings: Record<string, unknown>) => CelResult

class Compiled implements CompiledCondition {
  readonly expression: string
  private readonly program: Program
  private readonly bindings: Bindings
  private readonly attributesById: ReadonlyMap<bigint, string>
  private readonly patterns: ReadonlyMap<string, BoundedRegex>
  /** Work charged before the plan runs: its nodes' evaluation, which nothing else meters. */
  private readonly baseCost: number

  constructor(
    expression: string,
    program: Program,
    bindings: Bindings,
    attributesById: ReadonlyMap<bigint, string>,
    patterns: ReadonlyMap<string, BoundedRegex>,
    baseCost: number,
  ) {
    this.expression = expression
    this.program = program
    this.bindings = bindings
    this.attributesById = attributesById
    this.patterns = patterns
    this.baseCost = baseCost
  }

  evaluate(attributes: RequestAttributes): ConditionResult {
    return this.run(attributes)
  }

  evaluateMetered(attributes: RequestAttributes, budget?: number): MeteredResult {
    const result = this.run(attributes, budget)
    return { result, cost: evaluation.meter.spent }
  }

  private run(attributes: RequestAttributes, budget?: number): ConditionResult {
    const bindings = this.bindings
    const meter = evaluation.meter
    bindings.attrs = attributes
    evaluation.patterns = this.patterns
    meter.reset(budget)
    let result: CelResult | undefined
    let thrown: unknown
    try {
      meter.charge(this.baseCost)
      result = this.program(bindings as unknown as Record<string, unknown>)
    } catch (e) {
      thrown = e
    } finally {
      bindings.attrs = NO_ATTRIBUTES
      evaluation.patterns = evaluation.NO_PATTERNS
    }
    // CEL's && and || absorb errors (`error || true` is true), so a refused charge in one branch
    // might not surface in the result: an exhausted budget fails the evaluation whatever it says.
    if (meter.exceeded) {
      return {
        ok: false,
        error: `evaluation stopped: the condition needs more than its budget of ${budgetText(budget)} units of work for this request`,
      }
    }
    if (meter.refusal !== undefined) return { ok: false, error: meter.refusal }
    if (thrown !== undefined) {
      const message = thrown instanceof Error ? thrown.message : String(thrown)
      return { ok: false, error: `evaluation failed: ${message}` }
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

function budgetText(budget: number | undefined): string {
  return (budget ?? EVALUATION_BUDGET).toLocaleString('en-US')
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
  if (scan.operands > MAX_EXPRESSION_NODES) {
    // Each literal and identifier is at least one AST node: refuse before paying for the parse.
    throw invalid(
      expression,
      `the expression has more than ${MAX_EXPRESSION_NODES} parts (it has ${scan.operands} literals and names); the maximum is ${MAX_EXPRESSION_NODES}`,
    )
  }
  let parsed: ParsedExpr
  try {
    parsed = parse(expression)
  } catch (e) {
    throw syntaxError(expression, e)
  }
  const nodes = countNodes(parsed.expr)
  if (nodes > MAX_EXPRESSION_NODES) {
    throw invalid(
      expression,
      `the expression has ${nodes} parts (literals, attributes, operators and calls); the maximum is ${MAX_EXPRESSION_NODES}`,
    )
  }
  try {
    const { attributesById, constants, patterns } = checkExpression(parsed)
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
    return new Compiled(expression, program, bindings, attributesById, patterns, nodes * NODE_COST)
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
