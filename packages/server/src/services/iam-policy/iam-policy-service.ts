// getIamPolicy / setIamPolicy / testIamPermissions for any resource that carries an allow policy
// (organization, project, Cloud Run service…). Authorize first (AIP-211), then look the resource
// up, then act. Writes are validated, canonicalised and compare-and-set on the etag in one store
// transaction.
import {
  applyUpdateMask,
  canonicalizePolicy,
  checkVersionDowngrade,
  Code,
  EMPTY_POLICY_ETAG,
  etagMismatch,
  isIamError,
  renderPolicy,
  validatePolicy,
  type Policy,
} from '@runiam/core'
import { policyEtag } from '../policy-etag.js'
import { validateConditionExpr } from '@runiam/core/conditions'
import type { Caller } from '../caller.js'
import { compileConditionsInSlices } from '../condition-slices.js'
import type { PolicyTarget } from '../policy-target.js'
import { isObject, type ServiceContext } from '../context.js'
import { invalidArgument } from '../names.js'
import { checkDomainRestrictedSharing } from '../org-policy/org-policy-enforcer.js'
import { customRolesForPolicy } from '../custom-role-scope.js'
import type { AuditScope } from '../audit/audit-scope.js'

export interface TestIamPermissionsResponse {
  permissions?: string[]
}

/** Reads `options.requestedPolicyVersion` from a query value or a JSON body value. */
export function parseRequestedVersion(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw invalidArgument(
      'options.requestedPolicyVersion',
      `Invalid value at 'options.requested_policy_version' (TYPE_INT32), ${JSON.stringify(raw)}`,
    )
  }
  return n
}

// Compat: TestIamPermissionsRequest.permissions: "Permissions with wildcards (such as `*` or
// `storage.*`) are not allowed."
const PERMISSION_RE = /^[a-zA-Z][a-zA-Z0-9_-]*(\.[a-zA-Z][a-zA-Z0-9_-]*){2,}$/

function parsePermissions(body: unknown): string[] {
  if (!isObject(body)) throw invalidArgument('permissions', 'Request body must be a JSON object.')
  const raw = body['permissions']
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) {
    throw invalidArgument(
      'permissions',
      `Invalid value at 'permissions' (type.googleapis.com/string), ${JSON.stringify(raw)}`,
    )
  }
  return raw.map((p, i) => {
    if (typeof p !== 'string') {
      throw invalidArgument(
        `permissions[${i}]`,
        `Invalid value at 'permissions[${i}]' (TYPE_STRING), ${JSON.stringify(p)}`,
      )
    }
    if (p.includes('*')) {
      throw invalidArgument(
        `permissions[${i}]`,
        `Permission '${p}' is invalid: permissions with wildcards are not allowed in testIamPermissions.`,
      )
    }
    if (!PERMISSION_RE.test(p)) {
      throw invalidArgument(`permissions[${i}]`, `Permission '${p}' is invalid.`)
    }
    return p
  })
}

export class IamPolicyService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /** Compat: google.iam.v1.IAMPolicy.GetIamPolicy. The stored policy only, never inherited ones. */
  async get(caller: Caller, target: PolicyTarget, requestedVersion?: number): Promise<Policy> {
    await this.#ctx.checker.require(caller, `${target.permissionPrefix}.getIamPolicy`, target.name)
    const key = await target.resolve()
    if (key === undefined) throw target.notFound()
    const stored = await this.#ctx.store.getPolicy(key)
    return renderPolicy(stored?.policy, requestedVersion)
  }

  /**
   * Compat: google.iam.v1.IAMPolicy.SetIamPolicy (etag compare-and-set; no etag overwrites).
   * `audit` is the admin call's audit (undefined: not audited); required so that no caller
   * forgets it, since the entry must commit in this transaction.
   */
  async set(
    caller: Caller,
    target: PolicyTarget,
    body: unknown,
    audit: AuditScope | undefined,
  ): Promise<Policy> {
    await this.#ctx.checker.require(caller, `${target.permissionPrefix}.setIamPolicy`, target.name)
    const key = await target.resolve()
    if (key === undefined) throw target.notFound()
    if (!isObject(body)) throw invalidArgument('policy', 'Request body must be a JSON object.')
    for (const k of Object.keys(body)) {
      if (k !== 'policy' && k !== 'updateMask' && k !== 'update_mask') {
        throw invalidArgument(
          k,
          `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`,
        )
      }
    }
    if (body['policy'] === undefined || body['policy'] === null) {
      throw invalidArgument('policy', "Field 'policy' is required.")
    }
    const rawMask = body['updateMask'] ?? body['update_mask']
    if (rawMask !== undefined && rawMask !== null && typeof rawMask !== 'string') {
      throw invalidArgument(
        'updateMask',
        `Invalid value at 'update_mask' (type.googleapis.com/google.protobuf.FieldMask), ${JSON.stringify(rawMask)}`,
      )
    }
    const mask = typeof rawMask === 'string' ? rawMask : undefined
    const rawPolicy = body['policy']
    const failures = await compileConditionsInSlices(
      isObject(rawPolicy) ? rawPolicy['bindings'] : undefined,
    )
    // The custom roles of the resource's hierarchy that the policy names (IAM custom roles).
    const customRoles = await customRolesForPolicy(
      this.#ctx.store,
      key,
      isObject(rawPolicy) ? rawPolicy['bindings'] : undefined,
      async () => (await this.#ctx.checker.organization())?.id,
      this.#ctx.now(),
    )
    const incoming = validatePolicy(rawPolicy, {
      resourceType: target.type,
      customRoles,
      checkCondition: (e) => {
        const failed = failures.get(e.expression ?? '')
        if (failed !== undefined && typeof e.title === 'string' && e.title.trim() !== '') {
          throw failed
        }
        validateConditionExpr(e)
      },
    })
    const etagGiven = incoming.etag !== undefined && incoming.etag !== ''
    const written = await this.#ctx.store.transact(async (tx) => {
      const stored = await tx.getPolicy(key)
      const current = stored?.etag ?? EMPTY_POLICY_ETAG
      if (etagGiven && incoming.etag !== current) throw etagMismatch(incoming.etag ?? '', current)
      checkVersionDowngrade(stored?.policy, incoming, etagGiven)
      const merged = applyUpdateMask(stored?.policy, incoming, mask)
      const { etag: _drop, ...content } = merged
      const canonical = canonicalizePolicy(content)
      // Compat: domain restricted sharing (constraints/iam.allowedPolicyMemberDomains).
      await checkDomainRestrictedSharing(
        tx,
        key,
        stored?.policy,
        canonical,
        target.type === 'project' || target.type === 'organization' ? 'resourcemanager' : 'run',
      )
      const next: Policy = { ...canonical, etag: policyEtag(canonical) }
      let written: Awaited<ReturnType<typeof tx.putPolicy>>
      try {
        written = await tx.putPolicy(key, next, etagGiven ? { ifEtag: current } : {})
      } catch (err) {
        if (isIamError(err) && err.code === Code.ABORTED) {
          throw etagMismatch(incoming.etag ?? '', '(changed concurrently)')
        }
        throw err
      }
      // The audit entry (with the exact policy delta) commits with the change.
      await audit?.policyWritten(tx, stored?.policy, written.policy)
      return written
    })
    return renderPolicy(written.policy, 3)
  }

  /**
   * Compat: testIamPermissions needs no permission, answers the subset held (`{}` when none) and
   * an empty set, not NOT_FOUND, for a resource that does not exist.
   */
  async test(
    caller: Caller,
    target: PolicyTarget,
    body: unknown,
  ): Promise<TestIamPermissionsResponse> {
    const permissions = parsePermissions(body)
    if (permissions.length === 0) return {}
    const key = await target.resolve()
    if (key === undefined) return {}
    const held = await this.#ctx.checker.test(caller, target.name, permissions)
    return held.length === 0 ? {} : { permissions: held }
  }
}
