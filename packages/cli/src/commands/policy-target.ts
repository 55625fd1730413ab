// Which resource's IAM policy a get/set/add/remove-iam-policy command acts on, chosen from the
// command's id: services and projects inline, the other kinds (jobs, worker pools, service
// accounts, organizations) loaded only when the command names them, so `get-iam-policy` on a
// service loads nothing it does not use (CLI start-up, bench/src/cli-bench.ts).
import type { Policy, RuniamClient } from '@runiam/api'
import type { CommandContext } from '../command-context.js'
import { positional, serviceRef } from '../resource-refs.js'

/** The resource whose policy a command changes. */
export interface PolicyTarget {
  /** gcloud's resource word in "Updated IAM policy for service [S]." */
  readonly kind: string
  /** The word set-iam-policy uses, when it differs (gcloud's Python commands). */
  readonly setKind?: string
  readonly name: string
  get(c: RuniamClient): Promise<Policy>
  set(c: RuniamClient, policy: Policy, updateMask?: string): Promise<Policy>
  /** updateMask for set-iam-policy from the top-level keys present in the file (none: no mask). */
  fileMask(keys: readonly string[]): string | undefined
  /** The policy version gcloud forces on writes; undefined: none (jobs). */
  readonly version?: number
  /** Whether gcloud's binding commands take --condition for this kind (default true; not jobs). */
  readonly conditions?: boolean
}

/** gcloud's policy version for services, worker pools and projects (MAX_LIBRARY_IAM_SUPPORTED_VERSION). */
export const POLICY_VERSION = 3

export async function policyTarget(ctx: CommandContext): Promise<PolicyTarget> {
  if (ctx.id.startsWith('iam.service-accounts.')) {
    return (await import('./service-account-policy-target.js')).serviceAccountTarget(ctx)
  }
  if (ctx.id.startsWith('organizations.')) {
    return (await import('./organizations.js')).organizationPolicyTarget(ctx)
  }
  if (ctx.id.startsWith('projects.')) {
    const project = positional(ctx, 'PROJECT_ID')
    return {
      kind: 'project',
      name: project,
      version: POLICY_VERSION,
      conditions: true,
      get: (c) => c.getProjectIamPolicy(project, POLICY_VERSION),
      set: (c, p, mask) => c.setProjectIamPolicy(project, p, mask),
      // Compat: gcloud projects set-iam-policy always adds bindings and etag to the mask.
      fileMask: (keys) => [...new Set([...keys, 'bindings', 'etag'])].sort().join(','),
    }
  }
  if (ctx.id.startsWith('run.jobs.')) {
    // Compat: gcloud's run jobs IAM commands (surface/run/jobs/*iam_policy*.yaml) send no
    // requestedPolicyVersion, force no version and take no --condition.
    const { jobRef, jobV1Path } = await import('../job-refs.js')
    const job = jobRef(ctx, positional(ctx, 'JOB'))
    return {
      kind: 'job',
      name: job.job,
      conditions: false,
      get: (c) => c.request('GET', `${jobV1Path(job)}:getIamPolicy`),
      set: (c, p, mask) =>
        c.request('POST', `${jobV1Path(job)}:setIamPolicy`, {
          body: mask === undefined ? { policy: p } : { policy: p, updateMask: mask },
        }),
      fileMask: (keys) => [...keys].sort().join(','),
    }
  }
  if (ctx.id.startsWith('run.worker-pools.')) {
    const { getWorkerPoolIamPolicy, setWorkerPoolIamPolicy, workerPoolRef } =
      await import('../worker-pool-api.js')
    const pool = workerPoolRef(ctx, positional(ctx, 'WORKER_POOL'))
    return {
      // Compat: gcloud's resource spec for worker pool IAM is named `workerpool`.
      kind: 'workerpool',
      name: pool.workerPool,
      version: POLICY_VERSION,
      conditions: true,
      get: (c) => getWorkerPoolIamPolicy(c, pool, POLICY_VERSION),
      set: (c, p, mask) => setWorkerPoolIamPolicy(c, pool, p, mask),
      fileMask: (keys) => [...keys].sort().join(','),
    }
  }
  const ref = serviceRef(ctx, positional(ctx, 'SERVICE'))
  return {
    kind: 'service',
    name: ref.service,
    version: POLICY_VERSION,
    conditions: true,
    get: (c) => c.getServiceIamPolicy(ref, POLICY_VERSION),
    set: (c, p, mask) => c.setServiceIamPolicy(ref, p, mask),
    // Compat: gcloud's ParsePolicyFileWithUpdateMask: the sorted top-level keys of the file.
    fileMask: (keys) => [...keys].sort().join(','),
  }
}
