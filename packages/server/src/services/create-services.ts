// Wires the transport-free services over one store and one permission checker. The admin HTTP
// layer (and any other transport) calls these.
import type { PrincipalSet } from '@runiam/core/authorizer'
import type { Store } from '@runiam/store'
import type { Caller } from './caller.js'
import { CloudRunServices } from './run/cloud-run-services.js'
import { KnativeServices } from './run/knative-services.js'
import { KnativeJobs } from './run/knative-jobs.js'
import { CloudRunWorkerPools } from './run/cloud-run-worker-pools.js'
import { RunOperations } from './run/run-operations.js'
import type { ServiceContext } from './context.js'
import { IamPolicyService } from './iam-policy/iam-policy-service.js'
import { OperationService } from './operation-service.js'
import { OrganizationService } from './resource-manager/organization-service.js'
import { HierarchyService } from './resource-manager/hierarchy-service.js'
import { OrgPolicyService } from './org-policy/org-policy-service.js'
import { DenyPolicyService } from './iam/deny-policy-service.js'
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
import { CloudIdentityGroupService } from './cloud-identity/cloud-identity-groups.js'
import { GroupDirectory } from './cloud-identity/group-directory.js'
import { CustomRoleService } from './iam/custom-roles.js'
import { createJobServices, type JobServices, type JobServicesOptions } from './run/job-services.js'
import type { ScheduleTimes } from './keys/key-schedule.js'
import { SigningKeyService } from './keys/signing-key-service.js'
import { PolicyAnalysisService } from './asset/policy-analysis-service.js'
import { RecommenderService } from './recommender/recommender-service.js'
import { UsageRecorder } from './recommender/usage-recorder.js'
import { TroubleshooterService } from './troubleshooter/troubleshooter-service.js'
import { AuditLogService, type AuditOptions } from './audit/audit-log-service.js'

export interface ServicesOptions {
  readonly store: Store
  now(): number
  readonly runDomain: string
  readonly servicePort: number
  principals?(caller: Caller | undefined): Promise<PrincipalSet>
  /** What local service processes printed (entries:list); without it no entries are found. */
  readonly serviceLogs?: ServiceLogReader
  /** What local worker pool processes printed (entries:list, resource.type cloud_run_worker_pool). */
  readonly workerPoolLogs?: ServiceLogReader
  /** Mints service account tokens and writes key files; without it those methods fail. */
  readonly serviceAccountTokens?: ServiceAccountTokenSigner
  /** Which upstreams services may name; without it none may (the built-in responder serves). */
  readonly upstreams?: UpstreamPolicy
  /** Jobs: how executions run (local processes) and where their output is read. */
  readonly jobs?: JobServicesOptions
  /** The signing key schedule rotation writes (default: main.ts's defaults, 600 s and 1 h). */
  readonly signingKeys?: ScheduleTimes
  /** The recommenders' observation window, ms (default 90 days). */
  readonly recommenderWindowMs?: number
  /** Resources each decision cache keeps compiled (default 100,000; --decision-cache-entries). */
  readonly decisionCacheEntries?: number
  /** Told of a failed usage flush (main.ts logs it). */
  usageFlushFailed?(error: unknown): void
  /** Cloud Audit Logs (default: admin writes only, kept 400 days). */
  readonly audit?: AuditOptions
}

export interface Services {
  readonly checker: PermissionChecker
  readonly iam: IamPolicyService
  readonly organizations: OrganizationService
  readonly projects: ProjectService
  readonly runServices: CloudRunServices
  /** Cloud Run v1 (Knative) services: a view of the same stored services. */
  readonly knativeServices: KnativeServices
  readonly workerPools: CloudRunWorkerPools
  /** Cloud Run's operations (v1 and v2): get, list, wait, delete. */
  readonly runOperations: RunOperations
  readonly operations: OperationService
  readonly orgPolicies: OrgPolicyService
  /** IAM v2 deny policies. */
  readonly denyPolicies: DenyPolicyService
  readonly serviceAccounts: ServiceAccountService
  readonly serviceAccountKeys: ServiceAccountKeyService
  readonly serviceAccountTokens: ServiceAccountTokenService
  readonly logEntries: LogEntriesService
  /** Cloud Identity groups and memberships; `group:` principals come from their directory. */
  readonly groups: CloudIdentityGroupService
  readonly roles: CustomRoleService
  /** Cloud Run jobs, their executions and tasks. */
  readonly jobs: JobServices
  /** Cloud Run v1 jobs and executions (run.googleapis.com/v1 objects): views of the same ones. */
  readonly knativeJobs: KnativeJobs
  /** organizations.search and projects.getAncestry. */
  readonly hierarchy: HierarchyService
  /** Rotation of runiam's signing keys (runiam's own method). */
  readonly signingKeys: SigningKeyService
  /** Cloud Asset's analyzeIamPolicy (who has what access on which resource). */
  readonly assets: PolicyAnalysisService
  /** Recommender v1: IAM and Cloud Run recommendations from the recorded usage. */
  readonly recommender: RecommenderService
  /** Which grants decide calls (fed by the checker and the gateway, flushed to the store). */
  readonly usage: UsageRecorder
  /** Policy Troubleshooter (iam:troubleshoot v1, v2alpha1, v3). */
  readonly troubleshooter: TroubleshooterService
  /** Cloud Audit Logs: the admin dispatch and the gateway write entries through it. */
  readonly audit: AuditLogService
  /** Stops following the store's change feed. */
  close(): void
}

export function createServices(options: ServicesOptions): Services {
  // Callers' principals include their groups (transitively): the directory keeps memberships in
  // memory and drops them on any group change the checker applies.
  const directory = new GroupDirectory(options.store)
  const usage = new UsageRecorder(options.store, {
    now: options.now,
    ...(options.usageFlushFailed === undefined ? {} : { failed: options.usageFlushFailed }),
  })
  const checker = new PermissionChecker(options.store, {
    now: options.now,
    ...(options.decisionCacheEntries === undefined
      ? {}
      : { cacheEntries: options.decisionCacheEntries }),
    changed: (changes) => directory.changed(changes),
    used: (grant, permission) => usage.used(grant, permission),
    ...(options.principals === undefined
      ? {
          principals: (c: Caller | undefined) => directory.principals(c),
          principalsNow: (c: Caller | undefined) => directory.principalsNow(c),
        }
      : { principals: options.principals }),
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
  const jobs = createJobServices(ctx, options.jobs)
  const assets = new PolicyAnalysisService(ctx)
  return {
    checker,
    iam: new IamPolicyService(ctx),
    organizations: new OrganizationService(ctx),
    projects: new ProjectService(ctx),
    runServices: new CloudRunServices(ctx, upstreams),
    knativeServices: new KnativeServices(ctx, upstreams),
    workerPools: new CloudRunWorkerPools(ctx),
    runOperations: new RunOperations(ctx),
    operations: new OperationService(ctx),
    orgPolicies: new OrgPolicyService(ctx),
    denyPolicies: new DenyPolicyService(ctx),
    serviceAccounts: new ServiceAccountService(ctx),
    serviceAccountKeys: new ServiceAccountKeyService(ctx, options.serviceAccountTokens),
    serviceAccountTokens: new ServiceAccountTokenService(ctx, options.serviceAccountTokens),
    groups: new CloudIdentityGroupService(ctx),
    roles: new CustomRoleService(ctx),
    logEntries: new LogEntriesService(
      checker,
      options.store,
      options.serviceLogs,
      options.workerPoolLogs,
      options.jobs?.logs,
    ),
    jobs,
    knativeJobs: new KnativeJobs(ctx, jobs),
    hierarchy: new HierarchyService(ctx),
    signingKeys: new SigningKeyService(
      ctx,
      options.signingKeys ?? { activationDelayMs: 600_000, retentionMs: 3_630_000 },
    ),
    assets,
    recommender: new RecommenderService(ctx, {
      windowMs: options.recommenderWindowMs ?? 90 * 86_400_000,
    }),
    usage,
    troubleshooter: new TroubleshooterService(ctx),
    audit: new AuditLogService(ctx, options.audit ?? { dataAccess: false, retentionDays: 400 }),
    close: () => {
      checker.close()
      assets.close()
      jobs.executions.close()
    },
  }
}
