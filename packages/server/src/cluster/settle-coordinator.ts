// The primary's side of propagation between workers: when a worker has committed a revision it
// asks here; every other live worker is told to refresh from the store and answers with its
// applied revision; once all are at or past the revision (a worker that dies meanwhile no longer
// counts: a restarted worker reads the database afresh), the writer is told and answers its client.
// A worker that has not applied it in time, or reports that it cannot, is handed to `onLate` (the
// primary kills it), and the wait goes on until it is gone: a write is never answered while a live
// worker may still decide under the policy it replaced.
import type { ToPrimary, ToWorker } from './cluster-messages.js'

interface Wait {
  readonly writer: number
  readonly id: number
  readonly revision: number
  /** Workers that have not yet applied the revision. */
  readonly pending: Set<number>
  readonly errors: string[]
  timer: NodeJS.Timeout
}

export interface SettleCoordinatorOptions {
  /**
   * How long the other workers get to apply a revision; then each late one goes to `onLate`, and
   * after as long again the settle is answered with an error naming those still pending.
   */
  readonly timeoutMs?: number
  /** A worker that is late or cannot apply a revision: make it go (its exit calls remove()). */
  readonly onLate?: (worker: number, reason: string) => void
}

export class SettleCoordinator {
  readonly #workers = new Map<number, { name: string; send: (m: ToWorker) => void }>()
  readonly #waits = new Set<Wait>()
  /** Refresh requests in flight: request id → the wait it serves and the worker asked. */
  readonly #asked = new Map<number, { wait: Wait; worker: number }>()
  #nextRefresh = 0
  readonly #timeoutMs: number
  readonly #onLate: ((worker: number, reason: string) => void) | undefined

  constructor(options: SettleCoordinatorOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#onLate = options.onLate
  }

  /**
   * A worker counts from the moment it listens for messages, before its store is open (see
   * WorkersPeer.attach for why that is safe).
   */
  add(worker: number, name: string, send: (m: ToWorker) => void): void {
    this.#workers.set(worker, { name, send })
  }

  /** A worker died or stopped: it no longer counts, and its own waits are dropped. */
  remove(worker: number): void {
    if (!this.#workers.delete(worker)) return
    for (const [rid, a] of this.#asked) if (a.worker === worker) this.#asked.delete(rid)
    for (const wait of [...this.#waits]) {
      if (wait.writer === worker) this.#drop(wait)
      else if (wait.pending.delete(worker)) this.#finishIfDone(wait)
    }
  }

  /** Handles a worker's settle/applied message; false for any other message. */
  receive(worker: number, message: ToPrimary): boolean {
    switch (message.runiam) {
      case 'settle':
        this.#settle(worker, message.id, message.revision)
        return true
      case 'applied':
        this.#applied(worker, message.id, message.revision, message.error)
        return true
      default:
        return false
    }
  }

  /** Settles still waiting (tests and diagnostics). */
  get waiting(): number {
    return this.#waits.size
  }

  #settle(writer: number, id: number, revision: number): void {
    // Only our own workers send these; a malformed one is dropped, never settled.
    if (!this.#workers.has(writer) || !Number.isSafeInteger(id) || !Number.isSafeInteger(revision))
      return
    const others = [...this.#workers.keys()].filter((w) => w !== writer)
    const giveUp = () => {
      const late = [...wait.pending].map((w) => this.#workers.get(w)?.name ?? `worker ${w}`)
      wait.errors.push(`${late.join(', ')} did not apply revision ${revision} in time`)
      wait.pending.clear()
      this.#finishIfDone(wait)
    }
    const wait: Wait = {
      writer,
      id,
      revision,
      pending: new Set(others),
      errors: [],
      timer: setTimeout(() => {
        if (this.#onLate === undefined) return giveUp()
        for (const w of wait.pending) this.#onLate(w, `did not apply revision ${revision} in time`)
        wait.timer = setTimeout(giveUp, this.#timeoutMs).unref()
      }, this.#timeoutMs),
    }
    wait.timer.unref()
    this.#waits.add(wait)
    for (const w of others) this.#ask(wait, w)
    this.#finishIfDone(wait)
  }

  #ask(wait: Wait, worker: number): void {
    const rid = ++this.#nextRefresh
    this.#asked.set(rid, { wait, worker })
    try {
      this.#workers.get(worker)?.send({ runiam: 'refresh', id: rid, revision: wait.revision })
    } catch {
      // Its channel is closed: it is exiting, and remove() follows when it has.
    }
  }

  #applied(worker: number, rid: number, revision: number, error: string | undefined): void {
    const asked = this.#asked.get(rid)
    if (asked === undefined || asked.worker !== worker) return
    this.#asked.delete(rid)
    const { wait } = asked
    if (!this.#waits.has(wait)) return
    if (error !== undefined) {
      const name = this.#workers.get(worker)?.name ?? `worker ${worker}`
      wait.errors.push(`${name} could not apply revision ${wait.revision}: ${error}`)
      // Still live with what it had: it counts until it is gone.
      if (this.#onLate !== undefined) return this.#onLate(worker, `could not apply: ${error}`)
      wait.pending.delete(worker)
    } else if (typeof revision === 'number' && revision >= wait.revision) {
      wait.pending.delete(worker)
    } else {
      // Behind still (it answered from an older refresh): ask again until the writer gives up.
      this.#ask(wait, worker)
      return
    }
    this.#finishIfDone(wait)
  }

  #finishIfDone(wait: Wait): void {
    if (wait.pending.size > 0 || !this.#waits.has(wait)) return
    this.#drop(wait)
    const writer = this.#workers.get(wait.writer)
    try {
      writer?.send({
        runiam: 'settled',
        id: wait.id,
        ...(wait.errors.length === 0 ? {} : { error: wait.errors.join('; ') }),
      })
    } catch {
      // The writer is exiting; remove() follows.
    }
  }

  #drop(wait: Wait): void {
    clearTimeout(wait.timer)
    this.#waits.delete(wait)
    for (const [rid, a] of this.#asked) if (a.wait === wait) this.#asked.delete(rid)
  }
}
