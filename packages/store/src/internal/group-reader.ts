// GroupReader over an engine's group row reads: paging and case rules, the same on every engine.
import type { GroupReader } from '../group-store.js'
import { pageWindow, toPage } from './paging.js'
import { ROWS, type ReadHost } from './row-host.js'

/** GroupReader's methods, for a reader's or a tx's prototype (see row-host.ts). */
export const groupReaderMethods: GroupReader & ThisType<ReadHost> = {
  async getGroup(id) {
    return this[ROWS]().groups.group(id)
  },
  async getGroupByEmail(email) {
    return this[ROWS]().groups.groupByEmail(email.toLowerCase())
  },
  async listGroups(parent, page) {
    const w = pageWindow(page)
    const found = await this[ROWS]().groups.groups(parent, w.after, w.size + 1)
    return toPage(found, w.size, (g) => g.email)
  },
  async getMembership(groupId, id) {
    return this[ROWS]().groups.membership(groupId, id)
  },
  async findMembership(groupId, memberKey) {
    return this[ROWS]().groups.membershipByMember(groupId, memberKey.toLowerCase())
  },
  async listMemberships(groupId, page) {
    const w = pageWindow(page)
    const found = await this[ROWS]().groups.memberships(groupId, w.after, w.size + 1)
    return toPage(found, w.size, (m) => m.memberKey)
  },
  async listMembershipEdges() {
    return this[ROWS]().groups.membershipEdges()
  },
}
