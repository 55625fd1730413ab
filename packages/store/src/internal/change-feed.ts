// The in-process half of the change feed: listeners registered with Store.onChange, told after a
// commit (never for a rollback) what that transaction changed. Also the kinds a Change can have.
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
} as const

/** A change recorded inside a transaction, before commit gives it a revision. */
export interface PendingChange {
  readonly kind: string
  readonly name: string
}

export class ChangeListeners {
  readonly #listeners = new Set<(changes: readonly Change[]) => void>()

  add(listener: (changes: readonly Change[]) => void): () => void {
    // Wrapped so that one function registered twice gets two independent subscriptions.
    const entry = (changes: readonly Change[]): void => listener(changes)
    this.#listeners.add(entry)
    return () => {
      this.#listeners.delete(entry)
    }
  }

  emit(changes: readonly Change[]): void {
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
