// What an engine must provide: plain row operations in its own SQL dialect. The meaning built on
// top of them (errors, compare-and-set, paging, the change feed) lives once, in store-reader.ts and
// store-tx.ts, so SQLite and PostgreSQL cannot drift apart. Every method translates driver errors
// to IamErrors before they leave it.
import type {
  OperationRecord,
  OrganizationRecord,
  OrgPolicyRecord,
  ProjectRecord,
  ResourceKind,
  ResourceRecord,
  ServiceAccountKeyRecord,
  ServiceAccountRecord,
  SigningKeyRecord,
  StoredPolicy,
} from '../records.js'
import type { CustomRoleRows } from './custom-role-rows.js'
import type { RecommenderRows } from './recommender-rows.js'
import type { DenyPolicyRows } from './deny-policy-rows.js'
import type { AuditEntryRows } from './audit-entry-rows.js'
import type { GroupRowReads, GroupRowWrites } from './group-row-ops.js'

export interface RowReads {
  /** Cloud Identity groups and memberships (group-row-ops.ts). */
  readonly groups: GroupRowReads
  /** Custom roles' rows (reads and writes), on the same connection. */
  readonly customRoles: CustomRoleRows
  /** The recommenders' rows (reads and writes), on the same connection. */
  readonly recommender: RecommenderRows
  /** Deny policies' rows (reads and writes), on the same connection. */
  readonly denyPolicies: DenyPolicyRows
  /** Audit entries' rows (reads and writes), on the same connection. */
  readonly auditEntries: AuditEntryRows
  organization(): Promise<OrganizationRecord | undefined>
  /** Matches the project id or the project number. */
  project(idOrNumber: string): Promise<ProjectRecord | undefined>
  /** Ordered by project id, ids greater than `after` (all when undefined), at most `limit`. */
  projects(after: string | undefined, limit: number): Promise<ProjectRecord[]>
  resource(name: string): Promise<ResourceRecord | undefined>
  resourceKind(name: string): Promise<ResourceKind | undefined>
  /** Ordered by name, names greater than `after`, at most `limit`. */
  resources(
    parent: string,
    kind: ResourceKind,
    after: string | undefined,
    limit: number,
  ): Promise<ResourceRecord[]>
  allResources(kind: ResourceKind): Promise<ResourceRecord[]>
  policy(resource: string): Promise<StoredPolicy | undefined>
  /** One query for all of them; absent ones are simply missing from the result. */
  policies(resources: readonly string[]): Promise<StoredPolicy[]>
  operation(name: string): Promise<OperationRecord | undefined>
  /** Names in [`from`, `to`) bytewise and greater than `after`, ordered by name, at most `limit`. */
  operations(
    from: string,
    to: string,
    after: string | undefined,
    limit: number,
  ): Promise<OperationRecord[]>
  orgPolicy(name: string): Promise<OrgPolicyRecord | undefined>
  /** Ordered by name, names greater than `after`, at most `limit`. */
  orgPolicies(parent: string, after: string | undefined, limit: number): Promise<OrgPolicyRecord[]>
  signingKeys(): Promise<SigningKeyRecord[]>
  /** By email or unique id. */
  serviceAccount(emailOrUniqueId: string): Promise<ServiceAccountRecord | undefined>
  /** Ordered by email, emails greater than `after`, at most `limit`. */
  serviceAccounts(
    projectId: string,
    after: string | undefined,
    limit: number,
  ): Promise<ServiceAccountRecord[]>
  serviceAccountKey(keyId: string): Promise<ServiceAccountKeyRecord | undefined>
  /** Ordered by key id. */
  serviceAccountKeys(email: string): Promise<ServiceAccountKeyRecord[]>
}

/** Row writes. Booleans say whether a row was written (false: key taken, missing or etag differs). */
export interface RowWrites extends RowReads {
  readonly groups: GroupRowWrites
  insertOrganization(org: OrganizationRecord): Promise<boolean>
  insertProject(project: ProjectRecord): Promise<boolean>
  /** Only where both the project id and the project number match. */
  updateProject(project: ProjectRecord): Promise<boolean>
  insertResource(resource: ResourceRecord): Promise<boolean>
  /** Only where the name matches and, when `ifEtag` is given, the stored etag equals it. */
  updateResource(resource: ResourceRecord, ifEtag: string | undefined): Promise<boolean>
  deleteResource(name: string): Promise<boolean>
  /** False if a policy is already stored for the resource. */
  insertPolicy(policy: StoredPolicy): Promise<boolean>
  /** Only where a policy is stored and its etag equals `ifEtag`. */
  replacePolicy(policy: StoredPolicy, ifEtag: string): Promise<boolean>
  upsertPolicy(policy: StoredPolicy): Promise<void>
  deletePolicy(resource: string): Promise<boolean>
  insertOrgPolicy(policy: OrgPolicyRecord): Promise<boolean>
  /** Only where the name matches and, when `ifEtag` is given, the stored etag equals it. */
  updateOrgPolicy(policy: OrgPolicyRecord, ifEtag: string | undefined): Promise<boolean>
  /** Only where the name matches and, when `ifEtag` is given, the stored etag equals it. */
  deleteOrgPolicy(name: string, ifEtag: string | undefined): Promise<boolean>
  upsertOperation(op: OperationRecord): Promise<void>
  deleteOperation(name: string): Promise<boolean>
  upsertSigningKey(key: SigningKeyRecord): Promise<void>
  deleteSigningKey(kid: string): Promise<boolean>
  /** Serializes the transactions that call it (PostgreSQL: advisory lock; SQLite: one writer). */
  lockSigningKeys(): Promise<void>
  /** False if the email or the unique id is taken. */
  insertServiceAccount(sa: ServiceAccountRecord): Promise<boolean>
  updateServiceAccount(sa: ServiceAccountRecord): Promise<boolean>
  deleteServiceAccount(email: string): Promise<boolean>
  /** Deletes every key of the account; true if there was one. */
  deleteServiceAccountKeysOf(email: string): Promise<boolean>
  insertServiceAccountKey(key: ServiceAccountKeyRecord): Promise<boolean>
  /**
   * Holds the account's row until the transaction ends, so transactions that lock the same
   * account run one after the other (PostgreSQL: SELECT … FOR UPDATE; SQLite's one writer
   * already does). False if there is no such account.
   */
  lockServiceAccount(email: string): Promise<boolean>
  updateServiceAccountKey(key: ServiceAccountKeyRecord): Promise<boolean>
  deleteServiceAccountKey(keyId: string): Promise<boolean>
}
