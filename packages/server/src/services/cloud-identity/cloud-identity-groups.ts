// Cloud Identity groups and memberships (cloudidentity.googleapis.com v1): groups create, get,
// list, lookup, patch, delete; memberships create, get, list, lookup, delete. A membership whose
// member is a group nests that group. Authorize first (AIP-211: the cloudidentity.groups.*
// permission on the organization, whatever the group), then look up, then act.
import type {
  CloudIdentityOperation,
  Group,
  ListGroupsResponse,
  ListMembershipsResponse,
  LookupGroupNameResponse,
  LookupMembershipNameResponse,
  Membership,
} from '@runiam/api'
import { asciiLower, Code, IamError, isIamError, parseMember, permissionDenied } from '@runiam/core'
import type { GroupRecord, MembershipRecord, OrganizationRecord, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, randomDigits, randomSuffix, type ServiceContext } from '../context.js'
import { invalidArgument } from '../names.js'
import {
  customerIdOf,
  entityExists,
  groupDenied,
  listPageSize,
  MAX_DESCRIPTION,
  MAX_DISPLAY_NAME,
  memberTypeOf,
  operationOf,
  parseEntityKey,
  parseGroupName,
  parseLabels,
  parseMembershipName,
  parseRoles,
  parseView,
  renderGroup,
  renderMembership,
  stringField,
} from './group-model.js'

export interface ListRequest {
  readonly view?: string | undefined
  readonly pageSize?: string | undefined
  readonly pageToken?: string | undefined
}

/** A fresh group id: 15 lower-case letters and digits, starting with 0 (Google's look). */
const newGroupId = (): string => `0${randomSuffix(14)}`

/** The caller's email when it is a user or a service account. */
function callerEmail(caller: Caller): string | undefined {
  try {
    const m = parseMember(caller.member)
    return m.type === 'user' || m.type === 'serviceAccount' ? asciiLower(m.email) : undefined
  } catch {
    return undefined
  }
}

/** The store's ALREADY_EXISTS (a concurrent create won) as Cloud Identity words it. */
function asEntityExists(resource: string): (e: unknown) => never {
  return (e: unknown) => {
    if (isIamError(e) && e.code === Code.ALREADY_EXISTS) throw entityExists(resource)
    throw e
  }
}

export class CloudIdentityGroupService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /**
   * Checks `permission` on the organization (where group management is granted), before anything
   * is looked up; the denial names the organization, where a grant would have to be.
   */
  async #authorize(caller: Caller, permission: string): Promise<OrganizationRecord> {
    const org = await this.#ctx.checker.organization()
    const orgName = org === undefined ? 'organizations/-' : `organizations/${org.id}`
    const decision = await this.#ctx.checker.decide(caller, permission, orgName)
    if (!decision.allowed) throw permissionDenied(permission, orgName)
    if (org === undefined) {
      throw new IamError(
        Code.FAILED_PRECONDITION,
        'NO_ORGANIZATION',
        'This server has no organization node, so it has no Cloud Identity customer.',
      )
    }
    return org
  }

  /**
   * The organization's customer (`customers/C…`) when `parent` names it. Compat: gcloud sends
   * `customerId/C…`; `customers/my_customer` means the caller's own customer.
   */
  #customer(org: OrganizationRecord, parent: unknown, permission: string): string {
    if (parent === undefined || parent === null || parent === '') {
      throw invalidArgument('parent', 'Field parent is required: customers/{customer_id}.')
    }
    const ours = `customers/${customerIdOf(org.id)}`
    const m = typeof parent === 'string' ? /^(?:customers|customerId)\/([^/]+)$/.exec(parent) : null
    if (m === null) {
      throw invalidArgument(
        'parent',
        `Invalid parent ${JSON.stringify(parent)}: it must be customers/{customer_id}; this organization's is ${ours}.`,
      )
    }
    if (m[1] !== 'my_customer' && m[1] !== customerIdOf(org.id)) {
      throw permissionDenied(permission, String(parent))
    }
    return ours
  }

  async #group(reader: Pick<StoreTx, 'getGroup'>, id: string): Promise<GroupRecord> {
    const g = await reader.getGroup(id)
    if (g === undefined) throw groupDenied(`groups/${id}`)
    return g
  }

  /** Compat: cloudidentity groups.create: an Operation whose response is the Group. */
  async createGroup(
    caller: Caller,
    initialGroupConfig: string | undefined,
    body: unknown,
  ): Promise<CloudIdentityOperation> {
    const org = await this.#authorize(caller, 'cloudidentity.groups.create')
    if (!isObject(body)) throw invalidArgument('group', 'Request body must be a JSON object.')
    const parent = this.#customer(org, body['parent'], 'cloudidentity.groups.create')
    const email = parseEntityKey(body['groupKey'], 'groupKey')
    const domain = email.slice(email.lastIndexOf('@') + 1)
    if (domain !== asciiLower(org.domain)) {
      throw new IamError(
        Code.INVALID_ARGUMENT,
        'GROUP_DOMAIN_NOT_ALLOWED',
        `Invalid groupKey.id '${email}': a group's email must be in the organization's domain '${org.domain}'.`,
        { metadata: { field: 'groupKey.id', domain } },
      )
    }
    const displayName = stringField(body, 'displayName', MAX_DISPLAY_NAME)
    const description = stringField(body, 'description', MAX_DESCRIPTION)
    const labels = parseLabels(body['labels'])
    let owner: string | undefined
    if (initialGroupConfig === 'WITH_INITIAL_OWNER') {
      owner = callerEmail(caller)
      if (owner === undefined) {
        throw invalidArgument(
          'initialGroupConfig',
          'WITH_INITIAL_OWNER makes the caller the group owner, but this caller has no email: use EMPTY.',
        )
      }
    } else if (
      initialGroupConfig !== undefined &&
      initialGroupConfig !== '' &&
      initialGroupConfig !== 'EMPTY' &&
      initialGroupConfig !== 'INITIAL_GROUP_CONFIG_UNSPECIFIED'
    ) {
      throw invalidArgument(
        'initialGroupConfig',
        `Invalid value at 'initial_group_config' (type.googleapis.com/google.apps.cloudidentity.groups.v1.InitialGroupConfig), "${initialGroupConfig}"`,
      )
    }
    const now = isoTime(this.#ctx.now())
    const group = await this.#ctx.store
      .transact(async (tx) => {
        if ((await tx.getGroupByEmail(email)) !== undefined) throw entityExists(email)
        let id = newGroupId()
        while ((await tx.getGroup(id)) !== undefined) id = newGroupId()
        const record: GroupRecord = {
          id,
          email,
          parent,
          displayName,
          description,
          labels,
          createTime: now,
          updateTime: now,
        }
        await tx.createGroup(record)
        if (owner !== undefined) {
          // Compat: WITH_INITIAL_OWNER: "the end user making the request will be added as the
          // initial owner of the Group" (an owner is a member too).
          await tx.createMembership({
            groupId: id,
            id: randomDigits(21),
            memberKey: owner,
            type: memberTypeOf(owner),
            roles: ['OWNER', 'MEMBER'],
            createTime: now,
            updateTime: now,
          })
        }
        return record
      })
      .catch(asEntityExists(email))
    return operationOf('Group', renderGroup(group))
  }

  /** Compat: cloudidentity groups.get (the FULL view). */
  async getGroup(caller: Caller, name: string): Promise<Group> {
    await this.#authorize(caller, 'cloudidentity.groups.get')
    return renderGroup(await this.#group(this.#ctx.store, parseGroupName(name)))
  }

  /** Compat: cloudidentity groups.list?parent=customers/C…: the customer's groups, by email. */
  async listGroups(
    caller: Caller,
    parent: string | undefined,
    request: ListRequest,
  ): Promise<ListGroupsResponse> {
    const org = await this.#authorize(caller, 'cloudidentity.groups.list')
    const customer = this.#customer(org, parent, 'cloudidentity.groups.list')
    const view = parseView(request.view)
    const page = await this.#ctx.store.listGroups(customer, {
      pageSize: listPageSize(request.pageSize, view),
      ...(request.pageToken === undefined || request.pageToken === ''
        ? {}
        : { pageToken: request.pageToken }),
    })
    return {
      ...(page.items.length > 0 ? { groups: page.items.map((g) => renderGroup(g, view)) } : {}),
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    }
  }

  /** Compat: cloudidentity groups.lookup?groupKey.id=EMAIL: `{name}`. */
  async lookupGroup(
    caller: Caller,
    key: { readonly id?: string | undefined; readonly namespace?: string | undefined },
  ): Promise<LookupGroupNameResponse> {
    await this.#authorize(caller, 'cloudidentity.groups.get')
    const email = parseEntityKey(key, 'groupKey')
    const g = await this.#ctx.store.getGroupByEmail(email)
    if (g === undefined) throw groupDenied(email)
    return { name: `groups/${g.id}` }
  }

  /** Compat: cloudidentity groups.patch?updateMask=…: display_name, description, labels. */
  async patchGroup(
    caller: Caller,
    name: string,
    updateMask: string | undefined,
    body: unknown,
  ): Promise<CloudIdentityOperation> {
    await this.#authorize(caller, 'cloudidentity.groups.update')
    const id = parseGroupName(name)
    if (!isObject(body)) throw invalidArgument('group', 'Request body must be a JSON object.')
    const paths = (updateMask ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '')
    if (paths.length === 0) {
      throw invalidArgument('updateMask', 'Field updateMask is required.')
    }
    const fields = new Set<string>()
    for (const p of paths) {
      const f = { display_name: 'displayName', displayName: 'displayName' }[p] ?? p
      if (f !== 'displayName' && f !== 'description' && f !== 'labels') {
        throw invalidArgument(
          'updateMask',
          `Invalid update mask path '${p}': it may only contain display_name, description, labels.`,
        )
      }
      fields.add(f)
    }
    const now = isoTime(this.#ctx.now())
    const next = await this.#ctx.store.transact(async (tx) => {
      const g = await this.#group(tx, id)
      const record: GroupRecord = {
        ...g,
        ...(fields.has('displayName')
          ? { displayName: stringField(body, 'displayName', MAX_DISPLAY_NAME) }
          : {}),
        ...(fields.has('description')
          ? { description: stringField(body, 'description', MAX_DESCRIPTION) }
          : {}),
        ...(fields.has('labels') ? { labels: parseLabels(body['labels'], g.labels) } : {}),
        updateTime: now,
      }
      await tx.updateGroup(record)
      return record
    })
    return operationOf('Group', renderGroup(next))
  }

  /** Compat: cloudidentity groups.delete; its memberships, and those naming it, go with it. */
  async deleteGroup(caller: Caller, name: string): Promise<CloudIdentityOperation> {
    await this.#authorize(caller, 'cloudidentity.groups.delete')
    const id = parseGroupName(name)
    await this.#ctx.store.transact(async (tx) => {
      await this.#group(tx, id)
      await tx.deleteGroup(id)
    })
    return operationOf('Empty')
  }

  /**
   * Compat: cloudidentity groups.memberships.create: an Operation whose response is the
   * Membership. A member that is one of the organization's groups nests it (type GROUP).
   */
  async createMembership(
    caller: Caller,
    parent: string,
    body: unknown,
  ): Promise<CloudIdentityOperation> {
    await this.#authorize(caller, 'cloudidentity.groups.memberships.create')
    const groupId = parseGroupName(parent, 'parent')
    if (!isObject(body)) throw invalidArgument('membership', 'Request body must be a JSON object.')
    // v1 names the member preferredMemberKey; v1beta1 clients send memberKey.
    const memberKey = parseEntityKey(
      body['preferredMemberKey'] ?? body['memberKey'],
      'preferredMemberKey',
    )
    const roles = parseRoles(body['roles'])
    const now = isoTime(this.#ctx.now())
    const membership = await this.#ctx.store
      .transact(async (tx) => {
        const group = await this.#group(tx, groupId)
        if (memberKey === group.email) {
          throw invalidArgument(
            'preferredMemberKey.id',
            `Invalid preferredMemberKey.id '${memberKey}': a group cannot be a member of itself.`,
          )
        }
        if ((await tx.findMembership(groupId, memberKey)) !== undefined) {
          throw entityExists(`groups/${groupId}`)
        }
        const memberGroup = await tx.getGroupByEmail(memberKey)
        let id = memberGroup?.id ?? randomDigits(21)
        while (memberGroup === undefined && (await tx.getMembership(groupId, id)) !== undefined) {
          id = randomDigits(21)
        }
        const record: MembershipRecord = {
          groupId,
          id,
          memberKey,
          ...(memberGroup === undefined
            ? { type: memberTypeOf(memberKey) }
            : { type: 'GROUP' as const, memberGroupId: memberGroup.id }),
          roles,
          createTime: now,
          updateTime: now,
        }
        await tx.createMembership(record)
        return record
      })
      .catch(asEntityExists(`groups/${groupId}`))
    return operationOf('Membership', renderMembership(membership))
  }

  async #membership(
    reader: Pick<StoreTx, 'getGroup' | 'getMembership'>,
    name: string,
  ): Promise<MembershipRecord> {
    const { groupId, id } = parseMembershipName(name)
    const m = await reader.getMembership(groupId, id)
    if (m !== undefined) return m
    await this.#group(reader, groupId)
    throw groupDenied(`groups/${groupId}/memberships/${id}`, 'Membership')
  }

  /** Compat: cloudidentity groups.memberships.get (the FULL view). */
  async getMembership(caller: Caller, name: string): Promise<Membership> {
    await this.#authorize(caller, 'cloudidentity.groups.memberships.get')
    return renderMembership(await this.#membership(this.#ctx.store, name))
  }

  /** Compat: cloudidentity groups.memberships.list: the group's direct members, by email. */
  async listMemberships(
    caller: Caller,
    parent: string,
    request: ListRequest,
  ): Promise<ListMembershipsResponse> {
    await this.#authorize(caller, 'cloudidentity.groups.memberships.list')
    const groupId = parseGroupName(parent, 'parent')
    const view = parseView(request.view)
    const pageSize = listPageSize(request.pageSize, view)
    await this.#group(this.#ctx.store, groupId)
    const page = await this.#ctx.store.listMemberships(groupId, {
      pageSize,
      ...(request.pageToken === undefined || request.pageToken === ''
        ? {}
        : { pageToken: request.pageToken }),
    })
    return {
      ...(page.items.length > 0
        ? { memberships: page.items.map((m) => renderMembership(m, view)) }
        : {}),
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    }
  }

  /** Compat: cloudidentity groups.memberships.lookup?memberKey.id=EMAIL: `{name}`. */
  async lookupMembership(
    caller: Caller,
    parent: string,
    key: { readonly id?: string | undefined; readonly namespace?: string | undefined },
  ): Promise<LookupMembershipNameResponse> {
    await this.#authorize(caller, 'cloudidentity.groups.memberships.get')
    const groupId = parseGroupName(parent, 'parent')
    const memberKey = parseEntityKey(key, 'memberKey')
    await this.#group(this.#ctx.store, groupId)
    const m = await this.#ctx.store.findMembership(groupId, memberKey)
    if (m === undefined)
      throw groupDenied(`groups/${groupId}/memberships/${memberKey}`, 'Membership')
    return { name: `groups/${groupId}/memberships/${m.id}` }
  }

  /** Compat: cloudidentity groups.memberships.delete. */
  async deleteMembership(caller: Caller, name: string): Promise<CloudIdentityOperation> {
    await this.#authorize(caller, 'cloudidentity.groups.memberships.delete')
    await this.#ctx.store.transact(async (tx) => {
      const m = await this.#membership(tx, name)
      await tx.deleteMembership(m.groupId, m.id)
    })
    return operationOf('Empty')
  }
}
