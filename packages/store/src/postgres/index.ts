// @runiam/store/postgres: the shared engine (`runiam serve --database postgres://…`).
export { openPostgresStore, type PostgresStoreOptions } from './postgres-store.js'
