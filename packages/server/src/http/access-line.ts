// A request's access-log fields as JSON text (an object's members, no braces), written without
// JSON.stringify of a fresh object per request: that call was the costliest part of the gateway's
// log line. Each string field remembers the last value it encoded (route, host, caller, service,
// decision… repeat request after request), and comparing equal strings is cheap. The text is
// exactly what JSON.stringify gives for the same object (access-line.test.ts checks it), keys in
// the same order; a surface field that would repeat a fixed one takes the object path.
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
  const number = (n: number): string =>
    Number.isInteger(n) && n >= 0 && n < 1000
      ? (SMALL[n] as string)
      : Number.isFinite(n)
        ? String(n)
        : 'null'

  return (f) => {
    const { ctx } = f
    for (const key in ctx.log) {
      if (FIXED.has(key)) return JSON.stringify(accessEntry(f)).slice(1, -1)
    }
    // requestId is the front door's own base-36 counter: nothing in it needs escaping.
    let text = `"event":"request","requestId":"${ctx.requestId}","route":${route.of(ctx.route)}`
    if (f.method !== undefined) text += `,"method":${method.of(f.method)}`
    if (f.host !== undefined) text += `,"host":${host.of(f.host)}`
    text += `,"path":${f.path === null ? 'null' : path.of(f.path)}`
    text += `,"status":${number(f.status)},"ms":${millis(f.ms)}`
    const who = ctx.caller
    text += `,"caller":${who === undefined ? 'null' : caller.of(who.member)}`
    if (who?.credential !== undefined) text += `,"credential":${credential.of(who.credential)}`
    for (const key in ctx.log) {
      const value = ctx.log[key]
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
      const json = JSON.stringify(value) as string | undefined
      if (json !== undefined) text += `,${JSON.stringify(key)}:${json}`
    }
    return text
  }
}
