// @runiam/store/sqlite: the embedded engine (the default; `runiam serve --data DIR`).
import '../reasons.js'
export { openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js'
