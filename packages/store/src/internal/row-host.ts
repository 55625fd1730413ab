// What the shared StoreReader / StoreTx methods run against. Each part (groups, custom roles,
// deny policies…) is a table of methods that reach their rows through `this[ROWS]()` and report
// a write through `this[CHANGED]()`; a reader or a tx object carries the tables on its prototype
// and only its own state, so a transaction builds one small object instead of a hundred closures
// (issue 8: ~14 µs per setIamPolicy). Symbol keys keep these two out of the StoreTx surface.
import type { RowReads, RowWrites } from './row-ops.js'

export const ROWS: unique symbol = Symbol('rows')
export const CHANGED: unique symbol = Symbol('changed')

/** A reader: the rows its reads go to (throws when they may no longer be used). */
export interface ReadHost {
  [ROWS](): RowReads
}

/** A transaction: its write rows, and the change log each write appends to. */
export interface WriteHost {
  [ROWS](): RowWrites
  [CHANGED](kind: string, name: string): void
}
