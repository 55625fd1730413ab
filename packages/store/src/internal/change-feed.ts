// The in-process half of the change feed: listeners registered with Store.onChange, told after a
// commit (never for a rollback) what that transaction changed, and told by refresh() what other
// processes (PostgreSQL replicas, workers on one SQLite file) committed since. Also the kinds a
// Change can have.
import type { Change } from '../records.js'

/** Values of Change.kind. */
export const ChangeKind = {
  organization: 'organization',
  project: 'project',
  resource: 'resource',
  policy: 'policy',
  operation: 'operation',
  orgPolicy: 'orgPolicy',
  key: 'key',
  serviceAccount: 'serviceAccount',
  serviceAccountKey: 'serviceAccountKey',
  group: 'group',
  groupMembership: 'groupMembership',
  role: 'role',
  /** A deny policy changed; the name is its attachment point (decoded). */
  denyPolicy: 'denyPolicy',
  /**
   * Not a change of one thing: the feed no longer holds everything since this process last read
   * it (pruned, see Store.pruneChanges), so every listener must drop all it caches. Its name is ''.
   */
  reset: 'reset',
} as const

/** A change recorded inside a transaction, before commit gives it a revision. */
export interface PendingChange {
  readonly kind: string
  readonly name: string
}

/** Reads committed changes with revision > after, oldest first, at most `limit`. */
export type FeedRead = (after: number, limit: number) => Promise<readonly Change[]>

const REFRESH_BATCH = 1000

export class ChangeListeners {
  readonly #listeners = new Set<(changes: readonly Change[]) => void>()
  /** Every change with a revision ≤ this has reached the listeners (or predates the store's open). */
  #applied = 0
  /** The newest revision this process committed. */
  #committed = 0
  /** This process's own revisions above #applied, already emitted at commit. */
  readonly #ahead = new Set<number>()
  /** The refresh running now, and whether another must follow it (a notice came meanwhile). */
  #running: Promise<number> | undefined
  #again: Promise<number> | undefined

  /** Where the feed stood when the store was opened: history before it is never replayed. */
  start(revision: number): void {
    if (revision > this.#applied) this.#applied = revision
  }

  get applied(): number {
    return this.#applied
  }

  get committed(): number {
    return this.#committed
  }

  add(listener: (changes: readonly Change[]) => void): () => void {
    // Wrapped so that one function registered twice gets two independent subscriptions.
    const entry = (changes: readonly Change[]): void => listener(changes)
    this.#listeners.add(entry)
    return () => {
      this.#listeners.delete(entry)
    }
  }

  /** This process's commit: its changes reach the listeners now, before the caller hears back. */
  emit(changes: readonly Change[]): void {
    for (const c of changes) {
      if (c.revision > this.#applied) this.#ahead.add(c.revision)
      if (c.revision > this.#committed) this.#committed = c.revision
    }
    this.#advance()
    this.#deliver(changes)
  }

  /**
   * Delivers what other processes committed since `applied` (this process's own commits were
   * delivered at commit; a change can still arrive twice when a refresh reads it between its
   * COMMIT and its own delivery: listeners invalidate, so twice is harmless). Calls made while one
   * runs share a single follow-up run, which starts after the current one and so sees everything
   * committed before the call.
   */
  refresh(read: FeedRead): Promise<number> {
    if (this.#running === undefined) {
      this.#running = this.#drain(read).finally(() => {
        this.#running = undefined
      })
      return this.#running
    }
    this.#again ??= this.#running
      .catch(() => undefined)
      .then(() => {
        this.#again = undefined
        return this.refresh(read)
      })
    return this.#again
  }

  async #drain(read: FeedRead): Promise<number> {
    for (;;) {
      const batch = await read(this.#applied, REFRESH_BATCH)
      const others: Change[] = []
      const oldest = batch[0]
      if (oldest !== undefined && oldest.revision > this.#applied + 1) {
        // Revisions are dense: a gap means the changes between were pruned before this process
        // read them, so nobody can say what they touched. Listeners drop everything.
        others.push({ revision: oldest.revision - 1, kind: ChangeKind.reset, name: '' })
        this.#applied = oldest.revision - 1
        this.#advance()
      }
      for (const c of batch) {
        if (c.revision <= this.#applied) continue
        if (this.#ahead.delete(c.revision)) continue
        others.push(c)
        // Revisions are dense and read in order, so everything up to this one has been seen.
        this.#applied = c.revision
        this.#advance()
      }
      const last = batch.at(-1)
      if (last !== undefined && last.revision > this.#applied) this.#applied = last.revision
      this.#advance()
      this.#deliver(others)
      if (batch.length < REFRESH_BATCH) return this.#applied
    }
  }

  #advance(): void {
    while (this.#ahead.delete(this.#applied + 1)) this.#applied++
    // Own revisions at or below the watermark (reached by a refresh first) need no keeping.
    for (const r of this.#ahead) if (r <= this.#applied) this.#ahead.delete(r)
  }

  #deliver(changes: readonly Change[]): void {
    if (changes.length === 0) return
    for (const listener of [...this.#listeners]) {
      try {
        listener(changes)
      } catch (error) {
        // The transaction has committed: a failing listener must not turn it into an error for the
        // caller, nor stop the other listeners. Make it visible without crashing the process.
        process.emitWarning(
          `runiam store: an onChange listener threw: ${error instanceof Error ? error.message : String(error)}`,
        )
      }
    }
  }
}

/** Numbers pending changes from the first revision the commit allocated. */
export function numberChanges(pending: readonly PendingChange[], first: number): Change[] {
  return pending.map((c, i) => ({ revision: first + i, kind: c.kind, name: c.name }))
}
