// Time-zone aware calendar fields of an instant, for the CEL timestamp accessors (getHours, …).
// @bufbuild/cel's own accessors build a local-time Date, so their answers depend on the host TZ and
// they create an Intl formatter per call; these use UTC arithmetic only, one cached formatter per
// IANA zone, and a one-entry cache per zone so several accessors on one request.time cost one
// lookup.
import { daysFromCivil } from './literals.js'

/** Calendar fields of an instant in some zone, CEL-style (months, days of month/year 0-based). */
export interface ZonedFields {
  readonly fullYear: number
  /** 0–11. */
  readonly month: number
  /** 1–31 (getDate). */
  readonly date: number
  /** 0 = Sunday. */
  readonly dayOfWeek: number
  /** 0–365. */
  readonly dayOfYear: number
  readonly hours: number
  readonly minutes: number
  readonly seconds: number
  readonly milliseconds: number
}

/** A validated zone: fixed offset, or an IANA zone resolved through Intl. */
interface Zone {
  fields(epochMs: number): ZonedFields
}

const MS_PER_DAY = 86_400_000

/** Fields of a "wall clock" millisecond count, read as if it were UTC. */
function fieldsOfWallMs(wallMs: number): ZonedFields {
  const days = Math.floor(wallMs / MS_PER_DAY)
  const msOfDay = wallMs - days * MS_PER_DAY
  // Civil from days (H. Hinnant), valid for the whole Timestamp range.
  const z = days + 719468
  const era = Math.floor(z / 146097)
  const doe = z - era * 146097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const date = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  const fullYear = yoe + era * 400 + (month <= 2 ? 1 : 0)
  return {
    fullYear,
    month: month - 1,
    date,
    dayOfWeek: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
    dayOfYear: days - daysFromCivil(fullYear, 1, 1),
    hours: Math.floor(msOfDay / 3_600_000),
    minutes: Math.floor(msOfDay / 60_000) % 60,
    seconds: Math.floor(msOfDay / 1000) % 60,
    milliseconds: msOfDay % 1000,
  }
}

class FixedZone implements Zone {
  private lastMs = Number.NaN
  private last: ZonedFields | undefined
  private readonly offsetMs: number
  constructor(offsetMs: number) {
    this.offsetMs = offsetMs
  }
  fields(epochMs: number): ZonedFields {
    if (epochMs !== this.lastMs || this.last === undefined) {
      this.last = fieldsOfWallMs(epochMs + this.offsetMs)
      this.lastMs = epochMs
    }
    return this.last
  }
}

class IanaZone implements Zone {
  private lastMs = Number.NaN
  private last: ZonedFields | undefined
  private readonly format: Intl.DateTimeFormat
  constructor(format: Intl.DateTimeFormat) {
    this.format = format
  }
  fields(epochMs: number): ZonedFields {
    if (epochMs !== this.lastMs || this.last === undefined) {
      this.last = fieldsOfWallMs(epochMs + this.offsetAt(epochMs))
      this.lastMs = epochMs
    }
    return this.last
  }
  /** The zone's UTC offset at an instant: its wall clock (from Intl) minus the instant. */
  private offsetAt(epochMs: number): number {
    let year = 0
    let month = 1
    let day = 1
    let hour = 0
    let minute = 0
    let second = 0
    let beforeChrist = false
    for (const part of this.format.formatToParts(epochMs)) {
      const v = Number(part.value)
      switch (part.type) {
        case 'year':
          year = v
          break
        case 'month':
          month = v
          break
        case 'day':
          day = v
          break
        case 'hour':
          hour = v === 24 ? 0 : v
          break
        case 'minute':
          minute = v
          break
        case 'second':
          second = v
          break
        case 'era':
          beforeChrist = part.value === 'BC'
          break
        default:
          break
      }
    }
    if (beforeChrist) year = 1 - year
    const wallSeconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return wallSeconds * 1000 - Math.floor(epochMs / 1000) * 1000
  }
}

const UTC_ZONE = new FixedZone(0)
const FIXED_OFFSET = /^([+-]?)(\d{2}):(\d{2})$/
/**
 * IANA zones by canonical name. Never evicted: conditions name zones by canonical name (the
 * checker rewrites them), so this holds at most the few hundred zones ICU knows. A cache keyed
 * by the names as written could be thrashed (ICU accepts any letter case), and every miss costs a
 * new Intl.DateTimeFormat (~50 µs) at request time.
 */
const ianaZones = new Map<string, IanaZone>()
/** Fixed offsets ("+05:30"), cheap to build; bounded by the offsets the pattern allows. */
const fixedZones = new Map<string, FixedZone>()
const MAX_FIXED_ZONES = 5000

function fixedZone(m: RegExpExecArray, name: string): FixedZone {
  const hours = Number(m[2])
  const minutes = Number(m[3])
  if (hours > 23 || minutes > 59) throw new Error(`invalid time zone offset "${name}"`)
  return new FixedZone((m[1] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000)
}

/** Builds the zone for an IANA name; returns it with ICU's canonical name for it. */
function createIanaZone(name: string): { canonical: string; zone: IanaZone } {
  if (name === '' || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) {
    throw new Error(`unknown time zone "${name}"`)
  }
  let format: Intl.DateTimeFormat
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      era: 'short', // keeps years of the first centuries AD unambiguous
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  } catch {
    throw new Error(`unknown time zone "${name}"`)
  }
  return { canonical: format.resolvedOptions().timeZone, zone: new IanaZone(format) }
}

/**
 * The zone named by a CEL time-zone argument: an IANA name ("Europe/Berlin", "UTC") or a fixed
 * offset ("+05:30", "-08:00"). Throws an Error naming the zone when it is unknown.
 */
export function zoneNamed(name: string): Zone {
  const known = ianaZones.get(name) ?? fixedZones.get(name)
  if (known !== undefined) return known
  const m = FIXED_OFFSET.exec(name)
  if (m !== null) {
    const zone = fixedZone(m, name)
    if (fixedZones.size >= MAX_FIXED_ZONES) fixedZones.clear()
    fixedZones.set(name, zone)
    return zone
  }
  const { canonical, zone } = createIanaZone(name)
  const shared = ianaZones.get(canonical)
  if (shared !== undefined) return shared
  ianaZones.set(canonical, zone)
  return zone
}

/**
 * Validates a time-zone argument and returns the name evaluation should use: a fixed offset as
 * written, an IANA zone by ICU's canonical name. Throws an Error naming an unknown zone.
 */
export function canonicalTimeZone(name: string): string {
  if (ianaZones.has(name) || fixedZones.has(name)) return name
  const m = FIXED_OFFSET.exec(name)
  if (m !== null) {
    fixedZone(m, name)
    return name
  }
  const { canonical, zone } = createIanaZone(name)
  if (!ianaZones.has(canonical)) ianaZones.set(canonical, zone)
  return canonical
}

/** Throws when the zone name is not valid. */
export function validateTimeZone(name: string): void {
  canonicalTimeZone(name)
}

/** Calendar fields of an instant in a zone; UTC when the zone is undefined (CEL's default). */
export function zonedFields(epochMs: number, zone: string | undefined): ZonedFields {
  return (zone === undefined ? UTC_ZONE : zoneNamed(zone)).fields(epochMs)
}
