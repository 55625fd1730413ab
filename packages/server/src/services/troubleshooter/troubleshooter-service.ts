// Policy Troubleshooter (`iam:troubleshoot`, v1, v2alpha1 and v3): reads the access tuple, walks
// the path organization → project → resource, shows each policy only to a caller holding its
// getIamPolicy, and answers with the pure troubleshooter (@runiam/core/troubleshooter), whose
// verdict is check()'s over the same compiled policies and principal set real decisions use.
// Compat: policytroubleshooter TroubleshootIamPolicy — no permission is needed to call it; "a
// policy the caller may not read is reported as unknown" (ExplainedPolicy without its name,
// policy or bindings); group memberships count only where the caller may read them. Deny policies
// come from the checker's own deny chain (denyPoliciesFor: the policies every decision evaluates
// first), each attachment point shown only to a caller holding iam.denypolicies.get there.
import { isCustomRoleName, permissionsOf, renderPolicy, type Policy } from '@runiam/core'
import { compilePolicy, principalSetFor, type PrincipalSet } from '@runiam/core/authorizer'
import { denyPoliciesParent } from '@runiam/core/deny'
import {
  denyExplainer,
  readAccessTuple,
  toV1Response,
  toV2alpha1Response,
  troubleshoot,
  type DenyAttachment,
  type DenyExplainer,
  type PathPolicy,
  type TroubleshootIamPolicyResponse,
  type V1TroubleshootResponse,
} from '@runiam/core/troubleshooter'
import { toFullResourceName, type ParsedFullResourceName } from '@runiam/core/analyzer'
import type { Caller } from '../caller.js'
import { compileConditionsInSlices } from '../condition-slices.js'
import type { ServiceContext } from '../context.js'
import { CustomRoleCache, customRolesOf } from '../custom-role-cache.js'
import { denyPolicyName } from '../deny-chains.js'
import { renderDenyPolicy } from '../iam/deny-policy-service.js'

/** What reading the deny policies of an attachment point takes (IAM v2 policies.get). */
const DENY_GET_PERMISSION = 'iam.denypolicies.get'

/** What reading group memberships takes (Cloud Identity's memberships.list, on the organization). */
const GROUP_MEMBERS_PERMISSION = 'cloudidentity.groups.memberships.list'

/** The getIamPolicy permission that shows the policy of `name` (Compat: each API's own). */
function getIamPolicyPermission(name: string): string {
  if (name.startsWith('organizations/')) return 'resourcemanager.organizations.getIamPolicy'
  if (name.includes('/services/')) return 'run.services.getIamPolicy'
  if (name.includes('/jobs/')) return 'run.jobs.getIamPolicy'
  if (name.includes('/workerPools/')) return 'run.workerPools.getIamPolicy'
  return 'resourcemanager.projects.getIamPolicy'
}

export class TroubleshooterService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /** v3 `POST /v3/iam:troubleshoot`. */
  async troubleshootV3(caller: Caller, body: unknown): Promise<TroubleshootIamPolicyResponse> {
    return this.#troubleshoot(caller, body)
  }

  /** v1 `POST /v1/iam:troubleshoot` (allow policies only). */
  async troubleshootV1(caller: Caller, body: unknown): Promise<V1TroubleshootResponse> {
    return toV1Response(await this.#troubleshoot(caller, body))
  }

  /** v2alpha1 `POST /v2alpha1/iam:troubleshoot` (what `gcloud policy-troubleshoot iam` calls). */
  async troubleshootV2alpha1(caller: Caller, body: unknown): Promise<V1TroubleshootResponse> {
    return toV2alpha1Response(await this.#troubleshoot(caller, body))
  }

  async #troubleshoot(caller: Caller, body: unknown): Promise<TroubleshootIamPolicyResponse> {
    const tuple = readAccessTuple(body)
    const names = await this.#path(tuple.resource)
    const checker = this.#ctx.checker
    const visible = await Promise.all(
      names.map(async (n) => (await checker.decide(caller, getIamPolicyPermission(n), n)).allowed),
    )
    const shown = names.filter((_, i) => visible[i] === true)
    const stored = await this.#ctx.store.getPolicies(shown)
    for (const sp of stored.values()) await compileConditionsInSlices(sp.policy.bindings)
    const roles = new CustomRoleCache(this.#ctx.store)
    await roles.load([...stored.values()].flatMap((sp) => customRolesOf(sp.policy)))
    const orgId = (await checker.organization())?.id
    const policies: PathPolicy[] = names.map((name, i) => {
      const policy: Policy = stored.get(name)?.policy ?? {}
      const compiled = compilePolicy(name, visible[i] === true ? policy : {}, {
        customRoles: roles.resolverFor(name, orgId),
      })
      return {
        fullResourceName: toFullResourceName(name),
        compiled,
        ...(visible[i] === true ? { policy: renderPolicy(stored.get(name)?.policy, 3) } : {}),
        visible: visible[i] === true,
      }
    })
    const { principals, groupsKnown } = await this.#principals(caller, tuple.member)
    const deny = await this.#deny(caller, names)
    return troubleshoot({
      accessTuple: tuple.accessTuple,
      principals,
      permission: tuple.permission,
      resource: names[0] ?? tuple.resource.name,
      policies,
      attributes: tuple.attributes,
      rolePermissions: (resource, role) =>
        isCustomRoleName(role) ? roles.resolverFor(resource, orgId)(role) : permissionsOf(role),
      groupsKnown,
      deny,
    })
  }

  /**
   * The deny side over the checker's deny chain of `path[0]`. An attachment point is shown only
   * to a caller holding iam.denypolicies.get on its project or organization (else UNKNOWN_INFO,
   * whether or not it holds policies). The points are the project and organization of `path`
   * (built from the name, as the allow side's), so their number says nothing about whether the
   * project exists. With no deny policy anywhere, nothing is denied and no attachment point is
   * listed (the one bit every decision reads first: hasDenyPolicies).
   */
  async #deny(caller: Caller, path: readonly string[]): Promise<DenyExplainer> {
    const checker = this.#ctx.checker
    const resource = path[0]
    if (resource === undefined || !(await checker.hasDenyPolicies())) return denyExplainer([])
    const known = new Map(
      (await checker.denyAttachmentPoints(resource)).map((p) => [p.resource, p.point]),
    )
    const points = path
      .filter((n) => /^(projects|organizations)\/[^/]+$/.test(n))
      .map((n) => ({
        resource: n,
        point: known.get(n) ?? `cloudresourcemanager.googleapis.com/${n}`,
      }))
    const chain = await checker.denyPoliciesFor(resource)
    const visible = await Promise.all(
      points.map(
        async (p) => (await checker.decide(caller, DENY_GET_PERMISSION, p.resource)).allowed,
      ),
    )
    const shown = points.filter((_, i) => visible[i] === true).map((p) => p.point)
    const records = shown.length === 0 ? [] : await this.#ctx.store.denyPoliciesAt(shown)
    const rendered = new Map(records.map((r) => [denyPolicyName(r), renderDenyPolicy(r)]))
    const attachments: DenyAttachment[] = points.map((p, i) => {
      const prefix = `${denyPoliciesParent(p.point)}/`
      return {
        fullResourceName: `//${p.point}`,
        visible: visible[i] === true,
        policies:
          visible[i] === true
            ? chain.flatMap((compiled) => {
                const policy = rendered.get(compiled.name)
                // A policy written between the two reads is left to the next answer.
                return compiled.name.startsWith(prefix) && policy !== undefined
                  ? [{ compiled, policy }]
                  : []
              })
            : [],
      }
    })
    return denyExplainer(attachments)
  }

  /**
   * The path resource → project → organization by canonical names (project ids), built from the
   * name itself, so its length says nothing about whether the resource or project exists.
   */
  async #path(resource: ParsedFullResourceName): Promise<string[]> {
    const org = await this.#ctx.checker.organization()
    const orgNames = org === undefined ? [] : [`organizations/${org.id}`]
    if (resource.type === 'organization') return [resource.name]
    const project = await this.#ctx.checker.project(resource.project ?? '')
    const projectId = project?.projectId ?? resource.project ?? ''
    const projectName = `projects/${projectId}`
    if (resource.type === 'project') return [projectName, ...orgNames]
    const own = resource.name.replace(/^projects\/[^/]+/, projectName)
    return [own, projectName, ...orgNames]
  }

  /**
   * The principal's set as decisions see it. Its groups count only when the caller may read
   * group memberships (or asks about itself); otherwise group members are UNKNOWN_INFO.
   */
  async #principals(
    caller: Caller,
    member: string,
  ): Promise<{ principals: PrincipalSet; groupsKnown: boolean }> {
    const checker = this.#ctx.checker
    const org = await checker.organization()
    const groupsKnown =
      caller.member === member ||
      (org !== undefined &&
        (await checker.decide(caller, GROUP_MEMBERS_PERMISSION, `organizations/${org.id}`)).allowed)
    const principals = groupsKnown
      ? await checker.principalsOf({ member })
      : principalSetFor(member)
    return { principals, groupsKnown }
  }
}
