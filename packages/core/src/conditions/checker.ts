// The write-time checker: walks the parsed CEL AST and rejects anything IAM conditions do not
// allow, before a policy is stored. @bufbuild/cel 0.6.1 has no public type checker, so this one
// infers a type for each node from the table in signatures.ts, validates literal arguments
// (timestamps, dates, durations, time zones, RE2 patterns, extract templates) and folds literal
// timestamp()/date()/duration() calls into constants so evaluation does not re-parse them.
// It also bounds what a condition may cost: its number of AST nodes and the size of its compiled
// regular expressions, which are compiled here, once, and handed to evaluation.
import type { parse } from '@bufbuild/cel'
import {
  ATTRIBUTES,
  displayName,
  elementOf,
  listOf,
  NAMESPACES,
  OVERLOADS,
  TIME_ACCESSORS,
} from './signatures.js'
import type { CelTypeName, Overload } from './signatures.js'
import { parseDate, parseDuration, parseExtractTemplate, parseRfc3339 } from './literals.js'
import type { EpochTime } from './literals.js'
import { canonicalTimeZone } from './time-zones.js'
import type { BoundedRegex } from './bounded-regex.js'
import { compilePattern, PatternTooLargeError } from './compile-pattern.js'
import { MAX_EXPRESSION_REGEX_SIZE } from './limits.js'

export type ParsedExpr = ReturnType<typeof parse>
type Expr = ParsedExpr['expr']
type Call = Extract<Expr['exprKind'], { case: 'callExpr' }>['value']

/** A problem found by the checker; `exprId` locates it through sourceInfo.positions. */
export class CheckError extends Error {
  readonly exprId: bigint
  constructor(message: string, exprId: bigint) {
    super(message)
    this.exprId = exprId
  }
}

/** A literal folded at write time: the identifier that replaced it and its value. */
export interface FoldedConstant {
  readonly name: string
  readonly kind: 'timestamp' | 'duration'
  readonly value: EpochTime
}

export interface CheckResult {
  /** The attribute each attribute-reading node (and its root identifier) stands for, by expr id. */
  readonly attributesById: ReadonlyMap<bigint, string>
  /** Literal timestamps/durations replaced by identifiers in the AST. */
  readonly constants: readonly FoldedConstant[]
  /** The compiled pattern of every matches() call, by pattern text. */
  readonly patterns: ReadonlyMap<string, BoundedRegex>
}

const TIME_ACCESSOR_NAMES: ReadonlySet<string> = new Set(TIME_ACCESSORS)
const MACRO_NAMES = 'all, exists, exists_one, map and filter'

function isNumeric(t: CelTypeName): boolean {
  return t === 'int' || t === 'uint' || t === 'double'
}

/** Whether a value of type `actual` may be passed where `expected` is declared. */
function assignable(expected: CelTypeName, actual: CelTypeName): boolean {
  if (expected === 'dyn' || actual === 'dyn' || expected === actual) return true
  const e = elementOf(expected)
  const a = elementOf(actual)
  return e !== undefined && a !== undefined && assignable(e, a)
}

/** Whether two types may be compared with == / != / in (CEL's heterogeneous numeric equality). */
function comparable(a: CelTypeName, b: CelTypeName): boolean {
  return assignable(a, b) || (isNumeric(a) && isNumeric(b))
}

/** The common type of list elements: the shared type, else dyn. */
function join(a: CelTypeName | undefined, b: CelTypeName): CelTypeName {
  if (a === undefined || a === b) return b
  return 'dyn'
}

function stringConstant(e: Expr | undefined): string | undefined {
  if (e?.exprKind.case !== 'constExpr') return undefined
  const k = e.exprKind.value.constantKind
  return k.case === 'stringValue' ? k.value : undefined
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/** The number of nodes of an expression tree (iterative: the tree may be deep). */
export function countNodes(root: Expr): number {
  let count = 0
  const stack: Expr[] = [root]
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    count++
    const k = e.exprKind
    switch (k.case) {
      case 'selectExpr':
        if (k.value.operand !== undefined) stack.push(k.value.operand)
        break
      case 'callExpr':
        if (k.value.target !== undefined) stack.push(k.value.target)
        stack.push(...k.value.args)
        break
      case 'listExpr':
        stack.push(...k.value.elements)
        break
      case 'structExpr':
        for (const entry of k.value.entries) {
          if (entry.value !== undefined) stack.push(entry.value)
          if (entry.keyKind.case === 'mapKey') stack.push(entry.keyKind.value)
        }
        break
      case 'comprehensionExpr': {
        const c = k.value
        for (const x of [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result]) {
          if (x !== undefined) stack.push(x)
        }
        break
      }
      default:
        break
    }
  }
  return count
}

class Checker {
  readonly attributesById = new Map<bigint, string>()
  readonly constants: FoldedConstant[] = []
  readonly patterns = new Map<string, BoundedRegex>()
  private regexSize = 0

  check(e: Expr): CelTypeName {
    switch (e.exprKind.case) {
      case 'constExpr':
        return this.constant(e)
      case 'identExpr': {
        const name = e.exprKind.value.name
        if (NAMESPACES.has(name)) {
          throw new CheckError(
            `'${name}' is not a value; use one of its attributes, e.g. ${exampleOf(name)}`,
            e.id,
          )
        }
        throw new CheckError(`undeclared reference to '${name}'`, e.id)
      }
      case 'selectExpr':
        return this.select(e, e.exprKind.value)
      case 'callExpr':
        return this.call(e, e.exprKind.value)
      case 'listExpr': {
        let elem: CelTypeName | undefined
        for (const el of e.exprKind.value.elements) elem = join(elem, this.check(el))
        return listOf(elem ?? 'dyn')
      }
      case 'structExpr':
        throw new CheckError('map and message literals are not supported in IAM conditions', e.id)
      case 'comprehensionExpr':
        throw new CheckError(
          `macros and comprehensions (${MACRO_NAMES}) are not supported in IAM conditions`,
          e.id,
        )
      default:
        throw new CheckError('unsupported expression', e.id)
    }
  }

  private constant(e: Expr): CelTypeName {
    if (e.exprKind.case !== 'constExpr') throw new CheckError('unsupported literal', e.id)
    const k = e.exprKind.value.constantKind
    switch (k.case) {
      case 'stringValue':
        return 'string'
      case 'int64Value':
        return 'int'
      case 'uint64Value':
        return 'uint'
      case 'doubleValue':
        return 'double'
      case 'boolValue':
        return 'bool'
      case 'bytesValue':
        throw new CheckError('bytes literals are not supported in IAM conditions', e.id)
      case 'nullValue':
        throw new CheckError('null is not supported in IAM conditions', e.id)
      default:
        throw new CheckError('unsupported literal', e.id)
    }
  }

  private select(
    e: Expr,
    sel: { operand?: Expr | undefined; field: string; testOnly: boolean },
  ): CelTypeName {
    if (sel.testOnly) {
      throw new CheckError('the has() macro is not supported in IAM conditions', e.id)
    }
    const operand = sel.operand
    if (operand?.exprKind.case === 'identExpr') {
      const root = operand.exprKind.value.name
      const name = `${root}.${sel.field}`
      const type = ATTRIBUTES.get(name)
      if (type !== undefined) {
        this.attributesById.set(e.id, name)
        this.attributesById.set(operand.id, name)
        return type
      }
      if (NAMESPACES.has(root)) throw new CheckError(`undefined attribute '${name}'`, e.id)
      throw new CheckError(`undeclared reference to '${root}'`, operand.id)
    }
    if (operand === undefined) throw new CheckError('invalid field selection', e.id)
    const t = this.check(operand)
    throw new CheckError(`type '${t}' does not support field selection ('.${sel.field}')`, e.id)
  }

  private call(e: Expr, call: Call): CelTypeName {
    let fn = call.function
    let target = call.target
    // `resource.matchTag(...)` / `api.getAttribute(...)`: namespaced global functions, resolved
    // the way @bufbuild/cel's planner resolves them (qualified name first).
    if (target?.exprKind.case === 'identExpr') {
      const qualified = `${target.exprKind.value.name}.${fn}`
      if (OVERLOADS.has(qualified)) {
        fn = qualified
        target = undefined
      }
    }
    switch (fn) {
      case '_==_':
      case '_!=_':
      case '@in':
        return this.equality(e, fn, call.args)
      case '_?_:_':
        throw new CheckError(
          "the conditional operator '? :' is not supported in IAM conditions",
          e.id,
        )
      case '_[_]':
        throw new CheckError("indexing with '[]' is not supported in IAM conditions", e.id)
      default:
        break
    }
    const overloads = OVERLOADS.get(fn)
    if (overloads === undefined) {
      if (target?.exprKind.case === 'identExpr' && NAMESPACES.has(target.exprKind.value.name)) {
        throw new CheckError(`undeclared reference to '${target.exprKind.value.name}.${fn}'`, e.id)
      }
      throw new CheckError(`function '${displayName(fn)}' is not supported in IAM conditions`, e.id)
    }
    const targetType = target === undefined ? undefined : this.check(target)
    const argTypes = call.args.map((a) => this.check(a))
    const match = overloads.find((o) => this.matches(o, targetType, argTypes))
    if (match === undefined) {
      const shown = `${targetType === undefined ? '' : `${targetType}.`}(${argTypes.join(', ')})`
      throw new CheckError(
        `no matching overload for '${displayName(fn)}' applied to ${shown}`,
        e.id,
      )
    }
    this.validateLiterals(e, fn, call.args)
    return match.result === 'arg1' ? (argTypes[1] ?? 'dyn') : match.result
  }

  private matches(o: Overload, target: CelTypeName | undefined, args: CelTypeName[]): boolean {
    if ((o.target === undefined) !== (target === undefined)) return false
    if (o.target !== undefined && target !== undefined && !assignable(o.target, target))
      return false
    return (
      o.args.length === args.length && o.args.every((t, i) => assignable(t, args[i] as CelTypeName))
    )
  }

  private equality(e: Expr, fn: string, args: Expr[]): CelTypeName {
    const [l, r] = args.map((a) => this.check(a)) as [CelTypeName, CelTypeName]
    const ok =
      fn === '@in'
        ? elementOf(r) !== undefined && comparable(l, elementOf(r) as CelTypeName)
        : comparable(l, r)
    if (!ok) {
      throw new CheckError(
        `no matching overload for '${displayName(fn)}' applied to (${l}, ${r})`,
        e.id,
      )
    }
    return 'bool'
  }

  /** Literal arguments are checked here, at write time, so they cannot fail at request time. */
  private validateLiterals(e: Expr, fn: string, args: Expr[]): void {
    const literal = stringConstant(args[0])
    const at = args[0]?.id ?? e.id
    try {
      switch (fn) {
        case 'matches':
          if (literal === undefined) {
            throw new Error('the pattern of matches() must be a string literal')
          }
          this.pattern(literal, at)
          return
        case 'extract':
          if (literal === undefined) {
            throw new Error('the template of extract() must be a string literal')
          }
          parseExtractTemplate(literal)
          return
        case 'timestamp':
          if (literal !== undefined) this.fold(e, 'timestamp', parseRfc3339(literal))
          return
        case 'date':
          if (literal !== undefined) this.fold(e, 'timestamp', parseDate(literal))
          return
        case 'duration':
          if (literal !== undefined) this.fold(e, 'duration', parseDuration(literal))
          return
        default:
          if (TIME_ACCESSOR_NAMES.has(fn) && args[0] !== undefined) this.timeZone(args[0])
          return
      }
    } catch (err) {
      if (err instanceof CheckError) throw err
      const message =
        fn === 'matches' && !(err instanceof PatternTooLargeError)
          ? `invalid RE2 pattern "${literal}": ${describe(err)}`
          : describe(err)
      throw new CheckError(message, at)
    }
  }

  /** Compiles a matches() pattern once, within the per-pattern and per-expression size caps. */
  private pattern(literal: string, at: bigint): void {
    if (this.patterns.has(literal)) return
    const regex = compilePattern(literal)
    this.regexSize += regex.programSize
    if (this.regexSize > MAX_EXPRESSION_REGEX_SIZE) {
      throw new CheckError(
        `the regular expressions of this condition compile to ${this.regexSize.toLocaleString('en-US')} instructions together; the maximum is ${MAX_EXPRESSION_REGEX_SIZE.toLocaleString('en-US')}`,
        at,
      )
    }
    this.patterns.set(literal, regex)
  }

  /**
   * A time-zone argument must be a literal: a zone read from the request would build a zone per
   * distinct value at request time (~50 µs each). The literal is rewritten to the zone's
   * canonical name ("europe/berlin", "US/Central" → "Europe/Berlin", "America/Chicago": the
   * zone data ICU uses for both), so evaluation only ever looks up the few hundred canonical names.
   */
  private timeZone(arg: Expr): void {
    const k = arg.exprKind
    if (k.case !== 'constExpr' || k.value.constantKind.case !== 'stringValue') {
      throw new Error('the time zone argument must be a string literal, e.g. "Europe/Berlin"')
    }
    const canonical = canonicalTimeZone(k.value.constantKind.value)
    k.value.constantKind = { case: 'stringValue', value: canonical }
  }

  /** Replaces a literal conversion call by an identifier bound to its precomputed value. */
  private fold(e: Expr, kind: FoldedConstant['kind'], value: EpochTime): void {
    // '@' cannot start a user identifier, so these names cannot clash with anything written.
    const name = `@k${this.constants.length}`
    this.constants.push({ name, kind, value })
    e.exprKind = { case: 'identExpr', value: { $typeName: 'cel.expr.Expr.Ident', name } }
  }
}

function exampleOf(namespace: string): string {
  for (const name of ATTRIBUTES.keys()) if (name.startsWith(`${namespace}.`)) return name
  return `${namespace}.getAttribute(...)`
}

/**
 * Checks a parsed expression in place (literal conversions are folded into identifiers) and
 * returns what evaluation needs. Throws CheckError; the result type must be bool.
 */
export function checkExpression(parsed: ParsedExpr): CheckResult {
  const checker = new Checker()
  const type = checker.check(parsed.expr)
  if (type !== 'bool' && type !== 'dyn') {
    throw new CheckError(`the condition must evaluate to bool, not ${type}`, parsed.expr.id)
  }
  return {
    attributesById: checker.attributesById,
    constants: checker.constants,
    patterns: checker.patterns,
  }
}
