// `runiam export`: reads every table of a store into one ExportDocument. The store has no read
// snapshot across statements, so the export reads between two looks at the change-feed revision
// and reads again when a write happened meanwhile: what it returns is one consistent state.
import { Code, IamError } from '@runiam/core'
import {
  type Page,
  type PageRequest,
  type ResourceKind,
  type ResourceRecord,
  type Store,
  type StoreReader,
} from '@runiam/store'
import { customerIdOf } from '../services/cloud-identity/group-model.js'
import { serviceAccountName } from '../services/iam/service-account-model.js'
import {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  NOT_INCLUDED,
  type ExportDocument,
  type ExportedSigningKey,
} from './export-document.js'

export interface ExportOptions {
  /** Include the issuer's private signing keys (a secret). */
  readonly includePrivateKeys: boolean
  /** Epoch milliseconds (the document's exportTime). */
  readonly now: number
  /** How many times to read again when writes keep happening during the export (default 5). */
  readonly attempts?: number
}

/** Parents before children: an import can then create each in file order. */
const KINDS: readonly ResourceKind[] = ['service', 'job', 'workerPool', 'execution', 'task']

async function all<T>(list: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = []
  let pageToken: string | undefined
  do {
    const page = await list(
      pageToken === undefined ? { pageSize: 1000 } : { pageSize: 1000, pageToken },
    )
    out.push(...page.items)
    pageToken = page.nextPageToken
  } while (pageToken !== undefined)
  return out
}

const byName = (a: { name: string }, b: { name: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : 0

type Tables = Omit<ExportDocument, 'format' | 'version' | 'source' | 'privateKeys' | 'notIncluded'>

async function readTables(store: StoreReader, includePrivateKeys: boolean): Promise<Tables> {
  const organization = (await store.getOrganization()) ?? null
  const projects = await all((p) => store.listProjects(p))
  const roleParents = [
    ...(organization === null ? [] : [`organizations/${organization.id}`]),
    ...projects.map((p) => `projects/${p.projectId}`),
  ]
  const customRoles = (
    await Promise.all(roleParents.map((parent) => store.listAllCustomRoles(parent)))
  ).flat()
  const resources: ResourceRecord[] = []
  for (const kind of KINDS)
    resources.push(...[...(await store.listAllResources(kind))].sort(byName))
  const serviceAccounts = (
    await Promise.all(
      projects.map((p) => all((page) => store.listServiceAccounts(p.projectId, page))),
    )
  ).flat()
  const serviceAccountKeys = (
    await Promise.all(serviceAccounts.map((sa) => store.listServiceAccountKeys(sa.email)))
  ).flat()
  const groups =
    organization === null
      ? []
      : await all((p) => store.listGroups(`customers/${customerIdOf(organization.id)}`, p))
  const memberships = (
    await Promise.all(groups.map((g) => all((p) => store.listMemberships(g.id, p))))
  ).flat()
  // Compat: allow policies are attached only to what a PolicyTarget names: the organization,
  // projects, services, jobs, worker pools and service accounts; so those names are every policy.
  const policyNames = [
    ...roleParents,
    ...resources
      .filter((r) => r.kind === 'service' || r.kind === 'job' || r.kind === 'workerPool')
      .map((r) => r.name),
    ...serviceAccounts.map((sa) => serviceAccountName(sa)),
  ]
  const found = await store.getPolicies(policyNames)
  const policies = [...found.values()].sort((a, b) =>
    a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0,
  )
  const orgPolicies = (
    await Promise.all(roleParents.map((parent) => all((p) => store.listOrgPolicies(parent, p))))
  ).flat()
  const signingKeys = [...(await store.listSigningKeys())]
    .sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0))
    .map((k): ExportedSigningKey => ({
      kid: k.kid,
      alg: k.alg,
      publicJwk: k.publicJwk,
      // A key imported without its private half has none to give (it only verifies).
      ...(includePrivateKeys && Object.keys(k.privateJwk).length > 0
        ? { privateJwk: k.privateJwk }
        : {}),
      createTime: k.createTime,
      ...(k.activateTime === undefined ? {} : { activateTime: k.activateTime }),
      ...(k.retireTime === undefined ? {} : { retireTime: k.retireTime }),
      ...(k.dropTime === undefined ? {} : { dropTime: k.dropTime }),
    }))
  return {
    organization,
    projects,
    customRoles,
    resources,
    serviceAccounts,
    serviceAccountKeys,
    groups,
    memberships,
    policies,
    orgPolicies,
    signingKeys,
  }
}

/** One consistent snapshot of the store as an ExportDocument. */
export async function exportStore(store: Store, options: ExportOptions): Promise<ExportDocument> {
  const attempts = options.attempts ?? 5
  for (let i = 0; i < attempts; i++) {
    const before = await store.revision()
    const tables = await readTables(store, options.includePrivateKeys)
    const after = await store.revision()
    if (after !== before) continue
    return {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      source: {
        engine: store.engine,
        revision: after,
        exportTime: new Date(options.now).toISOString(),
      },
      privateKeys: options.includePrivateKeys ? 'included' : 'omitted',
      notIncluded: NOT_INCLUDED,
      ...tables,
    }
  }
  throw new IamError(
    Code.ABORTED,
    'EXPORT_STORE_BUSY',
    `The store changed during each of ${attempts} attempts to export it; export from a quieter server (or a stopped one).`,
  )
}
