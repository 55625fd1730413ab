// Wires the transport-free services over one store and one permission checker. The admin HTTP
// layer (and any other transport) calls these.
import type { PrincipalSet } from '@runiam/core/authorizer'
import type { Store } from '@runiam/store'
import type { Caller } from './caller.js'
import { CloudRunServices } from './run/cloud-run-services.js'
import type { ServiceContext } from './context.js'
import { IamPolicyService } from './iam-policy/iam-policy-service.js'
import { OperationService } from './operation-service.js'
import { OrganizationService } from './resource-manager/organization-service.js'
import { HierarchyService } from './resource-manager/hierarchy-service.js'
import { OrgPolicyService } from './org-policy/org-policy-service.js'
import { PermissionChecker } from './permission-checker.js'
import { ProjectService } from './resource-manager/project-service.js'
import './reasons.js'
import { LogEntriesService } from './logging/log-entries-service.js'
import type { ServiceLogReader } from './logging/service-log-reader.js'
import { ServiceAccountKeyService } from './iam/service-account-keys.js'
import type { ServiceAccountTokenSigner } from './iam/service-account-model.js'
import { ServiceAccountTokenService } from './iam/service-account-tokens.js'
import { ServiceAccountService } from './iam/service-accounts.js'
import { UpstreamPolicy } from './run/upstream-policy.js'

export interface ServicesOptions {
  readonly store: Store
  now(): number
  readonly runDomain: string
  readonly servicePort: number
  principals?(caller: Caller | undefined): Promise<PrincipalSet>
  /** What local service processes printed (entries:list); without it no entries are found. */
  readonly serviceLogs?: ServiceLogReader
  /** Mints service account tokens and writes key files; without it those methods fail. */
  readonly serviceAccountTokens?: ServiceAccountTokenSigner
  /** Which upstreams services may name; without it none may (the built-in responder serves). */
  readonly upstreams?: UpstreamPolicy
}

export interface Services {
  readonly checker: PermissionChecker
  readonly iam: IamPolicyService
  readonly organizations: OrganizationService
  readonly projects: ProjectService
  readonly runServices: CloudRunServices
  readonly operations: OperationService
  readonly orgPolicies: OrgPolicyService
  readonly serviceAccounts: ServiceAccountService
  readonly serviceAccountKeys: ServiceAccountKeyService
  readonly serviceAccountTokens: ServiceAccountTokenService
  readonly logEntries: LogEntriesService
  /** organizations.search and projects.getAncestry. */
  readonly hierarchy: HierarchyService
  /** Stops following the store's change feed. */
  close(): void
}

export function createServices(options: ServicesOptions): Services {
  const checker = new PermissionChecker(options.store, {
    now: options.now,
    ...(options.principals === undefined ? {} : { principals: options.principals }),
  })
  const ctx: ServiceContext = {
    store: options.store,
    checker,
    now: options.now,
    runDomain: options.runDomain,
    servicePort: options.servicePort,
  }
  const upstreams =
    options.upstreams ??
    new UpstreamPolicy({
      allow: [],
      self: { port: options.servicePort, hosts: [] },
      runDomain: options.runDomain,
    })
  return {
    checker,
    iam: new IamPolicyService(ctx),
    organizations: new OrganizationService(ctx),
    projects: new ProjectService(ctx),
    runServices: new CloudRunServices(ctx, upstreams),
    operations: new OperationService(ctx),
    orgPolicies: new OrgPolicyService(ctx),
    serviceAccounts: new ServiceAccountService(ctx),
    serviceAccountKeys: new ServiceAccountKeyService(ctx, options.serviceAccountTokens),
    serviceAccountTokens: new ServiceAccountTokenService(ctx, options.serviceAccountTokens),
    logEntries: new LogEntriesService(checker, options.serviceLogs),
    hierarchy: new HierarchyService(ctx),
    close: () => checker.close(),
  }
}
