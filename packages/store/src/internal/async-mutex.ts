// A FIFO async mutex. SQLite has one write connection, and a transaction that awaits inside must
// keep every other writer of this process out until it commits, or they would write into it.
export class AsyncMutex {
  #tail: Promise<void> = Promise.resolve()

  /** Runs `fn` once every earlier holder has finished, whatever they resolved to. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(fn)
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    )
    return result
  }
}
