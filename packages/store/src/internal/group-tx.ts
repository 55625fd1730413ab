// GroupWriter over an engine's group row writes: the semantics groups.contract.ts pins
// (ALREADY_EXISTS, NOT_FOUND, one Change per write), written once for both engines.
import { groupName, membershipName } from '../group-records.js'
import type { GroupWriter } from '../group-store.js'
import { ChangeKind } from './change-feed.js'
import { alreadyExists, misuse, notFound } from './errors.js'
import type { GroupRowWrites } from './group-row-ops.js'

export function createGroupTx(
  rows: () => GroupRowWrites,
  changed: (kind: string, name: string) => void,
): GroupWriter {
  return {
    async createGroup(group) {
      if (group.email !== group.email.toLowerCase()) {
        throw misuse(`createGroup: the email '${group.email}' is not lower-case.`)
      }
      if (!(await rows().insertGroup(group))) {
        const byId = await rows().group(group.id)
        throw byId !== undefined
          ? alreadyExists('Group', groupName(group.id))
          : alreadyExists('Group email', group.email)
      }
      changed(ChangeKind.group, groupName(group.id))
    },

    async updateGroup(group) {
      if (!(await rows().updateGroup(group))) throw notFound('Group', groupName(group.id))
      changed(ChangeKind.group, groupName(group.id))
    },

    async deleteGroup(id) {
      // Its memberships, and those naming it as a member elsewhere, go with it (the index is
      // rebuilt on any group change, so one change entry covers them).
      if (!(await rows().deleteGroup(id))) throw notFound('Group', groupName(id))
      changed(ChangeKind.group, groupName(id))
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
      const result = await rows().insertMembership(m)
      if (result === 'missing') {
        const group = await rows().group(m.groupId)
        throw notFound(
          'Group',
          groupName(group === undefined ? m.groupId : (m.memberGroupId ?? '')),
        )
      }
      if (result === 'exists') {
        throw alreadyExists('Membership', membershipName(m.groupId, m.id))
      }
      changed(ChangeKind.groupMembership, membershipName(m.groupId, m.id))
    },

    async deleteMembership(groupId, id) {
      if (!(await rows().deleteMembership(groupId, id))) {
        throw notFound('Membership', membershipName(groupId, id))
      }
      changed(ChangeKind.groupMembership, membershipName(groupId, id))
    },
  }
}
