// IAM v2 deny policies (google.iam.v2.Policies): list, get, create, update, delete and
// operations.get on `policies/{attachment point}/denypolicies`. Authorize on the attachment
// point's project or organization first (AIP-211), then validate, then act. Writes answer a
// finished google.longrunning.Operation (stored, so operations.get reads it back).
// Compat: reference §4.1–§4.6: names answer the project number, list omits rules, update changes
// only rules and displayName, an etag mismatch is 409 ABORTED, delete's etag is optional.
import type { DenyPolicy, ListDenyPoliciesResponse, Operation } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import {
  checkDenyPolicyId,
  denyPolicyLimit,
  invalidDenyPolicy,
  MAX_DENY_POLICIES_PER_ATTACHMENT,
  MAX_DENY_RULES,
  parseAttachmentPoint,
  validateDenyPolicy,
  type AttachmentPoint,
  type DenyPolicyContent,
} from '@runiam/core/deny'
import type { DenyPolicyRecord, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, newUuid, randomEtag, type ServiceContext } from '../context.js'
import { attachmentPointOfName, denyPolicyName } from '../deny-chains.js'
import { organizationNotFound } from '../resource-manager/organization-service.js'
import { projectNotFound } from '../resource-manager/project-service.js'

const SEGMENT = 'denypolicies'
/** Compat: ListPolicies ignores pageSize and answers up to 1000. */
const LIST_PAGE = 1000

interface Ref {
  /** The attachment point as the caller wrote it (decoded): messages. */
  readonly given: string
  readonly point: AttachmentPoint
  /** `projects/P` or `organizations/O`: what the permission is checked on. */
  readonly resource: string
}

/** `policies/{encoded}/denypolicies[/{id}[/operations/{op}]]` → its parts. */
function splitName(
  name: string,
  want: 'parent' | 'policy' | 'operation',
): { ref: Ref; id: string; op: string } {
  const parts = name.split('/')
  const expected = { parent: 3, policy: 4, operation: 6 }[want]
  if (
    parts.length !== expected ||
    parts[0] !== 'policies' ||
    parts[2] !== SEGMENT ||
    (want === 'operation' && parts[4] !== 'operations')
  ) {
    throw invalidDenyPolicy(
      `Invalid name '${name}': expected policies/ATTACHMENT_POINT/denypolicies${want === 'parent' ? '' : '/POLICY_ID'}${want === 'operation' ? '/operations/OPERATION_ID' : ''}, the attachment point URL-encoded.`,
      'name',
    )
  }
  let given: string
  try {
    given = decodeURIComponent(parts[1] ?? '')
  } catch {
    given = parts[1] ?? ''
  }
  const point = parseAttachmentPoint(given)
  const resource = `${point.kind === 'project' ? 'projects' : 'organizations'}/${point.id}`
  return { ref: { given, point, resource }, id: parts[3] ?? '', op: parts[5] ?? '' }
}

function notFound(name: string): IamError {
  return new IamError(Code.NOT_FOUND, 'RESOURCE_NOT_FOUND', `Deny policy '${name}' not found.`, {
    metadata: { name },
  })
}

export function renderDenyPolicy(r: DenyPolicyRecord, deleteTime?: string): DenyPolicy {
  return {
    name: denyPolicyName(r),
    uid: r.uid,
    kind: 'DenyPolicy',
    ...(r.displayName === undefined ? {} : { displayName: r.displayName }),
    ...(r.annotations === undefined ? {} : { annotations: r.annotations }),
    etag: r.etag,
    createTime: r.createTime,
    updateTime: r.updateTime,
    ...(deleteTime === undefined ? {} : { deleteTime }),
    rules: r.rules,
  }
}

export class DenyPolicyService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /** The stored attachment point (project by number); NOT_FOUND when the parent does not exist. */
  async #point(ref: Ref): Promise<string> {
    if (ref.point.kind === 'organization') {
      const org = await this.#ctx.checker.organization()
      if (org === undefined || org.id !== ref.point.id) throw organizationNotFound(ref.resource)
      return attachmentPointOfName('organization', org.id)
    }
    const p = await this.#ctx.checker.project(ref.point.id)
    if (p === undefined) throw projectNotFound(ref.point.id)
    return attachmentPointOfName('project', p.projectNumber)
  }

  async #authorize(caller: Caller, permission: string, ref: Ref): Promise<string> {
    await this.#ctx.checker.require(caller, permission, ref.resource, ref.given)
    return this.#point(ref)
  }

  /** Compat: ListPolicies: metadata only (no rules); pageSize ignored, 1000 per page. */
  async list(
    caller: Caller,
    parent: string,
    query: { pageToken?: string | undefined },
  ): Promise<ListDenyPoliciesResponse> {
    const { ref } = splitName(parent, 'parent')
    const point = await this.#authorize(caller, 'iam.denypolicies.list', ref)
    const page = await this.#ctx.store.listDenyPolicies(point, {
      pageSize: LIST_PAGE,
      ...(query.pageToken === undefined || query.pageToken === ''
        ? {}
        : { pageToken: query.pageToken }),
    })
    const policies = page.items.map((r) => {
      const { rules: _rules, ...meta } = renderDenyPolicy(r)
      return meta
    })
    return {
      ...(policies.length > 0 ? { policies } : {}),
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    }
  }

  async get(caller: Caller, name: string): Promise<DenyPolicy> {
    const { ref, id } = splitName(name, 'policy')
    const point = await this.#authorize(caller, 'iam.denypolicies.get', ref)
    const r = await this.#ctx.store.getDenyPolicy(point, id)
    if (r === undefined) throw notFound(name)
    return renderDenyPolicy(r)
  }

  async create(
    caller: Caller,
    parent: string,
    policyId: string | undefined,
    body: unknown,
  ): Promise<Operation> {
    const { ref } = splitName(parent, 'parent')
    const point = await this.#authorize(caller, 'iam.denypolicies.create', ref)
    if (policyId === undefined || policyId === '') {
      throw invalidDenyPolicy('The policyId query parameter is required.', 'policyId')
    }
    checkDenyPolicyId(policyId)
    const content = validateDenyPolicy(body)
    const now = isoTime(this.#ctx.now())
    const record: DenyPolicyRecord = {
      attachmentPoint: point,
      policyId,
      uid: newUuid(),
      ...content,
      etag: randomEtag(),
      createTime: now,
      updateTime: now,
    }
    return this.#ctx.store.transact(async (tx) => {
      await tx.lockDenyPolicies(point)
      await checkLimits(tx, point, record)
      await tx.createDenyPolicy(record)
      return putOperation(tx, record, now, renderDenyPolicy(record))
    })
  }

  /** Compat: UpdatePolicy: only rules and displayName change; the body's etag, when set, must match. */
  async update(caller: Caller, name: string, body: unknown): Promise<Operation> {
    const { ref, id } = splitName(name, 'policy')
    const point = await this.#authorize(caller, 'iam.denypolicies.update', ref)
    const content: DenyPolicyContent = validateDenyPolicy(body)
    const etag = isObject(body) && typeof body['etag'] === 'string' ? body['etag'] : undefined
    const now = isoTime(this.#ctx.now())
    return this.#ctx.store.transact(async (tx) => {
      await tx.lockDenyPolicies(point)
      const existing = await tx.getDenyPolicy(point, id)
      if (existing === undefined) throw notFound(name)
      const { displayName: _d, rules: _r, ...kept } = existing
      const record: DenyPolicyRecord = {
        ...kept,
        ...(content.displayName === undefined ? {} : { displayName: content.displayName }),
        rules: content.rules,
        etag: randomEtag(),
        updateTime: now,
      }
      await checkLimits(tx, point, record)
      await tx.updateDenyPolicy(record, etag === undefined || etag === '' ? {} : { ifEtag: etag })
      return putOperation(tx, record, now, renderDenyPolicy(record))
    })
  }

  /** Compat: DeletePolicy: permanent; the answer's policy has deleteTime; `etag` optional. */
  async delete(caller: Caller, name: string, etag: string | undefined): Promise<Operation> {
    const { ref, id } = splitName(name, 'policy')
    const point = await this.#authorize(caller, 'iam.denypolicies.delete', ref)
    const now = isoTime(this.#ctx.now())
    return this.#ctx.store.transact(async (tx) => {
      const existing = await tx.getDenyPolicy(point, id)
      if (existing === undefined) throw notFound(name)
      await tx.deleteDenyPolicy(
        point,
        id,
        etag === undefined || etag === '' ? {} : { ifEtag: etag },
      )
      return putOperation(tx, existing, now, renderDenyPolicy(existing, now))
    })
  }

  async getOperation(caller: Caller, name: string): Promise<Operation> {
    const { ref } = splitName(name, 'operation')
    const point = await this.#authorize(caller, 'iam.denypolicies.get', ref)
    // Operations are stored under the number-form name; the caller may have used the project id.
    const parts = name.split('/')
    const stored = `policies/${encodeURIComponent(point)}/${parts.slice(2).join('/')}`
    const op = await this.#ctx.store.getOperation(stored)
    if (op === undefined) {
      throw new IamError(Code.NOT_FOUND, 'RESOURCE_NOT_FOUND', `Operation '${name}' not found.`, {
        metadata: { name },
      })
    }
    return op.body as unknown as Operation
  }
}

/** Compat: up to 500 deny policies per attachment point, 500 rules across them (reference §4.6). */
async function checkLimits(tx: StoreTx, point: string, record: DenyPolicyRecord): Promise<void> {
  const others = (await tx.denyPoliciesAt([point])).filter((p) => p.policyId !== record.policyId)
  if (others.length + 1 > MAX_DENY_POLICIES_PER_ATTACHMENT) {
    throw denyPolicyLimit(
      `Attachment point '${point}' already has ${others.length} deny policies; the limit is ${MAX_DENY_POLICIES_PER_ATTACHMENT}.`,
    )
  }
  const rules = others.reduce((n, p) => n + p.rules.length, record.rules.length)
  if (rules > MAX_DENY_RULES) {
    throw denyPolicyLimit(
      `Attachment point '${point}' would have ${rules} deny rules across its deny policies; the limit is ${MAX_DENY_RULES}.`,
    )
  }
}

async function putOperation(
  tx: StoreTx,
  record: DenyPolicyRecord,
  now: string,
  policy: DenyPolicy,
): Promise<Operation> {
  const op: Operation = {
    name: `${denyPolicyName(record)}/operations/${newUuid().replaceAll('-', '').slice(0, 16)}`,
    metadata: {
      '@type': 'type.googleapis.com/google.iam.v2.PolicyOperationMetadata',
      createTime: now,
    },
    done: true,
    response: { '@type': 'type.googleapis.com/google.iam.v2.Policy', ...policy },
  }
  await tx.putOperation({
    name: op.name,
    body: op as unknown as Record<string, unknown>,
    createTime: now,
  })
  return op
}
