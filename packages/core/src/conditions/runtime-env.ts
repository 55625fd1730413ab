// The @bufbuild/cel environment conditions are planned against: the std library with IAM's
// replacements and additions. Replaced: the ten timestamp accessors (host-TZ independent, cached
// zones), timestamp(string) (strict RFC 3339, as at write time), matches() (RE2 programs compiled
// at write time, run by a metered VM on bounded input) and size() (counts code points without
// building an array). Added: date(), extract(), hasOnly(), api.getAttribute() and the resource
// tag functions. Every replaced or added function charges the evaluation's meter (one unit per
// call, plus its work), so one evaluation's cost is bounded whatever the condition and input.
import { celEnv, celFunc, celMethod, CelScalar, listType, objectType } from '@bufbuild/cel'
import type { CelEnv, CelList, CelValue } from '@bufbuild/cel'
import { create } from '@bufbuild/protobuf'
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt'
import type { Timestamp } from '@bufbuild/protobuf/wkt'
import { evaluation } from './evaluation-context.js'
import { MAX_MATCH_INPUT_LENGTH } from './limits.js'
import {
  applyExtract,
  parseDate,
  parseDuration,
  parseExtractTemplate,
  parseRfc3339,
} from './literals.js'
import type { EpochTime, ExtractTemplate } from './literals.js'
import { TIME_ACCESSORS } from './signatures.js'
import type { TimeAccessor } from './signatures.js'
import { zonedFields } from './time-zones.js'
import type { ZonedFields } from './time-zones.js'

const { BOOL, DYN, INT, STRING } = CelScalar
export const TIMESTAMP_TYPE = objectType(TimestampSchema)
const DURATION_TYPE = objectType(DurationSchema)
const LIST = listType(DYN)

/** A bounded memo: cleared wholesale when full, which is enough for a few hot keys. */
function memo<V>(limit: number, make: (key: string) => V): (key: string) => V {
  const cache = new Map<string, V>()
  return (key) => {
    let v = cache.get(key)
    if (v === undefined) {
      v = make(key)
      if (cache.size >= limit) cache.clear()
      cache.set(key, v)
    }
    return v
  }
}

const extractTemplate = memo<ExtractTemplate>(10_000, parseExtractTemplate)

export function timestampOf(t: EpochTime): Timestamp {
  return create(TimestampSchema, t)
}

export function durationOf(t: EpochTime): ReturnType<typeof create<typeof DurationSchema>> {
  return create(DurationSchema, t)
}

const FIELD: Readonly<Record<TimeAccessor, (f: ZonedFields) => number>> = {
  getDate: (f) => f.date,
  getDayOfMonth: (f) => f.date - 1,
  getDayOfWeek: (f) => f.dayOfWeek,
  getDayOfYear: (f) => f.dayOfYear,
  getFullYear: (f) => f.fullYear,
  getHours: (f) => f.hours,
  getMilliseconds: (f) => f.milliseconds,
  getMinutes: (f) => f.minutes,
  getMonth: (f) => f.month,
  getSeconds: (f) => f.seconds,
}

interface TimestampValue {
  readonly message: Timestamp
}

function epochMsOf(ts: TimestampValue): number {
  return Number(ts.message.seconds) * 1000 + Math.floor(ts.message.nanos / 1_000_000)
}

/** Charges the meter for a call that scans `length` characters (16 per unit, plus the call). */
function charge(length = 0): void {
  evaluation.meter.charge(1 + (length >> 4))
}

const accessors = TIME_ACCESSORS.flatMap((name) => {
  const field = FIELD[name]
  return [
    celMethod(name, TIMESTAMP_TYPE, [], INT, function () {
      charge()
      return BigInt(field(zonedFields(epochMsOf(this), undefined)))
    }),
    celMethod(name, TIMESTAMP_TYPE, [STRING], INT, function (zone) {
      charge()
      return BigInt(field(zonedFields(epochMsOf(this), zone)))
    }),
  ]
})

function hasOnly(list: CelList, allowed: CelList): boolean {
  evaluation.meter.charge(1 + list.size + allowed.size)
  const permitted = new Set<unknown>(allowed)
  for (const v of list) if (!permitted.has(v)) return false
  return true
}

/**
 * CEL matches(): RE2 unanchored search. The pattern is always a literal compiled by the checker
 * (its program is taken from the condition being evaluated, never compiled at request time);
 * input longer than MAX_MATCH_INPUT_LENGTH is an error, and the match is metered.
 */
export function matchesPattern(input: string, pattern: string): boolean {
  const meter = evaluation.meter
  meter.charge(1)
  if (input.length > MAX_MATCH_INPUT_LENGTH) {
    meter.refuse(
      `matches() input is ${input.length.toLocaleString('en-US')} characters long; the maximum is ${MAX_MATCH_INPUT_LENGTH.toLocaleString('en-US')}`,
    )
  }
  const regex = evaluation.patterns.get(pattern)
  if (regex === undefined) throw new Error(`matches() pattern "${pattern}" was not compiled`)
  return regex.test(input, meter)
}

const SURROGATE = /[\uD800-\uDFFF]/

/**
 * CEL size(string): the number of code points (a surrogate pair is one). @bufbuild/cel's
 * `[...s].length` builds an array of every character (~50 µs for 8 KiB); strings without
 * surrogates are answered by one native scan, others counted in a loop charged per 2 characters.
 */
function codePoints(s: string): bigint {
  if (!SURROGATE.test(s)) {
    charge(s.length)
    return BigInt(s.length)
  }
  evaluation.meter.charge(1 + (s.length >> 1))
  let pairs = 0
  for (let i = 0; i + 1 < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        pairs++
        i++
      }
    }
  }
  return BigInt(s.length - pairs)
}

// Compat: runiam has no resource tags and no API attributes, so the tag functions are false and
// api.getAttribute() returns its default, as Google does when the attribute is absent.
const iamFunctions = [
  celFunc('timestamp', [STRING], TIMESTAMP_TYPE, (s: string) => {
    charge(s.length)
    return timestampOf(parseRfc3339(s))
  }),
  celFunc('date', [STRING], TIMESTAMP_TYPE, (s: string) => {
    charge(s.length)
    return timestampOf(parseDate(s))
  }),
  celFunc('duration', [STRING], DURATION_TYPE, (s: string) => {
    charge(s.length)
    return durationOf(parseDuration(s))
  }),
  celMethod('extract', STRING, [STRING], STRING, function (template) {
    charge(this.length)
    return applyExtract(this, extractTemplate(template))
  }),
  celMethod('matches', STRING, [STRING], BOOL, function (pattern) {
    return matchesPattern(this, pattern)
  }),
  celFunc('size', [STRING], INT, codePoints),
  celMethod('size', STRING, [], INT, function () {
    return codePoints(this)
  }),
  celMethod('hasOnly', LIST, [LIST], BOOL, function (allowed) {
    return hasOnly(this, allowed)
  }),
  celFunc('api.getAttribute', [STRING, DYN], DYN, (_key: string, fallback: CelValue) => fallback),
  celFunc('resource.hasTagKey', [STRING], BOOL, () => false),
  celFunc('resource.hasTagKeyId', [STRING], BOOL, () => false),
  celFunc('resource.matchTag', [STRING, STRING], BOOL, () => false),
  celFunc('resource.matchTagId', [STRING, STRING], BOOL, () => false),
]

/** The single environment every condition is planned in. */
export const conditionEnv: CelEnv = celEnv({ funcs: [...accessors, ...iamFunctions] })
