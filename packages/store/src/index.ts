// @runiam/store: the Store interface and its records. Engines are imported from
// '@runiam/store/sqlite' and '@runiam/store/postgres' (only by the composition root).
import './reasons.js'
export type * from './records.js'
export type * from './store.js'
export type * from './group-records.js'
export type * from './group-store.js'
export { groupName, membershipName } from './group-records.js'
export type * from './custom-roles.js'
export type * from './recommender-store.js'
export type * from './deny-policies.js'
export type * from './audit-entries.js'
export { ChangeKind } from './internal/change-feed.js'
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './internal/paging.js'
