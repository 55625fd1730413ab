// Records which grants decide calls: the permission checker tells it of every allowed decision (the
// deciding binding and the permission), the gateway of every invocation of a service whose invoker
// check is disabled. The hot path only adds to in-memory sets keyed by the deciding binding's
// object (the authorizer returns the same frozen one for every decision it makes, so nothing is
// allocated per request once a grant was seen in an interval); flush() writes what was used since
// the last flush to the store in one transaction, with the flush time as the last-used time
// (late by at most one interval: a grant never looks unused because of it).
import type { GrantingBinding } from '@runiam/core/authorizer'
import type { GrantUsageRecord, Store } from '@runiam/store'

/** What usage rows say for an invocation admitted with the invoker check disabled. */
export const OPEN_INVOCATION = { role: '', member: 'allUsers', permission: 'run.routes.invoke' }

export interface UsageRecorderOptions {
  now(): number
  /** Told of a flush that failed (its rows are kept for the next one). */
  failed?(error: unknown): void
}

export class UsageRecorder {
  readonly #store: Store
  readonly #options: UsageRecorderOptions
  #pending = new Map<GrantingBinding, Set<string>>()
  #open = new Set<string>()
  #unwritten: GrantUsageRecord[] = []
  #timer: ReturnType<typeof setInterval> | undefined
  #flushing: Promise<void> = Promise.resolve()

  constructor(store: Store, options: UsageRecorderOptions) {
    this.#store = store
    this.#options = options
  }

  /** `grant` decided a call for `permission` (the hot path: no store write, no allocation). */
  used(grant: GrantingBinding, permission: string): void {
    let perms = this.#pending.get(grant)
    if (perms === undefined) this.#pending.set(grant, (perms = new Set()))
    perms.add(permission)
  }

  /** The gateway forwarded a request to `service` without an invoker check. */
  invokedOpenly(service: string): void {
    this.#open.add(service)
  }

  /** Flushes every `seconds` until close() (the timer does not keep the process alive). */
  start(seconds: number): void {
    this.#timer ??= setInterval(() => void this.flush(), seconds * 1000)
    this.#timer.unref()
  }

  /** Writes what was used since the last flush (one at a time; a failed batch is retried next time). */
  flush(): Promise<void> {
    const run = this.#flushing.then(() => this.#write())
    this.#flushing = run.catch(() => undefined)
    return run
  }

  async #write(): Promise<void> {
    const pending = this.#pending
    const open = this.#open
    this.#pending = new Map()
    this.#open = new Set()
    const lastUsedMs = this.#options.now()
    const rows = this.#unwritten
    this.#unwritten = []
    for (const [g, perms] of pending) {
      const condition = g.condition?.expression ?? ''
      for (const permission of perms) {
        rows.push({
          scope: g.resource,
          role: g.role,
          member: g.member,
          condition,
          permission,
          lastUsedMs,
        })
      }
    }
    for (const scope of open) rows.push({ scope, condition: '', lastUsedMs, ...OPEN_INVOCATION })
    if (rows.length === 0) return
    try {
      await this.#store.transact((tx) => tx.recordGrantUsage(rows))
    } catch (error) {
      // Kept for the next flush (bounded: a store down for long loses the oldest).
      this.#unwritten = rows.length > 100_000 ? rows.slice(-100_000) : rows
      this.#options.failed?.(error)
    }
  }

  /** Stops the timer and writes what is left. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    await this.flush().catch(() => undefined)
  }
}
