// TransactionGuard: refuses a nested transact() on the same store — on SQLite it would wait
// forever for the mutex its own caller holds — without taxing the rest of the process. The guard
// is an AsyncLocalStorage, and an enabled one turns async hooks on process-wide: every promise of
// every request then pays for carrying the context (measured 1–4 µs per gateway request). So the
// storage is enabled only while one of the store's transaction bodies runs and disabled when the
// last one ends. A nested call can only come from a running body, so it is refused exactly as
// before; a process that is not writing pays nothing.
import { AsyncLocalStorage } from 'node:async_hooks'

export class TransactionGuard {
  readonly #context = new AsyncLocalStorage<true>()
  /** Transaction bodies of this store running now (awaiting included). */
  #running = 0

  /** Whether the caller runs inside one of this store's transaction bodies. */
  get inside(): boolean {
    return this.#running > 0 && this.#context.getStore() === true
  }

  /** Runs a transaction's body: calls made from within it (after awaits too) are inside. */
  async run<T>(body: () => Promise<T>): Promise<T> {
    this.#running++
    try {
      return await this.#context.run(true, body)
    } finally {
      // Turns the process's async hooks off again once no store of it is in a transaction.
      if (--this.#running === 0) this.#context.disable()
    }
  }
}
