// The service account a service, job or worker pool runs as, and the permission deploying it
// needs. Compat: Cloud Run — "Deploying also needs iam.serviceAccounts.actAs on the runtime
// service account": a caller who may create or update a service must not make it run as an
// account it may not act as (roles/iam.serviceAccountUser grants it), or run.developer on one
// service would be every account's power. Checked on a create that names an account, and on an
// update whose resulting template names one when the template changes (a new revision runs as
// it), the way Google checks each deployment; answered 403 whether the account exists or not.
import { asciiLower, iamError } from '@runiam/core'
import type { Caller } from '../caller.js'
import { isObject, type ServiceContext } from '../context.js'
import { ServiceAccountAccess } from '../iam/service-account-access.js'
import { serviceAccountName } from '../iam/service-account-model.js'
import { invalidValue } from './run-resource-body.js'
import type { Json } from './run-resource-kind.js'

const ACT_AS = 'iam.serviceAccounts.actAs'

/**
 * Where a kind's body names its runtime account: a service's or worker pool's revision template,
 * a job's task template (inside its execution template).
 */
export type RuntimeAccountPath = readonly string[]

export const REVISION_TEMPLATE_ACCOUNT: RuntimeAccountPath = ['template', 'serviceAccount']
export const TASK_TEMPLATE_ACCOUNT: RuntimeAccountPath = ['template', 'template', 'serviceAccount']

/** The account `body` runs as (undefined: none named); 400 naming `field` when not a string. */
export function runtimeAccountOf(
  body: Readonly<Json>,
  path: RuntimeAccountPath,
  field: string,
): string | undefined {
  let at: unknown = body
  for (const key of path) {
    if (!isObject(at)) return undefined
    at = at[key]
  }
  if (at === undefined || at === null || at === '') return undefined
  if (typeof at !== 'string') throw invalidValue(field, at)
  return at
}

/** The template a runtime account path lives in (its first key): compared across an update. */
function templateOf(body: Readonly<Json>, path: RuntimeAccountPath): unknown {
  return body[path[0] ?? '']
}

/** Structural equality of two JSON values, key order aside. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
  }
  if (!isObject(a) || !isObject(b)) return false
  const keys = Object.keys(a).filter((k) => a[k] !== undefined)
  const other = Object.keys(b).filter((k) => b[k] !== undefined)
  return keys.length === other.length && keys.every((k) => sameJson(a[k], b[k]))
}

/** Compat: the denial Cloud Run answers a deployer without actAs on the runtime account. */
function actAsDenied(account: string): Error {
  return iamError(
    'IAM_PERMISSION_DENIED',
    `Permission 'iam.serviceaccounts.actAs' denied on service account ${account} (or it may not exist).`,
    { metadata: { permission: ACT_AS, resource: `projects/-/serviceAccounts/${account}` } },
  )
}

/**
 * iam.serviceAccounts.actAs for `caller` on the account `input` runs as, when the write deploys
 * it: a create naming one, or an update (current: the stored body) whose template names one and
 * differs from the stored template.
 */
export async function requireActAs(
  ctx: ServiceContext,
  caller: Caller,
  input: Readonly<Json>,
  path: RuntimeAccountPath,
  field: string,
  current?: Readonly<Json>,
): Promise<void> {
  const account = runtimeAccountOf(input, path, field)
  if (account === undefined) return
  if (current !== undefined && sameJson(templateOf(input, path), templateOf(current, path))) return
  const sa = await new ServiceAccountAccess(ctx).find({
    project: '-',
    account: account.includes('@') ? asciiLower(account) : account,
  })
  if (sa === undefined) throw actAsDenied(account)
  const d = await ctx.checker.decide(caller, ACT_AS, serviceAccountName(sa))
  if (!d.allowed) throw actAsDenied(account)
}
