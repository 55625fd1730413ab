// StoreTx over an engine's row writes: the semantics the contract suite pins (ALREADY_EXISTS,
// NOT_FOUND, compare-and-set on etags, one Change per write), written once for both engines.
import { EMPTY_POLICY_ETAG, type IamError } from '@runiam/core'
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
import { groupWriterMethods } from './group-tx.js'
import { storeReaderMethods } from './store-reader.js'
import { customRoleWriterMethods } from './custom-role-ops.js'
import { recommenderWriterMethods } from './recommender-ops.js'
import type { RecommenderWriter } from '../recommender-store.js'
import { denyPolicyWriterMethods } from './deny-policy-ops.js'
import type { DenyPolicyWriter } from '../deny-policies.js'
import { auditEntryWriterMethods } from './audit-entry-ops.js'
import { CHANGED, ROWS, type WriteHost } from './row-host.js'

export interface TxHandle {
  readonly tx: StoreTx
  /** What the transaction changed, in order; revisions are given at commit. */
  readonly changes: PendingChange[]
  /** After commit or rollback the tx object refuses every call (it would run outside any tx). */
  close(): void
}

const WRITES = Symbol('writes')
const NOW = Symbol('now')
const CHANGES = Symbol('changes')

/** What StoreTx's own methods see as `this`: the rows, the change log and the clock. */
interface TxHost extends WriteHost {
  [NOW](): string
}

/** StoreTx's methods besides the reader's and the parts' (see row-host.ts). */
const own: Omit<
  StoreTx,
  | keyof StoreReader
  | keyof GroupWriter
  | keyof CustomRoleWriter
  | keyof RecommenderWriter
  | keyof DenyPolicyWriter
  | keyof AuditEntryWriter
> &
  ThisType<TxHost> = {
  async createOrganization(org) {
    if (!(await this[ROWS]().insertOrganization(org))) {
      const existing = await this[ROWS]().organization()
      throw alreadyExists('Organization', `organizations/${existing?.id ?? org.id}`)
    }
    this[CHANGED](ChangeKind.organization, `organizations/${org.id}`)
  },

  async createProject(project) {
    if (!(await this[ROWS]().insertProject(project))) {
      const byId = await this[ROWS]().project(project.projectId)
      throw byId !== undefined && byId.projectId === project.projectId
        ? alreadyExists('Project', project.projectId)
        : alreadyExists('Project number', project.projectNumber)
    }
    this[CHANGED](ChangeKind.project, `projects/${project.projectId}`)
  },

  async updateProject(project) {
    if (!(await this[ROWS]().updateProject(project))) {
      const existing = await this[ROWS]().project(project.projectId)
      if (existing === undefined || existing.projectId !== project.projectId) {
        throw notFound('Project', project.projectId)
      }
      throw invalidArgument(
        'PROJECT_NUMBER_IMMUTABLE',
        `The number of project '${project.projectId}' is ${existing.projectNumber} and cannot change to ${project.projectNumber}.`,
      )
    }
    this[CHANGED](ChangeKind.project, `projects/${project.projectId}`)
  },

  async createResource(resource) {
    if (!(await this[ROWS]().insertResource(resource)))
      throw alreadyExists('Resource', resource.name)
    this[CHANGED](ChangeKind.resource, resource.name)
  },

  async updateResource(resource, options) {
    const ifEtag = options?.ifEtag
    if (!(await this[ROWS]().updateResource(resource, ifEtag))) {
      const existing = await this[ROWS]().resource(resource.name)
      if (existing === undefined) throw notFound('Resource', resource.name)
      throw resourceEtagMismatch(resource.name, ifEtag ?? '', existing.etag)
    }
    this[CHANGED](ChangeKind.resource, resource.name)
  },

  async deleteResource(name) {
    if (!(await this[ROWS]().deleteResource(name))) throw notFound('Resource', name)
    this[CHANGED](ChangeKind.resource, name)
    // A deleted resource's policy goes with it (a new resource of the same name starts empty).
    if (await this[ROWS]().deletePolicy(name)) this[CHANGED](ChangeKind.policy, name)
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
      updateTime: options?.updateTime ?? this[NOW](),
    }
    const ifEtag = options?.ifEtag
    let written = true
    if (ifEtag === undefined) {
      await this[ROWS]().upsertPolicy(stored)
    } else if (ifEtag === EMPTY_POLICY_ETAG) {
      // "ACAB" is the etag of no policy; a stored policy could in principle carry it too.
      written =
        (await this[ROWS]().insertPolicy(stored)) ||
        (await this[ROWS]().replacePolicy(stored, ifEtag))
    } else {
      written = await this[ROWS]().replacePolicy(stored, ifEtag)
    }
    if (!written) {
      const current = (await this[ROWS]().policy(resource))?.etag ?? EMPTY_POLICY_ETAG
      throw policyEtagMismatch(ifEtag ?? '', current)
    }
    this[CHANGED](ChangeKind.policy, resource)
    return stored
  },

  async deletePolicy(resource) {
    if (await this[ROWS]().deletePolicy(resource)) this[CHANGED](ChangeKind.policy, resource)
  },

  async createOrgPolicy(policy) {
    if (!(await this[ROWS]().insertOrgPolicy(policy))) throw alreadyExists('Policy', policy.name)
    this[CHANGED](ChangeKind.orgPolicy, policy.name)
  },

  async updateOrgPolicy(policy, options) {
    const ifEtag = options?.ifEtag
    if (!(await this[ROWS]().updateOrgPolicy(policy, ifEtag))) {
      const existing = await this[ROWS]().orgPolicy(policy.name)
      if (existing === undefined) throw notFound('Policy', policy.name)
      throw resourceEtagMismatch(policy.name, ifEtag ?? '', existing.etag)
    }
    this[CHANGED](ChangeKind.orgPolicy, policy.name)
  },

  async deleteOrgPolicy(name, options) {
    const ifEtag = options?.ifEtag
    if (!(await this[ROWS]().deleteOrgPolicy(name, ifEtag))) {
      const existing = await this[ROWS]().orgPolicy(name)
      if (existing === undefined) throw notFound('Policy', name)
      throw resourceEtagMismatch(name, ifEtag ?? '', existing.etag)
    }
    this[CHANGED](ChangeKind.orgPolicy, name)
  },

  async putOperation(op) {
    await this[ROWS]().upsertOperation(op)
    this[CHANGED](ChangeKind.operation, op.name)
  },

  async deleteOperation(name) {
    if (!(await this[ROWS]().deleteOperation(name))) throw notFound('Operation', name)
    this[CHANGED](ChangeKind.operation, name)
  },

  async putSigningKey(key) {
    await this[ROWS]().upsertSigningKey(key)
    this[CHANGED](ChangeKind.key, key.kid)
  },

  async deleteSigningKey(kid) {
    if (!(await this[ROWS]().deleteSigningKey(kid))) throw notFound('Signing key', kid)
    this[CHANGED](ChangeKind.key, kid)
  },

  async lockSigningKeys() {
    await this[ROWS]().lockSigningKeys()
  },

  async createServiceAccount(sa) {
    if (!(await this[ROWS]().insertServiceAccount(sa))) {
      const byEmail = await this[ROWS]().serviceAccount(sa.email)
      throw byEmail !== undefined && byEmail.email === sa.email
        ? alreadyExists('Service account', sa.email)
        : alreadyExists('Service account unique id', sa.uniqueId)
    }
    this[CHANGED](ChangeKind.serviceAccount, serviceAccountResource(sa))
  },

  async updateServiceAccount(sa) {
    if (!(await this[ROWS]().updateServiceAccount(sa))) throw notFound('Service account', sa.email)
    this[CHANGED](ChangeKind.serviceAccount, serviceAccountResource(sa))
  },

  async deleteServiceAccount(email) {
    const sa = await this[ROWS]().serviceAccount(email)
    if (
      sa === undefined ||
      sa.email !== email ||
      !(await this[ROWS]().deleteServiceAccount(email))
    ) {
      throw notFound('Service account', email)
    }
    const name = serviceAccountResource(sa)
    // Its keys and its policy go with it: a new account of the same email starts afresh.
    if (await this[ROWS]().deleteServiceAccountKeysOf(email)) {
      this[CHANGED](ChangeKind.serviceAccountKey, `${name}/keys/-`)
    }
    this[CHANGED](ChangeKind.serviceAccount, name)
    if (await this[ROWS]().deletePolicy(name)) this[CHANGED](ChangeKind.policy, name)
  },

  async lockServiceAccount(email) {
    if (!(await this[ROWS]().lockServiceAccount(email))) throw notFound('Service account', email)
  },

  async createServiceAccountKey(key) {
    const sa = await this[ROWS]().serviceAccount(key.serviceAccountEmail)
    if (sa === undefined || sa.email !== key.serviceAccountEmail) {
      throw notFound('Service account', key.serviceAccountEmail)
    }
    if (!(await this[ROWS]().insertServiceAccountKey(key))) {
      throw alreadyExists('Service account key', key.keyId)
    }
    this[CHANGED](ChangeKind.serviceAccountKey, `${serviceAccountResource(sa)}/keys/${key.keyId}`)
  },

  async updateServiceAccountKey(key) {
    if (!(await this[ROWS]().updateServiceAccountKey(key))) {
      throw notFound('Service account key', key.keyId)
    }
    this[CHANGED](ChangeKind.serviceAccountKey, key.keyId)
  },

  async deleteServiceAccountKey(keyId) {
    if (!(await this[ROWS]().deleteServiceAccountKey(keyId))) {
      throw notFound('Service account key', keyId)
    }
    this[CHANGED](ChangeKind.serviceAccountKey, keyId)
  },
}

/**
 * One transaction's state; every method of StoreTx is on the prototype, shared by all
 * transactions. Symbol-keyed fields, not #private ones: a tx wrapped in a Proxy (tests do)
 * still reaches them through the Proxy.
 */
class Tx implements TxHost {
  readonly [WRITES]: RowWrites
  readonly [NOW]: () => string
  readonly [CHANGES]: PendingChange[] = []

  constructor(rowWrites: RowWrites, now: () => string) {
    this[WRITES] = rowWrites
    this[NOW] = now
  }

  [ROWS](): RowWrites {
    return this[WRITES]
  }

  [CHANGED](kind: string, name: string): void {
    this[CHANGES].push({ kind, name })
  }
}

const txMethods: StoreTx & ThisType<TxHost> = Object.assign(
  {},
  storeReaderMethods,
  own,
  groupWriterMethods,
  customRoleWriterMethods,
  recommenderWriterMethods,
  denyPolicyWriterMethods,
  auditEntryWriterMethods,
)
Object.assign(Tx.prototype, txMethods)

const finished = (): IamError =>
  misuse('This transaction has already finished; use the tx only inside transact().')

/**
 * A finished tx's prototype: every StoreTx method rejects, whatever its arguments (even one that
 * would touch no row, such as an empty batch), and a method still running when its transaction
 * ended is refused at its next row access.
 */
const closedTx: object = Object.assign(
  Object.fromEntries(
    Object.keys(txMethods).map((name) => [
      name,
      async (): Promise<never> => {
        throw finished()
      },
    ]),
  ),
  {
    [ROWS](): never {
      throw finished()
    },
    [CHANGED](): never {
      throw finished()
    },
  },
)

export function createStoreTx(rowWrites: RowWrites, now: () => string): TxHandle {
  const tx = new Tx(rowWrites, now)
  return {
    // The prototype carries every StoreTx method (Object.assign above).
    tx: tx as Tx & StoreTx,
    changes: tx[CHANGES],
    close() {
      Object.setPrototypeOf(tx, closedTx)
    },
  }
}
