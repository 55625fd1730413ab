// @runiam/store/postgres: the shared engine (`runiam serve --database postgres://…`).
import '../reasons.js'
export { openPostgresStore, type PostgresStoreOptions } from './postgres-store.js'
