// The @bufbuild/cel environment conditions are planned against: the std library with IAM's
// replacements and additions. Replaced: the ten timestamp accessors (host-TZ independent, cached
// zones), timestamp(string) (strict RFC 3339, as at write time) and matches() (RE2, compiled once
// per pattern). Added: date(), extract(), hasOnly(), api.getAttribute() and the resource tag
// functions.
import { celEnv, celFunc, celMethod, CelScalar, listType, objectType } from '@bufbuild/cel'
import type { CelEnv, CelList, CelValue } from '@bufbuild/cel'
import { create } from '@bufbuild/protobuf'
import { DurationSchema, TimestampSchema } from '@bufbuild/protobuf/wkt'
import type { Timestamp } from '@bufbuild/protobuf/wkt'
import { RE2JS } from '@bufbuild/re2'
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

/** RE2 programs by pattern: compiling costs ~50 µs, matching a short string ~1 µs. */
export const compileRe2 = memo(10_000, (pattern) => RE2JS.compile(pattern))
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

const accessors = TIME_ACCESSORS.flatMap((name) => {
  const field = FIELD[name]
  return [
    celMethod(name, TIMESTAMP_TYPE, [], INT, function () {
      return BigInt(field(zonedFields(epochMsOf(this), undefined)))
    }),
    celMethod(name, TIMESTAMP_TYPE, [STRING], INT, function (zone) {
      return BigInt(field(zonedFields(epochMsOf(this), zone)))
    }),
  ]
})

function hasOnly(list: CelList, allowed: CelList): boolean {
  const permitted = new Set<unknown>(allowed)
  for (const v of list) if (!permitted.has(v)) return false
  return true
}

// Compat: runiam has no resource tags and no API attributes, so the tag functions are false and
// api.getAttribute() returns its default, as Google does when the attribute is absent.
const iamFunctions = [
  celFunc('timestamp', [STRING], TIMESTAMP_TYPE, (s: string) => timestampOf(parseRfc3339(s))),
  celFunc('date', [STRING], TIMESTAMP_TYPE, (s: string) => timestampOf(parseDate(s))),
  celFunc('duration', [STRING], DURATION_TYPE, (s: string) => durationOf(parseDuration(s))),
  celMethod('extract', STRING, [STRING], STRING, function (template) {
    return applyExtract(this, extractTemplate(template))
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
export const conditionEnv: CelEnv = celEnv({
  funcs: [...accessors, ...iamFunctions],
  re2: { compile: compileRe2 },
})
