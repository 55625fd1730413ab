// GroupReader over an engine's group row reads: paging and case rules, the same on every engine.
import type { GroupReader } from '../group-store.js'
import type { GroupRowReads } from './group-row-ops.js'
import { pageWindow, toPage } from './paging.js'

export function createGroupReader(rows: () => GroupRowReads): GroupReader {
  return {
    getGroup: async (id) => rows().group(id),
    getGroupByEmail: async (email) => rows().groupByEmail(email.toLowerCase()),
    async listGroups(parent, page) {
      const w = pageWindow(page)
      const found = await rows().groups(parent, w.after, w.size + 1)
      return toPage(found, w.size, (g) => g.email)
    },
    getMembership: async (groupId, id) => rows().membership(groupId, id),
    findMembership: async (groupId, memberKey) =>
      rows().membershipByMember(groupId, memberKey.toLowerCase()),
    async listMemberships(groupId, page) {
      const w = pageWindow(page)
      const found = await rows().memberships(groupId, w.after, w.size + 1)
      return toPage(found, w.size, (m) => m.memberKey)
    },
    listMembershipEdges: async () => rows().membershipEdges(),
  }
}
