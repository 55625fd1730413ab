// What every transport-free service needs: the store, the permission checker, the clock, id
// generation and the settings that shape service URLs.
import type { Store } from '@runiam/store'
import type { PermissionChecker } from './permission-checker.js'

export interface ServiceContext {
  readonly store: Store
  readonly checker: PermissionChecker
  /** Epoch milliseconds. */
  now(): number
  readonly runDomain: string
  readonly servicePort: number
}

export const isoTime = (ms: number): string => new Date(ms).toISOString()

/** A fresh random UUID (operation ids, service uids). */
export const newUuid = (): string => globalThis.crypto.randomUUID()

/** `n` random decimal digits, the first non-zero (project numbers, organization ids). */
export function randomDigits(n: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(n))
  let s = String(1 + ((bytes[0] ?? 0) % 9))
  for (let i = 1; i < n; i++) s += String((bytes[i] ?? 0) % 10)
  return s
}

/** `n` random lowercase letters and digits (revision suffixes). */
export function randomSuffix(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(n))
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('')
}

/** An opaque etag for a non-policy resource (changes on every write). */
export function randomEtag(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(12))
  return btoa(String.fromCharCode(...bytes))
}

export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}
