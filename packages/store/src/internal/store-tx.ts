// StoreTx over an engine's row writes: the semantics the contract suite pins (ALREADY_EXISTS,
// NOT_FOUND, compare-and-set on etags, one Change per write), written once for both engines.
import { EMPTY_POLICY_ETAG } from '@runiam/core'
import { serviceAccountResource, type StoredPolicy } from '../records.js'
import type { CustomRoleWriter } from '../custom-roles.js'
import type { AuditEntryWriter } from '../audit-entries.js'
import type { GroupWriter } from '../group-store.js'
import type { StoreReader, StoreTx } from '../store.js'
import { ChangeKind, type PendingChange } from './change-feed.js'
import {
  alreadyExists,
  invalidArgument,
  misuse,
  notFound,
  policyEtagMismatch,
  resourceEtagMismatch,
} from './errors.js'
import type { RowWrites } from './row-ops.js'
import { createGroupTx } from './group-tx.js'
import { createStoreReader } from './store-reader.js'
import { customRoleWriter } from './custom-role-ops.js'
import { recommenderWriter } from './recommender-ops.js'
import type { RecommenderWriter } from '../recommender-store.js'
import { denyPolicyWriter } from './deny-policy-ops.js'
import type { DenyPolicyWriter } from '../deny-policies.js'
import { auditEntryWriter } from './audit-entry-ops.js'

export interface TxHandle {
  readonly tx: StoreTx
  /** What the transaction changed, in order; revisions are given at commit. */
  readonly changes: PendingChange[]
  /** After commit or rollback the tx object refuses every call (it would run outside any tx). */
  close(): void
}

export function createStoreTx(rowWrites: RowWrites, now: () => string): TxHandle {
  let open = true
  const changes: PendingChange[] = []
  const rows = (): RowWrites => {
    if (!open)
      throw misuse('This transaction has already finished; use the tx only inside transact().')
    return rowWrites
  }
  const changed = (kind: string, name: string): void => {
    changes.push({ kind, name })
  }

  // The reader, group and custom-role parts are added with Object.assign, not spread into the
  // literal (see createStoreReader: the spread form cost ~35 µs per transaction). No key is in more
  // than one part.
  const own: Omit<
    StoreTx,
    | keyof StoreReader
    | keyof GroupWriter
    | keyof CustomRoleWriter
    | keyof RecommenderWriter
    | keyof DenyPolicyWriter
    | keyof AuditEntryWriter
  > = {
    async createOrganization(org) {
      if (!(await rows().insertOrganization(org))) {
        const existing = await rows().organization()
        throw alreadyExists('Organization', `organizations/${existing?.id ?? org.id}`)
      }
      changed(ChangeKind.organization, `organizations/${org.id}`)
    },

    async createProject(project) {
      if (!(await rows().insertProject(project))) {
        const byId = await rows().project(project.projectId)
        throw byId !== undefined && byId.projectId === project.projectId
          ? alreadyExists('Project', project.projectId)
          : alreadyExists('Project number', project.projectNumber)
      }
      changed(ChangeKind.project, `projects/${project.projectId}`)
    },

    async updateProject(project) {
      if (!(await rows().updateProject(project))) {
        const existing = await rows().project(project.projectId)
        if (existing === undefined || existing.projectId !== project.projectId) {
          throw notFound('Project', project.projectId)
        }
        throw invalidArgument(
          'PROJECT_NUMBER_IMMUTABLE',
          `The number of project '${project.projectId}' is ${existing.projectNumber} and cannot change to ${project.projectNumber}.`,
        )
      }
      changed(ChangeKind.project, `projects/${project.projectId}`)
    },

    async createResource(resource) {
      if (!(await rows().insertResource(resource))) throw alreadyExists('Resource', resource.name)
      changed(ChangeKind.resource, resource.name)
    },

    async updateResource(resource, options) {
      const ifEtag = options?.ifEtag
      if (!(await rows().updateResource(resource, ifEtag))) {
        const existing = await rows().resource(resource.name)
        if (existing === undefined) throw notFound('Resource', resource.name)
        throw resourceEtagMismatch(resource.name, ifEtag ?? '', existing.etag)
      }
      changed(ChangeKind.resource, resource.name)
    },

    async deleteResource(name) {
      if (!(await rows().deleteResource(name))) throw notFound('Resource', name)
      changed(ChangeKind.resource, name)
      // A deleted resource's policy goes with it (a new resource of the same name starts empty).
      if (await rows().deletePolicy(name)) changed(ChangeKind.policy, name)
    },

    async putPolicy(resource, policy, options) {
      const etag = policy.etag
      if (etag === undefined || etag === '') {
        throw misuse(
          `putPolicy('${resource}'): the policy has no etag; core computes it before writing.`,
        )
      }
      const stored: StoredPolicy = {
        resource,
        policy,
        etag,
        updateTime: options?.updateTime ?? now(),
      }
      const ifEtag = options?.ifEtag
      let written = true
      if (ifEtag === undefined) {
        await rows().upsertPolicy(stored)
      } else if (ifEtag === EMPTY_POLICY_ETAG) {
        // "ACAB" is the etag of no policy; a stored policy could in principle carry it too.
        written =
          (await rows().insertPolicy(stored)) || (await rows().replacePolicy(stored, ifEtag))
      } else {
        written = await rows().replacePolicy(stored, ifEtag)
      }
      if (!written) {
        const current = (await rows().policy(resource))?.etag ?? EMPTY_POLICY_ETAG
        throw policyEtagMismatch(ifEtag ?? '', current)
      }
      changed(ChangeKind.policy, resource)
      return stored
    },

    async deletePolicy(resource) {
      if (await rows().deletePolicy(resource)) changed(ChangeKind.policy, resource)
    },

    async createOrgPolicy(policy) {
      if (!(await rows().insertOrgPolicy(policy))) throw alreadyExists('Policy', policy.name)
      changed(ChangeKind.orgPolicy, policy.name)
    },

    async updateOrgPolicy(policy, options) {
      const ifEtag = options?.ifEtag
      if (!(await rows().updateOrgPolicy(policy, ifEtag))) {
        const existing = await rows().orgPolicy(policy.name)
        if (existing === undefined) throw notFound('Policy', policy.name)
        throw resourceEtagMismatch(policy.name, ifEtag ?? '', existing.etag)
      }
      changed(ChangeKind.orgPolicy, policy.name)
    },

    async deleteOrgPolicy(name, options) {
      const ifEtag = options?.ifEtag
      if (!(await rows().deleteOrgPolicy(name, ifEtag))) {
        const existing = await rows().orgPolicy(name)
        if (existing === undefined) throw notFound('Policy', name)
        throw resourceEtagMismatch(name, ifEtag ?? '', existing.etag)
      }
      changed(ChangeKind.orgPolicy, name)
    },

    async putOperation(op) {
      await rows().upsertOperation(op)
      changed(ChangeKind.operation, op.name)
    },

    async deleteOperation(name) {
      if (!(await rows().deleteOperation(name))) throw notFound('Operation', name)
      changed(ChangeKind.operation, name)
    },

    async putSigningKey(key) {
      await rows().upsertSigningKey(key)
      changed(ChangeKind.key, key.kid)
    },

    async deleteSigningKey(kid) {
      if (!(await rows().deleteSigningKey(kid))) throw notFound('Signing key', kid)
      changed(ChangeKind.key, kid)
    },

    async lockSigningKeys() {
      await rows().lockSigningKeys()
    },

    async createServiceAccount(sa) {
      if (!(await rows().insertServiceAccount(sa))) {
        const byEmail = await rows().serviceAccount(sa.email)
        throw byEmail !== undefined && byEmail.email === sa.email
          ? alreadyExists('Service account', sa.email)
          : alreadyExists('Service account unique id', sa.uniqueId)
      }
      changed(ChangeKind.serviceAccount, serviceAccountResource(sa))
    },

    async updateServiceAccount(sa) {
      if (!(await rows().updateServiceAccount(sa))) throw notFound('Service account', sa.email)
      changed(ChangeKind.serviceAccount, serviceAccountResource(sa))
    },

    async deleteServiceAccount(email) {
      const sa = await rows().serviceAccount(email)
      if (sa === undefined || sa.email !== email || !(await rows().deleteServiceAccount(email))) {
        throw notFound('Service account', email)
      }
      const name = serviceAccountResource(sa)
      // Its keys and its policy go with it: a new account of the same email starts afresh.
      if (await rows().deleteServiceAccountKeysOf(email)) {
        changed(ChangeKind.serviceAccountKey, `${name}/keys/-`)
      }
      changed(ChangeKind.serviceAccount, name)
      if (await rows().deletePolicy(name)) changed(ChangeKind.policy, name)
    },

    async lockServiceAccount(email) {
      if (!(await rows().lockServiceAccount(email))) throw notFound('Service account', email)
    },

    async createServiceAccountKey(key) {
      const sa = await rows().serviceAccount(key.serviceAccountEmail)
      if (sa === undefined || sa.email !== key.serviceAccountEmail) {
        throw notFound('Service account', key.serviceAccountEmail)
      }
      if (!(await rows().insertServiceAccountKey(key))) {
        throw alreadyExists('Service account key', key.keyId)
      }
      changed(ChangeKind.serviceAccountKey, `${serviceAccountResource(sa)}/keys/${key.keyId}`)
    },

    async updateServiceAccountKey(key) {
      if (!(await rows().updateServiceAccountKey(key))) {
        throw notFound('Service account key', key.keyId)
      }
      changed(ChangeKind.serviceAccountKey, key.keyId)
    },

    async deleteServiceAccountKey(keyId) {
      if (!(await rows().deleteServiceAccountKey(keyId))) {
        throw notFound('Service account key', keyId)
      }
      changed(ChangeKind.serviceAccountKey, keyId)
    },
  }
  const tx: StoreTx = Object.assign(
    own,
    createStoreReader(rows),
    createGroupTx(() => rows().groups, changed),
    customRoleWriter(() => rows().customRoles, changed),
    recommenderWriter(() => rows().recommender),
    denyPolicyWriter(() => rows().denyPolicies, changed),
    auditEntryWriter(() => rows().auditEntries),
  )

  return {
    tx,
    changes,
    close() {
      open = false
    },
  }
}
