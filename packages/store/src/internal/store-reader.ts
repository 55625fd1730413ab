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
import { createGroupReader } from './group-reader.js'
import { pageWindow, toPage } from './paging.js'
import type { RowReads } from './row-ops.js'
import { customRoleReader } from './custom-role-ops.js'
import { recommenderReader } from './recommender-ops.js'
import { denyPolicyReader } from './deny-policy-ops.js'
import type { DenyPolicyReader } from '../deny-policies.js'
import { auditEntryReader } from './audit-entry-ops.js'

/**
 * The smallest string greater than every string that starts with `prefix` (bytewise, as both
 * engines order keys): the prefix with its last UTF-16 unit incremented. Names are ASCII.
 */
function prefixEnd(prefix: string): string {
  if (prefix === '') return '\uffff'
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
}

export function createStoreReader(rows: () => RowReads): StoreReader {
  // The group and custom-role halves are added with Object.assign, not spread into the literal:
  // V8 builds a literal that starts with spreads property by property on a slow path, ~30 µs for
  // every transaction (each gets its own reader). No key is in more than one part.
  const own: Omit<
    StoreReader,
    | keyof GroupReader
    | keyof CustomRoleReader
    | keyof RecommenderReader
    | keyof DenyPolicyReader
    | keyof AuditEntryReader
  > = {
    getOrganization: async () => rows().organization(),
    getProject: async (idOrNumber) => rows().project(idOrNumber),
    async listProjects(page?: PageRequest): Promise<Page<ProjectRecord>> {
      const w = pageWindow(page)
      const found = await rows().projects(w.after, w.size + 1)
      return toPage(found, w.size, (p) => p.projectId)
    },
    getResource: async (name) => rows().resource(name),
    async listResources(
      parent: string,
      kind: ResourceKind,
      page?: PageRequest,
    ): Promise<Page<ResourceRecord>> {
      const w = pageWindow(page)
      const found = await rows().resources(parent, kind, w.after, w.size + 1)
      return toPage(found, w.size, (r) => r.name)
    },
    listAllResources: async (kind) => rows().allResources(kind),
    getPolicy: async (resource) => rows().policy(resource),
    async getPolicies(resources) {
      const unique = [...new Set(resources)]
      const found = unique.length === 0 ? [] : await rows().policies(unique)
      return new Map(found.map((p) => [p.resource, p]))
    },
    getOperation: async (name) => rows().operation(name),
    async listOperations(prefix, page) {
      const w = pageWindow(page)
      const found = await rows().operations(prefix, prefixEnd(prefix), w.after, w.size + 1)
      return toPage(found, w.size, (op) => op.name)
    },
    getOrgPolicy: async (name) => rows().orgPolicy(name),
    async listOrgPolicies(parent: string, page?: PageRequest): Promise<Page<OrgPolicyRecord>> {
      const w = pageWindow(page)
      const found = await rows().orgPolicies(parent, w.after, w.size + 1)
      return toPage(found, w.size, (p) => p.name)
    },
    listSigningKeys: async () => rows().signingKeys(),
    getServiceAccount: async (emailOrUniqueId) =>
      rows().serviceAccount(emailOrUniqueId.toLowerCase()),
    async listServiceAccounts(projectId, page) {
      const w = pageWindow(page)
      const found = await rows().serviceAccounts(projectId, w.after, w.size + 1)
      return toPage(found, w.size, (sa) => sa.email)
    },
    getServiceAccountKey: async (keyId) => rows().serviceAccountKey(keyId),
    listServiceAccountKeys: async (email) => rows().serviceAccountKeys(email.toLowerCase()),
  }
  return Object.assign(
    own,
    createGroupReader(() => rows().groups),
    customRoleReader(() => rows().customRoles),
    recommenderReader(() => rows().recommender),
    denyPolicyReader(() => rows().denyPolicies),
    auditEntryReader(() => rows().auditEntries),
  )
}
