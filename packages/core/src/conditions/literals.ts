// Strict parsers for the literal arguments of timestamp(), date(), duration() and extract().
// Used twice: at write time to reject bad literals, and at evaluation time for non-literal
// arguments, so a value is accepted or refused the same way in both places. The protobuf JSON
// parser that @bufbuild/cel uses rolls 2026-02-30 over to 2026-03-02; this one refuses it.

/** Seconds and nanoseconds since the Unix epoch (the fields of google.protobuf.Timestamp). */
export interface EpochTime {
  readonly seconds: bigint
  readonly nanos: number
}

const MIN_SECONDS = -62135596800n // 0001-01-01T00:00:00Z
const MAX_SECONDS = 253402300799n // 9999-12-31T23:59:59Z

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

/** Days in a month (1-based month) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Days since 1970-01-01 of a civil date (H. Hinnant's algorithm; no Date, so years < 100 work). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yoe = y - era * 400
  const mp = (month + 9) % 12
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146097 + doe - 719468
}

function num(s: string | undefined): number {
  return s === undefined ? 0 : Number(s)
}

function checkDate(y: number, m: number, d: number, text: string): void {
  if (m < 1 || m > 12) throw new Error(`month out of range in "${text}"`)
  if (d < 1 || d > daysInMonth(y, m)) throw new Error(`day out of range in "${text}"`)
}

function checkRange(seconds: bigint, text: string): void {
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
    throw new Error(`timestamp "${text}" is outside 0001-01-01 to 9999-12-31`)
  }
}

/** Parses an RFC 3339 timestamp with calendar validation; throws an Error naming the problem. */
export function parseRfc3339(text: string): EpochTime {
  const m = RFC3339.exec(text)
  if (m === null) throw new Error(`invalid RFC 3339 timestamp "${text}"`)
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(num) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  checkDate(y, mo, d, text)
  if (h > 23 || mi > 59 || s > 59) throw new Error(`time of day out of range in "${text}"`)
  let offsetMinutes = 0
  if (m[8] === undefined) {
    const oh = num(m[10])
    const om = num(m[11])
    if (oh > 23 || om > 59) throw new Error(`UTC offset out of range in "${text}"`)
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  const seconds =
    BigInt(daysFromCivil(y, mo, d)) * 86400n + BigInt(h * 3600 + mi * 60 + s - offsetMinutes * 60)
  checkRange(seconds, text)
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'))
  return { seconds, nanos }
}

/** Parses IAM's date("YYYY-MM-DD"): midnight UTC of that day. */
export function parseDate(text: string): EpochTime {
  const m = DATE.exec(text)
  if (m === null) throw new Error(`invalid date "${text}", expected YYYY-MM-DD`)
  const [y, mo, d] = [num(m[1]), num(m[2]), num(m[3])]
  checkDate(y, mo, d, text)
  const seconds = BigInt(daysFromCivil(y, mo, d)) * 86400n
  checkRange(seconds, text)
  return { seconds, nanos: 0 }
}

const UNIT_NANOS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
}
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y
const MAX_DURATION_NANOS = 315_576_000_000n * 1_000_000_000n // protobuf Duration: ±10,000 years

/** Parses a CEL duration ("3600s", "1h30m", "-1.5h", "0"); throws an Error naming the problem. */
export function parseDuration(text: string): EpochTime {
  const invalid = (): Error =>
    new Error(`invalid duration "${text}", expected e.g. "3600s", "90m" or "1h30m"`)
  let rest = text
  let sign = 1n
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1n : 1n
    rest = rest.slice(1)
  }
  if (rest === '0') return { seconds: 0n, nanos: 0 }
  if (rest === '' || text.length > 128) throw invalid()
  let total = 0n
  DURATION_PART.lastIndex = 0
  while (DURATION_PART.lastIndex < rest.length) {
    const m = DURATION_PART.exec(rest)
    if (m === null) throw invalid()
    const [intPart = '', fracPart = ''] = (m[1] as string).split('.')
    const unit = UNIT_NANOS[m[2] as string] as bigint
    total += BigInt(intPart === '' ? 0 : intPart) * unit
    if (fracPart !== '') total += (BigInt(fracPart) * unit) / 10n ** BigInt(fracPart.length)
  }
  if (total > MAX_DURATION_NANOS) throw new Error(`duration "${text}" is out of range`)
  total *= sign
  // Protobuf Duration: seconds and nanos carry the same sign.
  return { seconds: total / 1_000_000_000n, nanos: Number(total % 1_000_000_000n) }
}

/** The parts of an extract() template "prefix{name}suffix". */
export interface ExtractTemplate {
  readonly prefix: string
  readonly suffix: string
}

/** Parses an extract() template; exactly one `{name}` placeholder is required. */
export function parseExtractTemplate(template: string): ExtractTemplate {
  const m = /^([^{}]*)\{([A-Za-z_][A-Za-z0-9_]*)\}([^{}]*)$/.exec(template)
  if (m === null) {
    throw new Error(
      `invalid extract() template "${template}", expected one placeholder as in "projects/{project}/"`,
    )
  }
  return { prefix: m[1] as string, suffix: m[3] as string }
}

/**
 * Compat: IAM extract(): the text after the first occurrence of the prefix up to the next
 * occurrence of the suffix (or the end when the suffix is empty); "" when either is missing.
 */
export function applyExtract(value: string, t: ExtractTemplate): string {
  const start = value.indexOf(t.prefix)
  if (start < 0) return ''
  const from = start + t.prefix.length
  if (t.suffix === '') return value.slice(from)
  const end = value.indexOf(t.suffix, from)
  return end < 0 ? '' : value.slice(from, end)
}
