// The Org Policy v2 API for the organization and its projects: policies get / list / create /
// patch / delete, getEffectivePolicy and constraints.list, for the two constraints runiam
// enforces. Authorize on the parent first (AIP-211), then validate, then act.
// Compat: google.cloud.orgpolicy.v2.OrgPolicy (reference §10).
import type {
  Empty,
  ListConstraintsResponse,
  ListOrgPoliciesResponse,
  OrgPolicy,
} from '@runiam/api'
import { Code, IamError, isIamError } from '@runiam/core'
import type { OrgPolicyRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, randomEtag, type ServiceContext } from '../context.js'
import { invalidArgument, parsePageSize } from '../names.js'
import {
  constraintOf,
  CONSTRAINTS,
  CONSTRAINT_PREFIX,
  effectiveRules,
  invalidOrgPolicy,
  readSpec,
  type ConstraintInfo,
} from './org-policy-model.js'
import { specsFor } from './org-policy-enforcer.js'
import './org-policy-reasons.js'
import { organizationNotFound } from '../resource-manager/organization-service.js'
import { projectNotFound } from '../resource-manager/project-service.js'

export type Json = Record<string, unknown>

/** A parent resource as stored (project id) and as Google answers it (project number). */
interface Parent {
  /** As the caller wrote it: authorization and messages. */
  readonly given: string
  /** `projects/{projectId}` or `organizations/{id}`: store keys. */
  readonly canonical: string
  /** `projects/{projectNumber}` or `organizations/{id}`: names in answers. */
  readonly display: string
}

interface PolicyRef {
  readonly parent: string
  readonly constraint: string
}

/** Splits `projects/P/policies/[constraints/]C` (or `organizations/O/…`). */
function splitName(name: string): PolicyRef {
  const p = name.split('/')
  if ((p[0] !== 'projects' && p[0] !== 'organizations') || p[2] !== 'policies' || p.length < 4) {
    throw invalidOrgPolicy(
      'name',
      `Invalid policy name '${name}': expected projects/PROJECT/policies/CONSTRAINT or organizations/ORGANIZATION/policies/CONSTRAINT.`,
    )
  }
  return { parent: `${p[0]}/${p[1] ?? ''}`, constraint: p.slice(3).join('/') }
}

function notFound(name: string): IamError {
  // Compat: the Org Policy API's NOT_FOUND wording.
  return new IamError(Code.NOT_FOUND, 'RESOURCE_NOT_FOUND', 'Requested entity was not found.', {
    metadata: { name },
  })
}

function etagMismatch(name: string, given: string): IamError {
  return new IamError(
    Code.ABORTED,
    'ETAG_MISMATCH',
    `The etag '${given}' does not match the current etag of policy '${name}'. Read the policy again and retry.`,
    { metadata: { name, requestEtag: given } },
  )
}

const UPDATE_MASK_PATHS: ReadonlyMap<string, 'spec' | 'dryRunSpec'> = new Map([
  ['spec', 'spec'],
  ['policy.spec', 'spec'],
  ['dryRunSpec', 'dryRunSpec'],
  ['dry_run_spec', 'dryRunSpec'],
  ['policy.dryRunSpec', 'dryRunSpec'],
  ['policy.dry_run_spec', 'dryRunSpec'],
])

export class OrgPolicyService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  async #parent(given: string): Promise<Parent> {
    const [kind, id = ''] = given.split('/')
    if (kind === 'organizations') {
      const org = await this.#ctx.checker.organization()
      if (org === undefined || org.id !== id) throw organizationNotFound(given)
      return { given, canonical: given, display: given }
    }
    const p = await this.#ctx.checker.project(id)
    if (p === undefined) throw projectNotFound(id)
    return {
      given,
      canonical: `projects/${p.projectId}`,
      display: `projects/${p.projectNumber}`,
    }
  }

  #render(rec: OrgPolicyRecord, parent: Parent, c: ConstraintInfo): OrgPolicy {
    // The stored body is the Policy this service wrote (#record); only its name is re-rooted.
    return { ...(rec.policy as unknown as OrgPolicy), name: `${parent.display}/policies/${c.name}` }
  }

  #record(parent: Parent, c: ConstraintInfo, spec: Json): OrgPolicyRecord {
    const etag = randomEtag()
    const updateTime = isoTime(this.#ctx.now())
    const name = `${parent.canonical}/policies/${c.name}`
    return {
      name,
      parent: parent.canonical,
      policy: { name, spec: { etag, updateTime, ...spec }, etag },
      etag,
      updateTime,
    }
  }

  /** Compat: orgpolicy.{projects,organizations}.policies.get (NOT_FOUND when none is set). */
  async get(caller: Caller, name: string): Promise<OrgPolicy> {
    const ref = splitName(name)
    await this.#ctx.checker.require(caller, 'orgpolicy.policy.get', ref.parent)
    const c = constraintOf(ref.constraint)
    const parent = await this.#parent(ref.parent)
    const rec = await this.#ctx.store.getOrgPolicy(`${parent.canonical}/policies/${c.name}`)
    if (rec === undefined) throw notFound(name)
    return this.#render(rec, parent, c)
  }

  /** Compat: policies.list: the policies set on the resource itself (not inherited ones). */
  async list(
    caller: Caller,
    parentName: string,
    query: { pageSize?: string | undefined; pageToken?: string | undefined },
  ): Promise<ListOrgPoliciesResponse> {
    await this.#ctx.checker.require(caller, 'orgpolicy.policies.list', parentName)
    const parent = await this.#parent(parentName)
    const size = parsePageSize(query.pageSize)
    const page = await this.#ctx.store.listOrgPolicies(parent.canonical, {
      ...(size > 0 ? { pageSize: size } : {}),
      ...(query.pageToken !== undefined && query.pageToken !== ''
        ? { pageToken: query.pageToken }
        : {}),
    })
    const policies = page.items.flatMap((rec) => {
      const c = CONSTRAINTS.get(rec.name.slice(rec.name.lastIndexOf('/') + 1))
      return c === undefined ? [] : [this.#render(rec, parent, c)]
    })
    return {
      ...(policies.length > 0 ? { policies } : {}),
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    }
  }

  /**
   * Compat: policies.getEffectivePolicy: the policy evaluated down the hierarchy, with no etag;
   * a constraint set nowhere answers its default (`enforce: false` / `allowAll: true`).
   */
  async getEffective(caller: Caller, name: string): Promise<OrgPolicy> {
    const ref = splitName(name)
    await this.#ctx.checker.require(caller, 'orgpolicy.policy.get', ref.parent)
    const c = constraintOf(ref.constraint)
    const parent = await this.#parent(ref.parent)
    const specs = await specsFor(this.#ctx.store, parent.canonical, c.name)
    return {
      name: `${parent.display}/policies/${c.name}`,
      spec: { rules: effectiveRules(c, specs) },
    }
  }

  /** Compat: constraints.list: the constraints that can be set on the resource. */
  async listConstraints(caller: Caller, parentName: string): Promise<ListConstraintsResponse> {
    await this.#ctx.checker.require(caller, 'orgpolicy.constraints.list', parentName)
    const parent = await this.#parent(parentName)
    return {
      constraints: [...CONSTRAINTS.values()].map((c) => ({
        name: `${parent.display}/constraints/${c.name}`,
        displayName: c.displayName,
        description: c.description,
        constraintDefault: 'ALLOW' as const,
        ...(c.kind === 'boolean'
          ? { booleanConstraint: {} }
          : { listConstraint: { supportsIn: true, supportsUnder: false } }),
      })),
    }
  }

  /** Reads the body's Policy; `path` is where the policy sits in messages (`policy`). */
  #body(body: unknown): Json {
    if (!isObject(body))
      throw invalidOrgPolicy('policy', 'Request body must be a JSON object (the Policy).')
    for (const [k, v] of Object.entries(body)) {
      if (v === undefined || v === null) continue
      if (k === 'name' || k === 'spec' || k === 'etag') continue
      if (k === 'dryRunSpec' || k === 'alternate') {
        throw invalidOrgPolicy(`policy.${k}`, `'policy.${k}' is not supported by runiam.`)
      }
      throw invalidOrgPolicy(
        `policy.${k}`,
        `Invalid JSON payload received. Unknown name "${k}": Cannot find field.`,
      )
    }
    if (body['name'] !== undefined && typeof body['name'] !== 'string') {
      throw invalidOrgPolicy(
        'policy.name',
        `Invalid value at 'policy.name' (TYPE_STRING), ${JSON.stringify(body['name'])}`,
      )
    }
    return body
  }

  /** The etag a write compares: `policy.etag`, else `policy.spec.etag`. */
  #etagOf(body: Json): string | undefined {
    const top = body['etag']
    if (typeof top === 'string' && top !== '') return top
    const spec = body['spec']
    const inner = isObject(spec) ? spec['etag'] : undefined
    return typeof inner === 'string' && inner !== '' ? inner : undefined
  }

  /** The policy `name` of a body must name the same policy as the request path. */
  async #sameTarget(bodyName: string, parent: Parent, c: ConstraintInfo): Promise<void> {
    const ref = splitName(bodyName)
    const bare = ref.constraint.startsWith(CONSTRAINT_PREFIX)
      ? ref.constraint.slice(CONSTRAINT_PREFIX.length)
      : ref.constraint
    let same = bare === c.name
    if (same) {
      try {
        same = (await this.#parent(ref.parent)).canonical === parent.canonical
      } catch {
        same = false
      }
    }
    if (!same) {
      throw invalidOrgPolicy(
        'policy.name',
        `Policy name '${bodyName}' does not match the request's ${parent.given}/policies/${c.name}.`,
      )
    }
  }

  /** Compat: policies.create (ALREADY_EXISTS when a policy for the constraint is set). */
  async create(caller: Caller, parentName: string, raw: unknown): Promise<OrgPolicy> {
    await this.#ctx.checker.require(caller, 'orgpolicy.policies.create', parentName)
    const body = this.#body(raw)
    const name = body['name']
    if (typeof name !== 'string' || name === '') {
      throw invalidOrgPolicy('policy.name', "Field 'policy.name' is required.")
    }
    const ref = splitName(name)
    const c = constraintOf(ref.constraint)
    const parent = await this.#parent(parentName)
    await this.#sameTarget(name, parent, c)
    const spec = readSpec(c, body['spec'], 'policy.spec')
    const rec = this.#record(parent, c, spec as Json)
    await this.#ctx.store.transact((tx) => tx.createOrgPolicy(rec))
    return this.#render(rec, parent, c)
  }

  /**
   * Compat: policies.patch: a full overwrite of the policy (or of the fields in updateMask);
   * NOT_FOUND when none is set; a stale etag is ABORTED.
   */
  async patch(
    caller: Caller,
    name: string,
    query: { updateMask?: string | undefined },
    raw: unknown,
  ): Promise<OrgPolicy> {
    const ref = splitName(name)
    await this.#ctx.checker.require(caller, 'orgpolicy.policies.update', ref.parent)
    const c = constraintOf(ref.constraint)
    const parent = await this.#parent(ref.parent)
    const body = this.#body(raw)
    if (typeof body['name'] === 'string' && body['name'] !== '') {
      await this.#sameTarget(body['name'], parent, c)
    }
    let replaceSpec = true
    if (query.updateMask !== undefined && query.updateMask.trim() !== '') {
      const paths = query.updateMask.split(',').map((p) => p.trim())
      for (const p of paths) {
        if (p === '*') continue
        if (!UPDATE_MASK_PATHS.has(p)) {
          throw invalidArgument(
            'updateMask',
            `Invalid update mask path '${p}': a Policy's writable fields are spec and dryRunSpec.`,
          )
        }
      }
      replaceSpec = paths.some((p) => p === '*' || UPDATE_MASK_PATHS.get(p) === 'spec')
    }
    const key = `${parent.canonical}/policies/${c.name}`
    const given = this.#etagOf(body)
    const written = await this.#ctx.store.transact(async (tx) => {
      const current = await tx.getOrgPolicy(key)
      if (current === undefined) throw notFound(name)
      if (given !== undefined && given !== current.etag) throw etagMismatch(name, given)
      const currentSpec = isObject(current.policy['spec']) ? current.policy['spec'] : {}
      const spec = replaceSpec
        ? readSpec(c, body['spec'], 'policy.spec')
        : readSpec(c, currentSpec, 'spec')
      const rec = this.#record(parent, c, spec as Json)
      try {
        await tx.updateOrgPolicy(rec, { ifEtag: current.etag })
      } catch (err) {
        if (isIamError(err) && err.code === Code.ABORTED) throw etagMismatch(name, current.etag)
        throw err
      }
      return rec
    })
    return this.#render(written, parent, c)
  }

  /** Compat: policies.delete (optional `etag` must match); answers google.protobuf.Empty. */
  async delete(caller: Caller, name: string, query: { etag?: string | undefined }): Promise<Empty> {
    const ref = splitName(name)
    await this.#ctx.checker.require(caller, 'orgpolicy.policies.delete', ref.parent)
    const c = constraintOf(ref.constraint)
    const parent = await this.#parent(ref.parent)
    const etag = query.etag === undefined || query.etag === '' ? undefined : query.etag
    try {
      await this.#ctx.store.transact((tx) =>
        tx.deleteOrgPolicy(
          `${parent.canonical}/policies/${c.name}`,
          etag === undefined ? {} : { ifEtag: etag },
        ),
      )
    } catch (err) {
      if (isIamError(err) && err.code === Code.NOT_FOUND) throw notFound(name)
      if (isIamError(err) && err.code === Code.ABORTED) throw etagMismatch(name, etag ?? '')
      throw err
    }
    return {}
  }
}
