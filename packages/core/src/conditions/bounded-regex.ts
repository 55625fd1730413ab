// matches() with a bounded cost. RE2JS (@bufbuild/re2) parses and compiles the pattern, so the
// syntax and the program are RE2's; this file runs that program itself. Why: RE2JS's lazy DFA
// builds a state per input character when a pattern's states explode (`[ab]*a[ab]{20}$` is 26
// instructions) and then falls back to an NFA that allocates Sets per step, so one 8 KiB input
// took 15–250 ms, with no way to stop it. Here the program runs as a Pike VM (Thompson's NFA
// simulation, no captures, no backtracking) over typed arrays: the work per input character is
// at most the program size, every unit of it is counted, and a match stops as soon as the meter
// runs out. The answer is RE2's unanchored search (CEL's matches()), the same as RE2JS's test().
import { RE2JS } from '@bufbuild/re2'

type Prog = RE2JS['re2Input']['prog']
type Inst = Prog['inst'][number]

// Instruction opcodes and empty-width flags of @bufbuild/re2 0.6.1 (its Inst and Utils modules,
// which the package does not export). Checked against the library when this module loads, so an
// upgrade that renumbers them fails at start-up rather than matching wrongly.
const ALT = 1
const ALT_MATCH = 2
const CAPTURE = 3
const EMPTY_WIDTH = 4
const FAIL = 5
const MATCH = 6
const NOP = 7
const RUNE = 8
const RUNE1 = 9
const RUNE_ANY = 10
const RUNE_ANY_NOT_NL = 11
const EMPTY_BEGIN_LINE = 0x01
const EMPTY_END_LINE = 0x02
const EMPTY_BEGIN_TEXT = 0x04
const EMPTY_END_TEXT = 0x08
const EMPTY_WORD_BOUNDARY = 0x10
const EMPTY_NO_WORD_BOUNDARY = 0x20
const FOLD_CASE = 0x01 // RE2Flags.FOLD_CASE: a literal rune matched case-insensitively

function checkOpcodes(): void {
  const inst = RE2JS.compile('a').re2Input.prog.inst[0]
  const Inst = inst?.constructor as unknown as Record<string, unknown> | undefined
  const expected: Record<string, number> = {
    ALT,
    ALT_MATCH,
    CAPTURE,
    EMPTY_WIDTH,
    FAIL,
    MATCH,
    NOP,
    RUNE,
    RUNE1,
    RUNE_ANY,
    RUNE_ANY_NOT_NL,
  }
  for (const [name, value] of Object.entries(expected)) {
    if (Inst?.[name] !== value) {
      throw new Error(
        `@bufbuild/re2 changed: Inst.${name} is not ${value}; update bounded-regex.ts`,
      )
    }
  }
  if (RE2JS.compile('^').re2Input.prog.startCond() !== EMPTY_BEGIN_TEXT) {
    throw new Error('@bufbuild/re2 changed: EMPTY_BEGIN_TEXT; update bounded-regex.ts')
  }
}
checkOpcodes()

/** Work units charged to the meter at a time. */
const CHARGE_SLICE = 4096

/** Thrown by a meter when the work allowed is used up; evaluation turns it into an error. */
export class BudgetExceededError extends Error {}

/** Work units a match may still spend; `charge` throws BudgetExceededError past the limit. */
export interface Meter {
  charge(units: number): void
}

function isWordRune(r: number): boolean {
  return (
    (r >= 0x61 && r <= 0x7a) || (r >= 0x41 && r <= 0x5a) || (r >= 0x30 && r <= 0x39) || r === 0x5f
  )
}

/** The empty-width assertions true between rune r1 and rune r2 (-1: the text's start or end). */
function contextBetween(r1: number, r2: number): number {
  let flags = 0
  if (r1 < 0) flags |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE
  if (r1 === 0x0a) flags |= EMPTY_BEGIN_LINE
  if (r2 < 0) flags |= EMPTY_END_TEXT | EMPTY_END_LINE
  if (r2 === 0x0a) flags |= EMPTY_END_LINE
  flags |= isWordRune(r1) !== isWordRune(r2) ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY
  return flags
}

/** The code point at `i` of a UTF-16 string, as RE2JS reads it (a lone surrogate is itself). */
function runeAt(s: string, i: number): number {
  if (i >= s.length) return -1
  const c = s.charCodeAt(i)
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1)
    if (d >= 0xdc00 && d <= 0xdfff) return (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000
  }
  return c
}

/** A set of program counters with O(1) insert, membership and clear (Briggs & Torczon). */
class SparseSet {
  readonly dense: Int32Array
  private readonly sparse: Int32Array
  size = 0
  constructor(capacity: number) {
    this.dense = new Int32Array(capacity)
    this.sparse = new Int32Array(capacity)
  }
  /** Adds pc; false when it was already present. */
  add(pc: number): boolean {
    const i = this.sparse[pc] as number
    if (i < this.size && this.dense[i] === pc) return false
    this.sparse[pc] = this.size
    this.dense[this.size++] = pc
    return true
  }
}

/** A compiled pattern whose matching is metered. Synchronous and not re-entrant. */
export class BoundedRegex {
  readonly pattern: string
  /** Number of instructions in the RE2 program: the most work any input character can cost. */
  readonly programSize: number
  private readonly op: Uint8Array
  private readonly out: Int32Array
  private readonly arg: Int32Array
  /** Rune instructions' ranges, flattened: pairs [lo, hi] in `ranges` from rangeStart[pc]. */
  private readonly rangeStart: Int32Array
  private readonly rangeCount: Int32Array
  private readonly ranges: Int32Array
  /** Case-folded literal runes keep RE2JS's instruction, whose matchRune applies the folding. */
  private readonly folded: readonly (Inst | undefined)[]
  private readonly start: number
  /** The pattern can only match at the start of the text (it begins with `^` or `\A`). */
  private readonly anchored: boolean
  private readonly impossible: boolean
  /** A literal every match starts with ('' when none), to skip input no match can start in. */
  private readonly prefix: string
  private clist: SparseSet
  private nlist: SparseSet
  private readonly stack: Int32Array

  constructor(pattern: string, compiled: RE2JS = RE2JS.compile(pattern)) {
    const prog = compiled.re2Input.prog
    const n = prog.numInst()
    this.pattern = pattern
    this.programSize = n
    this.op = new Uint8Array(n)
    this.out = new Int32Array(n)
    this.arg = new Int32Array(n)
    this.rangeStart = new Int32Array(n)
    this.rangeCount = new Int32Array(n)
    const ranges: number[] = []
    const folded: (Inst | undefined)[] = []
    for (let pc = 0; pc < n; pc++) {
      const inst = prog.inst[pc] as Inst
      this.op[pc] = inst.op
      this.out[pc] = inst.out
      this.arg[pc] = inst.arg
      if (inst.op === RUNE || inst.op === RUNE1) {
        const runes = inst.runes
        if (runes.length === 1) {
          if (inst.op === RUNE && (inst.arg & FOLD_CASE) !== 0) folded[pc] = inst
          this.rangeStart[pc] = ranges.length
          this.rangeCount[pc] = 1
          ranges.push(runes[0] as number, runes[0] as number)
        } else {
          this.rangeStart[pc] = ranges.length
          this.rangeCount[pc] = runes.length >> 1
          for (const r of runes) ranges.push(r)
        }
      }
    }
    this.ranges = Int32Array.from(ranges)
    this.folded = folded
    this.start = prog.start
    const cond = prog.startCond()
    this.impossible = cond === -1
    this.anchored = cond !== -1 && (cond & EMPTY_BEGIN_TEXT) !== 0
    this.prefix = this.anchored ? '' : prog.prefix()[1]
    this.clist = new SparseSet(n)
    this.nlist = new SparseSet(n)
    // Each pc is pushed at most once per closure (it is marked when pushed), plus one ALT edge.
    this.stack = new Int32Array(2 * n + 2)
  }

  /**
   * Whether the pattern matches some part of `input` (RE2 unanchored search). Charges the meter
   * one unit per input character stepped over and one per instruction visited; throws
   * BudgetExceededError when the meter refuses more.
   */
  test(input: string, meter: Meter): boolean {
    if (this.impossible) return false
    const op = this.op
    const out = this.out
    const prefix = this.prefix
    const end = input.length
    let clist = this.clist
    let nlist = this.nlist
    clist.size = 0
    // Charged in slices, so the meter is consulted every few thousand units rather than per unit.
    let work = 0
    let pos = 0
    let prev = -1
    let rune = runeAt(input, 0)
    for (;;) {
      if (clist.size === 0) {
        // No match in progress: an anchored pattern is done; otherwise skip to where the
        // pattern's literal prefix next occurs (the common `projects/…` case costs one indexOf).
        if (this.anchored && pos > 0) break
        if (prefix !== '' && !input.startsWith(prefix, pos)) {
          const found = input.indexOf(prefix, pos)
          work += ((found < 0 ? end : found) - pos) >> 4
          if (found < 0) break
          pos = found
          prev = pos > 0 ? input.charCodeAt(pos - 1) : -1
          rune = runeAt(input, pos)
        }
      }
      const next = rune > 0xffff ? pos + 2 : pos + 1
      const nextRune = runeAt(input, next)
      if (
        (!this.anchored || pos === 0) &&
        this.addThread(clist, this.start, contextBetween(prev, rune))
      ) {
        meter.charge(work + clist.size)
        return true
      }
      if (pos >= end) break
      const context = contextBetween(rune, nextRune)
      nlist.size = 0
      const threads = clist.dense
      const count = clist.size
      for (let t = 0; t < count; t++) {
        const pc = threads[t] as number
        const o = op[pc] as number
        if (o < RUNE) continue
        const hit =
          o === RUNE_ANY ? true : o === RUNE_ANY_NOT_NL ? rune !== 0x0a : this.matchRune(pc, rune)
        if (hit && this.addThread(nlist, out[pc] as number, context)) {
          meter.charge(work + count + nlist.size)
          return true
        }
      }
      work += 1 + count + nlist.size
      if (work >= CHARGE_SLICE) {
        meter.charge(work)
        work = 0
      }
      const swap = clist
      clist = nlist
      nlist = swap
      prev = rune
      rune = nextRune
      pos = next
    }
    meter.charge(work)
    return false
  }

  /** Whether the rune instruction at pc accepts r (RE2JS's Inst.matchRune, over flat arrays). */
  private matchRune(pc: number, r: number): boolean {
    const fold = this.folded[pc]
    if (fold !== undefined) return fold.matchRune(r)
    const ranges = this.ranges
    const start = this.rangeStart[pc] as number
    const count = this.rangeCount[pc] as number
    if (count <= 4) {
      for (let j = start, end = start + 2 * count; j < end; j += 2) {
        if (r < (ranges[j] as number)) return false
        if (r <= (ranges[j + 1] as number)) return true
      }
      return false
    }
    let lo = 0
    let hi = count
    while (lo < hi) {
      const m = (lo + hi) >> 1
      const j = start + 2 * m
      if ((ranges[j] as number) <= r) {
        if (r <= (ranges[j + 1] as number)) return true
        lo = m + 1
      } else {
        hi = m
      }
    }
    return false
  }

  /** Adds pc and everything reachable from it without input; true when that reaches MATCH. */
  private addThread(list: SparseSet, pc0: number, context: number): boolean {
    const op = this.op
    const out = this.out
    const arg = this.arg
    const stack = this.stack
    let top = 0
    stack[top++] = pc0
    while (top > 0) {
      const pc = stack[--top] as number
      if (!list.add(pc)) continue
      switch (op[pc]) {
        case MATCH:
          return true
        case ALT:
        case ALT_MATCH:
          stack[top++] = arg[pc] as number
          stack[top++] = out[pc] as number
          break
        case NOP:
        case CAPTURE:
          stack[top++] = out[pc] as number
          break
        case EMPTY_WIDTH:
          if (((arg[pc] as number) & ~context) === 0) stack[top++] = out[pc] as number
          break
        case FAIL:
        default:
          // Rune instructions wait in the list for the next character.
          break
      }
    }
    return false
  }
}
