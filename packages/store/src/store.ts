// The Store interface: everything the server persists goes through it. Two engines implement it
// (sqlite/, postgres/) and one contract suite (store.contract.ts) pins its behaviour on both.
// Absence is `undefined`; conflicts are IamErrors (ALREADY_EXISTS, ABORTED); driver errors never
// leave an engine untranslated.
import type { Policy } from '@runiam/core'
import type { GroupReader, GroupWriter } from './group-store.js'
import type {
  Change,
  ChangeBatch,
  OperationRecord,
  OrganizationRecord,
  OrgPolicyRecord,
  Page,
  PageRequest,
  ProjectRecord,
  ResourceKind,
  ResourceRecord,
  ServiceAccountKeyRecord,
  ServiceAccountRecord,
  SigningKeyRecord,
  StoredPolicy,
} from './records.js'
import type { CustomRoleReader, CustomRoleWriter } from './custom-roles.js'
import type { RecommenderReader, RecommenderWriter } from './recommender-store.js'
import type { DenyPolicyReader, DenyPolicyWriter } from './deny-policies.js'
import type { AuditEntryReader, AuditEntryWriter } from './audit-entries.js'

export interface StoreReader
  extends GroupReader, CustomRoleReader, RecommenderReader, DenyPolicyReader, AuditEntryReader {
  getOrganization(): Promise<OrganizationRecord | undefined>
  /** By project id or project number. */
  getProject(idOrNumber: string): Promise<ProjectRecord | undefined>
  listProjects(page?: PageRequest): Promise<Page<ProjectRecord>>
  getResource(name: string): Promise<ResourceRecord | undefined>
  /** The kind of the resource stored under `name`, if any: its body is not read (existence checks). */
  getResourceKind(name: string): Promise<ResourceKind | undefined>
  /** Resources of one kind under `projects/p/locations/l`, ordered by name. */
  listResources(
    parent: string,
    kind: ResourceKind,
    page?: PageRequest,
  ): Promise<Page<ResourceRecord>>
  /** Every resource of a kind in every project and location (the gateway's host index). */
  listAllResources(kind: ResourceKind): Promise<readonly ResourceRecord[]>
  getPolicy(resource: string): Promise<StoredPolicy | undefined>
  /** Several at once (organization, project and resource policies for one decision). */
  getPolicies(resources: readonly string[]): Promise<ReadonlyMap<string, StoredPolicy>>
  getOperation(name: string): Promise<OperationRecord | undefined>
  /**
   * Operations whose name starts with `prefix` (e.g. `projects/p/locations/l/operations/`),
   * ordered by name (bytewise), paged.
   */
  listOperations(prefix: string, page?: PageRequest): Promise<Page<OperationRecord>>
  /** An organization policy by its name (parent by project id, never number). */
  getOrgPolicy(name: string): Promise<OrgPolicyRecord | undefined>
  /** The organization policies set on `projects/p` or `organizations/o`, ordered by name. */
  listOrgPolicies(parent: string, page?: PageRequest): Promise<Page<OrgPolicyRecord>>
  listSigningKeys(): Promise<readonly SigningKeyRecord[]>
  /** By email (case-insensitive) or unique id. */
  getServiceAccount(emailOrUniqueId: string): Promise<ServiceAccountRecord | undefined>
  /** The project's service accounts, ordered by email. */
  listServiceAccounts(projectId: string, page?: PageRequest): Promise<Page<ServiceAccountRecord>>
  getServiceAccountKey(keyId: string): Promise<ServiceAccountKeyRecord | undefined>
  /** The account's keys, ordered by key id. */
  listServiceAccountKeys(email: string): Promise<readonly ServiceAccountKeyRecord[]>
}

export interface PutPolicyOptions {
  /**
   * Compare-and-set: the write succeeds only if the stored etag equals this one (a resource with no
   * policy has etag "ACAB"). Absent: unconditional overwrite. Mismatch: ABORTED / ETAG_MISMATCH.
   */
  readonly ifEtag?: string
  /** RFC 3339 time recorded as StoredPolicy.updateTime. Absent: the store's clock. */
  readonly updateTime?: string
}

export interface StoreTx
  extends
    StoreReader,
    GroupWriter,
    CustomRoleWriter,
    RecommenderWriter,
    DenyPolicyWriter,
    AuditEntryWriter {
  /** Creates the organization node; ALREADY_EXISTS if there is one. */
  createOrganization(org: OrganizationRecord): Promise<void>
  /** ALREADY_EXISTS if the project id or number is taken. */
  createProject(project: ProjectRecord): Promise<void>
  /** Replaces the record, matched by project id. NOT_FOUND if missing; the number never changes. */
  updateProject(project: ProjectRecord): Promise<void>
  /** ALREADY_EXISTS if the name is taken. */
  createResource(resource: ResourceRecord): Promise<void>
  /**
   * Replaces the record (matched by name). Compare-and-set on `ifEtag` when given: mismatch is
   * ABORTED / ETAG_MISMATCH. NOT_FOUND if missing.
   */
  updateResource(resource: ResourceRecord, options?: { readonly ifEtag?: string }): Promise<void>
  /** Also deletes the resource's policy. NOT_FOUND if missing. */
  deleteResource(name: string): Promise<void>
  /** `policy` is already validated and canonical, with its new etag set (core computes etags). */
  putPolicy(resource: string, policy: Policy, options?: PutPolicyOptions): Promise<StoredPolicy>
  /** Removes the resource's policy; nothing to remove is not an error (absence is normal in IAM). */
  deletePolicy(resource: string): Promise<void>
  /** ALREADY_EXISTS if a policy of that name is set. */
  createOrgPolicy(policy: OrgPolicyRecord): Promise<void>
  /**
   * Replaces the record (matched by name). Compare-and-set on `ifEtag` when given: mismatch is
   * ABORTED / ETAG_MISMATCH. NOT_FOUND if missing.
   */
  updateOrgPolicy(policy: OrgPolicyRecord, options?: { readonly ifEtag?: string }): Promise<void>
  /** NOT_FOUND if missing; ABORTED / ETAG_MISMATCH when `ifEtag` is given and differs. */
  deleteOrgPolicy(name: string, options?: { readonly ifEtag?: string }): Promise<void>
  /** Creates or replaces. */
  putOperation(op: OperationRecord): Promise<void>
  /** NOT_FOUND if missing. */
  deleteOperation(name: string): Promise<void>
  /** Creates or replaces (retiring a key re-puts it with retireTime). */
  putSigningKey(key: SigningKeyRecord): Promise<void>
  /** Deletes a signing key (once it is past its dropTime). NOT_FOUND if missing. */
  deleteSigningKey(kid: string): Promise<void>
  /**
   * Holds runiam's signing keys until the transaction ends: transactions that lock them run one
   * after the other, so "create a key unless there is one" and "rotate unless a rotation is
   * pending" stay exact when several replicas do it at once (PostgreSQL: an advisory lock).
   */
  lockSigningKeys(): Promise<void>
  /** ALREADY_EXISTS if the email or the unique id is taken. */
  createServiceAccount(sa: ServiceAccountRecord): Promise<void>
  /** Replaces the record, matched by email. NOT_FOUND if missing. */
  updateServiceAccount(sa: ServiceAccountRecord): Promise<void>
  /** Also deletes its keys and its allow policy. NOT_FOUND if missing. */
  deleteServiceAccount(email: string): Promise<void>
  /**
   * Holds the service account until the transaction ends: transactions that lock the same
   * account run one after the other, so a count of its keys read after the lock stays true
   * until commit (a limit cannot be passed by concurrent writers). NOT_FOUND if missing.
   */
  lockServiceAccount(email: string): Promise<void>
  /** ALREADY_EXISTS if the key id is taken; NOT_FOUND if the account is missing. */
  createServiceAccountKey(key: ServiceAccountKeyRecord): Promise<void>
  /** Replaces the record (disable/enable), matched by key id. NOT_FOUND if missing. */
  updateServiceAccountKey(key: ServiceAccountKeyRecord): Promise<void>
  /** NOT_FOUND if missing. */
  deleteServiceAccountKey(keyId: string): Promise<void>
}

export interface PruneOptions {
  readonly olderThanSeconds: number
  readonly keepNewest: number
}

/**
 * Follows the change feed of a database shared with other processes (replicas): it refreshes on
 * their commits' notices, reconnects after a lost connection, and says whether this process is
 * caught up, which is when its decisions may be trusted.
 */
export interface FeedFollower {
  /** This replica's id among the replicas of its database. */
  readonly replicaId: number
  /**
   * True while the follower is connected and has applied everything it was told of: decisions
   * made now use current policy. A plain field read (the gateway checks it on every request).
   */
  readonly following: boolean
  /** Why `following` is false ('connecting', 'disconnected', 'lagging'), or 'ok'. */
  readonly state: 'ok' | 'connecting' | 'disconnected' | 'lagging' | 'closed'
  /**
   * Resolves when every other live replica (a replica is live while its follower connection is)
   * has applied every change up to `revision`. Rejects when `signal` aborts first.
   */
  settle(revision: number, signal: AbortSignal): Promise<void>
  /** The other live replicas' ids, as last read. */
  peers(): readonly number[]
}

export interface Store extends StoreReader {
  readonly engine: 'sqlite' | 'postgres'
  /**
   * Runs `fn` in one transaction: commit when it resolves, roll back when it throws. Writes are
   * serialized (SQLite: one writer behind an async mutex with BEGIN IMMEDIATE; PostgreSQL:
   * per-transaction client). Do no network I/O inside `fn`. PostgreSQL may run `fn` again after a
   * serialization failure or deadlock (bounded; then ABORTED), or after its connection died before
   * COMMIT was sent, so keep it free of outside effects. A rejected promise never hides a commit,
   * except STORE_COMMIT_UNKNOWN (UNAVAILABLE): the connection died during COMMIT and the database
   * could not say how it ended. A resolved promise means the transaction is durable.
   * Calling transact() from inside `fn` is refused (INTERNAL/BUG): use the tx you were given.
   */
  transact<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>
  /** The newest committed revision of the change feed. */
  revision(): Promise<number>
  /** Changes with revision > `after`, oldest first, at most `limit`. */
  changesSince(after: number, limit?: number): Promise<ChangeBatch>
  /**
   * Called after every commit of this process with the changes it made (in-process feed; other
   * replicas catch up with changesSince). Returns an unsubscribe function.
   */
  onChange(listener: (changes: readonly Change[]) => void): () => void
  /**
   * Delivers to the onChange listeners what other processes (PostgreSQL replicas, workers on one
   * SQLite file) committed since appliedRevision(), and resolves with the new appliedRevision().
   * This process's own commits were delivered at commit. A change may reach the listeners twice
   * (they invalidate caches, so that is harmless), never not at all. History from before the store
   * was opened is never replayed. Calls made while one runs share one follow-up run that sees
   * everything committed before the call.
   */
  refresh(): Promise<number>
  /** Every change up to this revision has reached this process's onChange listeners. */
  appliedRevision(): number
  /** The newest revision this process committed since it opened the store (0: none). */
  committedRevision(): number
  /**
   * Deletes change-feed entries older than `olderThanSeconds`, except the newest `keepNewest`
   * (at least 1), and resolves with how many went. A process whose appliedRevision() is older
   * than what remains hears a change of kind 'reset' at its next refresh(). Safe to run from
   * several processes at once (PostgreSQL: one at a time does the work, the others return 0).
   */
  pruneChanges(options: PruneOptions): Promise<number>
  /**
   * PostgreSQL replicas only (opened with `follow`): how this process follows the others' commits
   * and how a write waits for them. Absent on engines that have no other processes to follow.
   */
  readonly follower?: FeedFollower | undefined
  /**
   * Resolves when the engine can serve right now (a trivial read); otherwise throws UNAVAILABLE
   * (STORE_UNAVAILABLE, or STORE_CLOSED after close()). Answers within about 2 s whatever the
   * database does: readiness checks (`/readyz`) call it.
   */
  ping(): Promise<void>
  close(): Promise<void>
}
