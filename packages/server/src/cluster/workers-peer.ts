// The worker's side of propagation between the workers of one server (node:cluster): as a
// PropagationPeer it asks the primary to have every other live worker apply a revision this worker
// committed; and it answers the primary's refresh requests with store.refresh(), so this worker's
// caches (decision index, host index, memberships…) follow what the others committed.
import type { Store } from '@runiam/store'
import type { PropagationPeer } from '../services/propagation.js'
import type { Channel, ToPrimary, ToWorker } from './cluster-messages.js'

type FeedFollower = Pick<Store, 'refresh' | 'appliedRevision'>

export class WorkersPeer implements PropagationPeer {
  readonly name = 'workers'
  readonly #channel: Channel<ToWorker, ToPrimary>
  #store: FeedFollower | undefined
  #nextId = 0
  readonly #waits = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()

  constructor(channel: Channel<ToWorker, ToPrimary>) {
    this.#channel = channel
    channel.onMessage((message) => this.#receive(message))
  }

  /**
   * From the moment the store is open, refresh requests are answered by catching up with it. Before
   * (and after detach, once the server stopped serving) there is nothing to catch up: every cache
   * is built after the store opened, from reads that already see each commit the primary asks about
   * (a writer asks only after its COMMIT), so the request is answered at once.
   */
  attach(store: FeedFollower): () => void {
    this.#store = store
    return () => {
      if (this.#store === store) this.#store = undefined
    }
  }

  settle(revision: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.reject(new Error('aborted before asking the other workers'))
    const id = ++this.#nextId
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waits.delete(id)
        reject(new Error(`the other workers did not confirm revision ${revision} in time`))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waits.set(id, {
        resolve: () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort)
          reject(e)
        },
      })
      try {
        this.#channel.send({ runiam: 'settle', id, revision })
      } catch (error) {
        this.#waits.get(id)?.reject(error instanceof Error ? error : new Error(String(error)))
        this.#waits.delete(id)
      }
    })
  }

  #receive(message: ToWorker): void {
    switch (message.runiam) {
      case 'refresh':
        void this.#answer(message.id, message.revision)
        return
      case 'settled': {
        const wait = this.#waits.get(message.id)
        this.#waits.delete(message.id)
        if (message.error === undefined) wait?.resolve()
        else wait?.reject(new Error(message.error))
        return
      }
      default:
        return
    }
  }

  async #answer(id: number, revision: number): Promise<void> {
    const store = this.#store
    let applied = revision
    let error: string | undefined
    if (store !== undefined && store.appliedRevision() < revision) {
      try {
        applied = await store.refresh()
      } catch (e) {
        applied = store.appliedRevision()
        error = e instanceof Error ? e.message : String(e)
      }
    } else if (store !== undefined) applied = store.appliedRevision()
    try {
      this.#channel.send({
        runiam: 'applied',
        id,
        revision: applied,
        ...(error === undefined ? {} : { error }),
      })
    } catch {
      // The primary is gone: this worker exits with it (node:cluster), nobody waits for the answer.
    }
  }
}
