// @runiam/store: the Store interface and its records. Engines are imported from
// '@runiam/store/sqlite' and '@runiam/store/postgres' (only by the composition root).
export type * from './records.js'
export type * from './store.js'
