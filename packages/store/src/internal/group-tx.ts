// GroupWriter over an engine's group row writes: the semantics groups.contract.ts pins
// (ALREADY_EXISTS, NOT_FOUND, one Change per write), written once for both engines.
import { groupName, membershipName } from '../group-records.js'
import type { GroupWriter } from '../group-store.js'
import { ChangeKind } from './change-feed.js'
import { alreadyExists, misuse, notFound } from './errors.js'
import { CHANGED, ROWS, type WriteHost } from './row-host.js'

/** GroupWriter's methods, for a tx's prototype (see row-host.ts). */
export const groupWriterMethods: GroupWriter & ThisType<WriteHost> = {
  async createGroup(group) {
    if (group.email !== group.email.toLowerCase()) {
      throw misuse(`createGroup: the email '${group.email}' is not lower-case.`)
    }
    if (!(await this[ROWS]().groups.insertGroup(group))) {
      const byId = await this[ROWS]().groups.group(group.id)
      throw byId !== undefined
        ? alreadyExists('Group', groupName(group.id))
        : alreadyExists('Group email', group.email)
    }
    this[CHANGED](ChangeKind.group, groupName(group.id))
  },

  async updateGroup(group) {
    if (!(await this[ROWS]().groups.updateGroup(group)))
      throw notFound('Group', groupName(group.id))
    this[CHANGED](ChangeKind.group, groupName(group.id))
  },

  async deleteGroup(id) {
    // Its memberships, and those naming it as a member elsewhere, go with it (the index is
    // rebuilt on any group change, so one change entry covers them).
    if (!(await this[ROWS]().groups.deleteGroup(id))) throw notFound('Group', groupName(id))
    this[CHANGED](ChangeKind.group, groupName(id))
  },

  async createMembership(m) {
    if (m.memberKey !== m.memberKey.toLowerCase()) {
      throw misuse(`createMembership: the member key '${m.memberKey}' is not lower-case.`)
    }
    if ((m.type === 'GROUP') !== (m.memberGroupId !== undefined)) {
      throw misuse(
        `createMembership(${membershipName(m.groupId, m.id)}): a GROUP member needs memberGroupId, and only it.`,
      )
    }
    const result = await this[ROWS]().groups.insertMembership(m)
    if (result === 'missing') {
      const group = await this[ROWS]().groups.group(m.groupId)
      throw notFound('Group', groupName(group === undefined ? m.groupId : (m.memberGroupId ?? '')))
    }
    if (result === 'exists') {
      throw alreadyExists('Membership', membershipName(m.groupId, m.id))
    }
    this[CHANGED](ChangeKind.groupMembership, membershipName(m.groupId, m.id))
  },

  async deleteMembership(groupId, id) {
    if (!(await this[ROWS]().groups.deleteMembership(groupId, id))) {
      throw notFound('Membership', membershipName(groupId, id))
    }
    this[CHANGED](ChangeKind.groupMembership, membershipName(groupId, id))
  },
}
