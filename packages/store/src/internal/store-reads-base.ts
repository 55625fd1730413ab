// The StoreReader half of every engine: each read method delegates to the shared reader
// (createStoreReader) over the engine's read rows, so engines only say where reads go.
import type { StoreReader } from '../store.js'
import type { RowReads } from './row-ops.js'
import { createStoreReader } from './store-reader.js'

export abstract class StoreReadsBase implements StoreReader {
  readonly #reads: StoreReader = createStoreReader(() => this.readRows())

  /** The rows reads go to (throws when the store is closed). */
  protected abstract readRows(): RowReads

  getOrganization: StoreReader['getOrganization'] = () => this.#reads.getOrganization()
  getProject: StoreReader['getProject'] = (idOrNumber) => this.#reads.getProject(idOrNumber)
  listProjects: StoreReader['listProjects'] = (page) => this.#reads.listProjects(page)
  getResource: StoreReader['getResource'] = (name) => this.#reads.getResource(name)
  getResourceKind: StoreReader['getResourceKind'] = (name) => this.#reads.getResourceKind(name)
  listResources: StoreReader['listResources'] = (parent, kind, page) =>
    this.#reads.listResources(parent, kind, page)
  listAllResources: StoreReader['listAllResources'] = (kind) => this.#reads.listAllResources(kind)
  getPolicy: StoreReader['getPolicy'] = (resource) => this.#reads.getPolicy(resource)
  getPolicies: StoreReader['getPolicies'] = (resources) => this.#reads.getPolicies(resources)
  getOperation: StoreReader['getOperation'] = (name) => this.#reads.getOperation(name)
  listOperations: StoreReader['listOperations'] = (prefix, page) =>
    this.#reads.listOperations(prefix, page)
  getOrgPolicy: StoreReader['getOrgPolicy'] = (name) => this.#reads.getOrgPolicy(name)
  listOrgPolicies: StoreReader['listOrgPolicies'] = (parent, page) =>
    this.#reads.listOrgPolicies(parent, page)
  listSigningKeys: StoreReader['listSigningKeys'] = () => this.#reads.listSigningKeys()
  getServiceAccount: StoreReader['getServiceAccount'] = (id) => this.#reads.getServiceAccount(id)
  listServiceAccounts: StoreReader['listServiceAccounts'] = (projectId, page) =>
    this.#reads.listServiceAccounts(projectId, page)
  getServiceAccountKey: StoreReader['getServiceAccountKey'] = (keyId) =>
    this.#reads.getServiceAccountKey(keyId)
  listServiceAccountKeys: StoreReader['listServiceAccountKeys'] = (email) =>
    this.#reads.listServiceAccountKeys(email)
  getGroup: StoreReader['getGroup'] = (id) => this.#reads.getGroup(id)
  getGroupByEmail: StoreReader['getGroupByEmail'] = (email) => this.#reads.getGroupByEmail(email)
  listGroups: StoreReader['listGroups'] = (parent, page) => this.#reads.listGroups(parent, page)
  getMembership: StoreReader['getMembership'] = (groupId, id) =>
    this.#reads.getMembership(groupId, id)
  findMembership: StoreReader['findMembership'] = (groupId, memberKey) =>
    this.#reads.findMembership(groupId, memberKey)
  listMemberships: StoreReader['listMemberships'] = (groupId, page) =>
    this.#reads.listMemberships(groupId, page)
  listMembershipEdges: StoreReader['listMembershipEdges'] = () => this.#reads.listMembershipEdges()
  getCustomRole: StoreReader['getCustomRole'] = (name) => this.#reads.getCustomRole(name)
  getCustomRoles: StoreReader['getCustomRoles'] = (names) => this.#reads.getCustomRoles(names)
  listCustomRoles: StoreReader['listCustomRoles'] = (parent, request) =>
    this.#reads.listCustomRoles(parent, request)
  listAllCustomRoles: StoreReader['listAllCustomRoles'] = (parent) =>
    this.#reads.listAllCustomRoles(parent)
  policiesBindingRole: StoreReader['policiesBindingRole'] = (role) =>
    this.#reads.policiesBindingRole(role)
  listGrantUsage: StoreReader['listGrantUsage'] = (project) => this.#reads.listGrantUsage(project)
  listGrantsSeen: StoreReader['listGrantsSeen'] = (project) => this.#reads.listGrantsSeen(project)
  getRecommendationState: StoreReader['getRecommendationState'] = (name) =>
    this.#reads.getRecommendationState(name)
  listRecommendationStates: StoreReader['listRecommendationStates'] = (parent) =>
    this.#reads.listRecommendationStates(parent)
  getDenyPolicy: StoreReader['getDenyPolicy'] = (point, id) => this.#reads.getDenyPolicy(point, id)
  listDenyPolicies: StoreReader['listDenyPolicies'] = (point, page) =>
    this.#reads.listDenyPolicies(point, page)
  denyPoliciesAt: StoreReader['denyPoliciesAt'] = (points) => this.#reads.denyPoliciesAt(points)
  hasDenyPolicies: StoreReader['hasDenyPolicies'] = () => this.#reads.hasDenyPolicies()
  listAuditEntries: StoreReader['listAuditEntries'] = (query) => this.#reads.listAuditEntries(query)
}
