// The export file's shape (`runiam export` / `runiam import`), version 1: every table of the store
// as the records the store keeps, so an import writes back exactly what was read. Changing a
// record's meaning means a new version number here, never a silent change of version 1.
import type {
  CustomRoleRecord,
  GroupRecord,
  MembershipRecord,
  OrganizationRecord,
  OrgPolicyRecord,
  ProjectRecord,
  ResourceRecord,
  ServiceAccountKeyRecord,
  ServiceAccountRecord,
  StoredPolicy,
} from '@runiam/store'

export const EXPORT_FORMAT = 'runiam-export'
export const EXPORT_VERSION = 1

/** An issuer signing key; `privateJwk` only in an export made with --include-private-keys. */
export interface ExportedSigningKey {
  readonly kid: string
  readonly alg: string
  readonly publicJwk: Readonly<Record<string, unknown>>
  readonly privateJwk?: Readonly<Record<string, unknown>>
  readonly createTime: string
  readonly activateTime?: string
  readonly retireTime?: string
  readonly dropTime?: string
}

/** What the document says of where it came from: informative, never compared or imported. */
export interface ExportSource {
  readonly engine: 'sqlite' | 'postgres'
  /** The change-feed revision the export is a snapshot of. */
  readonly revision: number
  readonly exportTime: string
}

export interface ExportDocument {
  readonly format: typeof EXPORT_FORMAT
  readonly version: typeof EXPORT_VERSION
  readonly source: ExportSource
  /** 'omitted': no private key is in the file (the default). */
  readonly privateKeys: 'included' | 'omitted'
  /** What an export never holds, for the reader of the file. */
  readonly notIncluded: readonly string[]
  readonly organization: OrganizationRecord | null
  readonly projects: readonly ProjectRecord[]
  readonly customRoles: readonly CustomRoleRecord[]
  /** Services, jobs, worker pools, then executions, then tasks (parents before children). */
  readonly resources: readonly ResourceRecord[]
  readonly serviceAccounts: readonly ServiceAccountRecord[]
  readonly serviceAccountKeys: readonly ServiceAccountKeyRecord[]
  readonly groups: readonly GroupRecord[]
  readonly memberships: readonly MembershipRecord[]
  readonly policies: readonly StoredPolicy[]
  readonly orgPolicies: readonly OrgPolicyRecord[]
  readonly signingKeys: readonly ExportedSigningKey[]
}

/** The sections holding records, in the order an import writes them (referenced before referrer). */
export const SECTIONS = [
  'organization',
  'projects',
  'customRoles',
  'resources',
  'serviceAccounts',
  'serviceAccountKeys',
  'groups',
  'memberships',
  'policies',
  'orgPolicies',
  'signingKeys',
] as const

export const NOT_INCLUDED: readonly string[] = [
  'operations (long-running operation records are transient)',
  'service-account private keys (runiam never stores them; key files already issued keep working)',
  'the bootstrap key file of the data folder (copy it yourself if you use it)',
  'the change-feed history (the importing store starts its own)',
  'recorded grant usage and recommendation states (the importing store starts observing anew)',
]
