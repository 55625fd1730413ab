// A request's access-log fields as JSON text (an object's members, no braces), written without
// JSON.stringify of a fresh object per request: that call was the costliest part of the gateway's
// log line. Request after request the line differs only in its id and duration, so the text from
// route to status, and from caller to the surface fields, is each remembered whole with the raw
// values it was made from and reused when all of them are === the request's (strings compare by
// text): ~3 concatenations per line instead of ~20 (about 270 → 100 ns). When one differs, each
// string field's JSON comes from its own last-value memory. The text is exactly what
// JSON.stringify gives for the same object (access-line.test.ts checks it, with hostile strings
// and alternating values), keys in the same order; a surface field that would repeat a fixed one
// takes the object path. Every memory holds one value: nothing grows with what clients send.
import type { RequestContext } from './request-context.js'

/** What the front door knows when a request finishes. */
export interface AccessFields {
  readonly ctx: RequestContext
  readonly method: string | undefined
  readonly host: string | undefined
  readonly path: string | null
  readonly status: number
  readonly ms: number
}

/** JSON of the last string given, remembered. */
class LastJson {
  #last: string | undefined
  #json = ''
  of(value: string): string {
    if (value !== this.#last) {
      this.#last = value
      this.#json = JSON.stringify(value)
    }
    return this.#json
  }
}

const FIXED = new Set([
  'event',
  'requestId',
  'route',
  'method',
  'host',
  'path',
  'status',
  'ms',
  'caller',
  'credential',
])

/** The entry as an object, in the same key order (the reference, and the rare fallback). */
export function accessEntry(f: AccessFields): Record<string, unknown> {
  const { ctx } = f
  const entry: Record<string, unknown> = {
    event: 'request',
    requestId: ctx.requestId,
    route: ctx.route,
    method: f.method,
    host: f.host,
    path: f.path,
    status: f.status,
    ms: f.ms,
    caller: ctx.caller?.member ?? null,
  }
  if (ctx.caller?.credential !== undefined) entry['credential'] = ctx.caller.credential
  for (const key in ctx.log) entry[key] = ctx.log[key]
  return entry
}

/** Small integers' texts (status codes, thousandths): a table read instead of a conversion. */
const SMALL = Array.from({ length: 1000 }, (_, i) => String(i))

/** JSON of a number (a status code). */
function number(n: number): string {
  return Number.isInteger(n) && n >= 0 && n < 1000
    ? (SMALL[n] as string)
    : Number.isFinite(n)
      ? String(n)
      : 'null'
}

/**
 * String(ms) for a duration in whole microseconds (what the front door gives), from integer
 * parts: the shortest-round-trip conversion of a fraction was the costliest call of the line.
 * Exact: below 2^43 a double is closer than 0.0005 to its neighbours, so "w.fff" (trailing zeros
 * cut) is the shortest text that reads back as w + fff/1000. Anything else goes to String().
 */
function millis(ms: number): string {
  const us = Math.round(ms * 1000)
  if (!(us >= 0 && us < 2 ** 43 && us / 1000 === ms))
    return Number.isFinite(ms) ? String(ms) : 'null'
  const whole = Math.floor(us / 1000)
  const frac = us - whole * 1000
  const head = whole < 1000 ? (SMALL[whole] as string) : String(whole)
  if (frac === 0) return head
  if (frac % 100 === 0) return `${head}.${SMALL[frac / 100] as string}`
  if (frac % 10 === 0) return `${head}.${frac < 100 ? '0' : ''}${SMALL[frac / 10] as string}`
  return `${head}.${frac < 10 ? '00' : frac < 100 ? '0' : ''}${SMALL[frac] as string}`
}

/** A writer of access-log field texts; one per front door (its memory is per field). */
export function accessLineWriter(): (f: AccessFields) => string {
  const route = new LastJson()
  const method = new LastJson()
  const host = new LastJson()
  const path = new LastJson()
  const caller = new LastJson()
  const credential = new LastJson()
  /** Surface fields by key: the key's JSON and its value's memory. */
  const extras = new Map<string, { readonly key: string; readonly value: LastJson }>()

  // The line is `"event":"request","requestId":"<id>` + head + ms + tail. The head (route to
  // status) and the tail (caller to the surface fields) are each remembered with the raw values
  // they were made from, and reused only when every one of those is === the request's own:
  // the text is a function of exactly the values compared, so it can never be another
  // request's. Each is one text, one memory: nothing grows with what clients send.
  let headMade = false
  let headRoute = ''
  let headMethod: string | undefined
  let headHost: string | undefined
  let headPath: string | null = null
  let headStatus = 0
  let head = ''
  /** The tail's surface fields: keys and (primitive) values, in for…in order. */
  const tailKeys: string[] = []
  const tailValues: unknown[] = []
  let tailMade = false
  let tailMember: string | undefined
  let tailCredential: string | undefined
  let tail = ''

  function makeHead(f: AccessFields): string {
    headMade = false
    let text = `","route":${route.of(f.ctx.route)}`
    if (f.method !== undefined) text += `,"method":${method.of(f.method)}`
    if (f.host !== undefined) text += `,"host":${host.of(f.host)}`
    text += `,"path":${f.path === null ? 'null' : path.of(f.path)}`
    text += `,"status":${number(f.status)},"ms":`
    headRoute = f.ctx.route
    headMethod = f.method
    headHost = f.host
    headPath = f.path
    headStatus = f.status
    headMade = true
    return (head = text)
  }

  /** The tail, or undefined when a surface field repeats a fixed one (the object path). */
  function makeTail(
    member: string | undefined,
    credentialValue: string | undefined,
    log: Record<string, unknown>,
  ): string | undefined {
    tailMade = false
    tailKeys.length = 0
    tailValues.length = 0
    let text = `,"caller":${member === undefined ? 'null' : caller.of(member)}`
    if (credentialValue !== undefined) text += `,"credential":${credential.of(credentialValue)}`
    let primitive = true
    for (const key in log) {
      if (FIXED.has(key)) return undefined
      const value = log[key]
      tailKeys.push(key)
      tailValues.push(value)
      if (typeof value === 'string') {
        let slot = extras.get(key)
        if (slot === undefined) {
          slot = { key: JSON.stringify(key), value: new LastJson() }
          // Keys are the surfaces' own names (a handful); a bound keeps that true.
          if (extras.size < 64) extras.set(key, slot)
        }
        text += `,${slot.key}:${slot.value.of(value)}`
        continue
      }
      // An object may change between requests while staying ===: never remembered.
      if ((typeof value === 'object' && value !== null) || typeof value === 'function')
        primitive = false
      const json = JSON.stringify(value) as string | undefined
      if (json !== undefined) text += `,${JSON.stringify(key)}:${json}`
    }
    tailMember = member
    tailCredential = credentialValue
    tailMade = primitive
    return (tail = text)
  }

  return (f) => {
    const { ctx } = f
    const log = ctx.log
    const who = ctx.caller
    const member = who?.member
    const credentialValue = who?.credential
    let same = tailMade && member === tailMember && credentialValue === tailCredential
    let n = 0
    for (const key in log) {
      if (same && (tailKeys[n] !== key || tailValues[n] !== log[key])) same = false
      n++
    }
    const end = same && n === tailKeys.length ? tail : makeTail(member, credentialValue, log)
    if (end === undefined) return JSON.stringify(accessEntry(f)).slice(1, -1)
    const start =
      headMade &&
      f.ctx.route === headRoute &&
      f.method === headMethod &&
      f.host === headHost &&
      f.path === headPath &&
      f.status === headStatus
        ? head
        : makeHead(f)
    // requestId is the front door's own base-36 counter: nothing in it needs escaping.
    return `"event":"request","requestId":"${ctx.requestId}${start}${millis(f.ms)}${end}`
  }
}
