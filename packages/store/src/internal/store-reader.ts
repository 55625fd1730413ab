// StoreReader over an engine's row reads: paging rules and page tokens, the same on every engine.
// Every method is async so that a refusal (closed store, finished tx) arrives as a rejection.
import type {
  OrgPolicyRecord,
  Page,
  PageRequest,
  ProjectRecord,
  ResourceKind,
  ResourceRecord,
} from '../records.js'
import type { CustomRoleReader } from '../custom-roles.js'
import type { AuditEntryReader } from '../audit-entries.js'
import type { GroupReader } from '../group-store.js'
import type { RecommenderReader } from '../recommender-store.js'
import type { StoreReader } from '../store.js'
import { groupReaderMethods } from './group-reader.js'
import { pageWindow, toPage } from './paging.js'
import type { RowReads } from './row-ops.js'
import { customRoleReaderMethods } from './custom-role-ops.js'
import { recommenderReaderMethods } from './recommender-ops.js'
import { denyPolicyReaderMethods } from './deny-policy-ops.js'
import type { DenyPolicyReader } from '../deny-policies.js'
import { auditEntryReaderMethods } from './audit-entry-ops.js'
import { ROWS, type ReadHost } from './row-host.js'

/**
 * The smallest string greater than every string that starts with `prefix` (bytewise, as both
 * engines order keys): the prefix with its last UTF-16 unit incremented. Names are ASCII.
 */
function prefixEnd(prefix: string): string {
  if (prefix === '') return '\uffff'
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}

/** StoreReader's methods, for a reader's or a tx's prototype (see row-host.ts). */
export const storeReaderMethods: StoreReader & ThisType<ReadHost> = Object.assign(
  {
    async getOrganization() {
      return this[ROWS]().organization()
    },
    async getProject(idOrNumber) {
      return this[ROWS]().project(idOrNumber)
    },
    async listProjects(page?: PageRequest): Promise<Page<ProjectRecord>> {
      const w = pageWindow(page)
      const found = await this[ROWS]().projects(w.after, w.size + 1)
      return toPage(found, w.size, (p) => p.projectId)
    },
    async getResource(name) {
      return this[ROWS]().resource(name)
    },
    async getResourceKind(name) {
      return this[ROWS]().resourceKind(name)
    },
    async listResources(
      parent: string,
      kind: ResourceKind,
      page?: PageRequest,
    ): Promise<Page<ResourceRecord>> {
      const w = pageWindow(page)
      const found = await this[ROWS]().resources(parent, kind, w.after, w.size + 1)
      return toPage(found, w.size, (r) => r.name)
    },
    async listAllResources(kind) {
      return this[ROWS]().allResources(kind)
    },
    async getPolicy(resource) {
      return this[ROWS]().policy(resource)
    },
    async getPolicies(resources) {
      const unique = [...new Set(resources)]
      const found = unique.length === 0 ? [] : await this[ROWS]().policies(unique)
      return new Map(found.map((p) => [p.resource, p]))
    },
    async getOperation(name) {
      return this[ROWS]().operation(name)
    },
    async listOperations(prefix, page) {
      const w = pageWindow(page)
      const found = await this[ROWS]().operations(prefix, prefixEnd(prefix), w.after, w.size + 1)
      return toPage(found, w.size, (op) => op.name)
    },
    async getOrgPolicy(name) {
      return this[ROWS]().orgPolicy(name)
    },
    async listOrgPolicies(parent: string, page?: PageRequest): Promise<Page<OrgPolicyRecord>> {
      const w = pageWindow(page)
      const found = await this[ROWS]().orgPolicies(parent, w.after, w.size + 1)
      return toPage(found, w.size, (p) => p.name)
    },
    async listSigningKeys() {
      return this[ROWS]().signingKeys()
    },
    async getServiceAccount(emailOrUniqueId) {
      return this[ROWS]().serviceAccount(emailOrUniqueId.toLowerCase())
    },
    async listServiceAccounts(projectId, page) {
      const w = pageWindow(page)
      const found = await this[ROWS]().serviceAccounts(projectId, w.after, w.size + 1)
      return toPage(found, w.size, (sa) => sa.email)
    },
    async getServiceAccountKey(keyId) {
      return this[ROWS]().serviceAccountKey(keyId)
    },
    async listServiceAccountKeys(email) {
      return this[ROWS]().serviceAccountKeys(email.toLowerCase())
    },
  } satisfies Omit<
    StoreReader,
    | keyof GroupReader
    | keyof CustomRoleReader
    | keyof RecommenderReader
    | keyof DenyPolicyReader
    | keyof AuditEntryReader
  > &
    ThisType<ReadHost>,
  groupReaderMethods,
  customRoleReaderMethods,
  recommenderReaderMethods,
  denyPolicyReaderMethods,
  auditEntryReaderMethods,
)

/** A StoreReader over `rows` (called for every read; it throws when reads are refused). */
export function createStoreReader(rows: () => RowReads): StoreReader {
  const reader: StoreReader & ReadHost = Object.create(storeReaderMethods)
  reader[ROWS] = rows
  return reader
}
