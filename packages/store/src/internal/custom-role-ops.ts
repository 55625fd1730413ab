// The custom-role methods of StoreReader and StoreTx over an engine's rows: paging, errors,
// compare-and-set and one Change (kind `role`) per write, the same on every engine.
import type { CustomRoleReader, CustomRoleRecord, CustomRoleWriter } from '../custom-roles.js'
import type { Page } from '../records.js'
import { ChangeKind } from './change-feed.js'
import { alreadyExists, notFound, resourceEtagMismatch } from './errors.js'
import { pageWindow, toPage } from './paging.js'
import { CHANGED, ROWS, type ReadHost, type WriteHost } from './row-host.js'

/** CustomRoleReader's methods, for a reader's or a tx's prototype (see row-host.ts). */
export const customRoleReaderMethods: CustomRoleReader & ThisType<ReadHost> = {
  async getCustomRole(name) {
    return this[ROWS]().customRoles.customRole(name)
  },
  async getCustomRoles(names) {
    const unique = [...new Set(names)]
    const found =
      unique.length === 0 ? [] : await this[ROWS]().customRoles.customRolesByName(unique)
    return new Map(found.map((r) => [r.name, r]))
  },
  async listCustomRoles(parent, request): Promise<Page<CustomRoleRecord>> {
    const w = pageWindow(request)
    const found = await this[ROWS]().customRoles.customRoles(
      parent,
      request?.showDeleted === true,
      w.after,
      w.size + 1,
    )
    return toPage(found, w.size, (r) => r.name)
  },
  async listAllCustomRoles(parent) {
    return this[ROWS]().customRoles.customRoles(parent, true, undefined, 1_000_000)
  },
  async policiesBindingRole(role) {
    return this[ROWS]().customRoles.policiesBindingRole(role)
  },
}

/** CustomRoleWriter's methods, for a tx's prototype (see row-host.ts). */
export const customRoleWriterMethods: CustomRoleWriter & ThisType<WriteHost> = {
  async createCustomRole(role) {
    if (!(await this[ROWS]().customRoles.insertCustomRole(role))) {
      throw alreadyExists('Role', role.name)
    }
    this[CHANGED](ChangeKind.role, role.name)
  },
  async updateCustomRole(role, options) {
    const ifEtag = options?.ifEtag
    if (!(await this[ROWS]().customRoles.updateCustomRole(role, ifEtag))) {
      const existing = await this[ROWS]().customRoles.customRole(role.name)
      if (existing === undefined) throw notFound('Role', role.name)
      throw resourceEtagMismatch(role.name, ifEtag ?? '', existing.etag)
    }
    this[CHANGED](ChangeKind.role, role.name)
  },
  async deleteCustomRole(name) {
    if (!(await this[ROWS]().customRoles.deleteCustomRole(name))) throw notFound('Role', name)
    this[CHANGED](ChangeKind.role, name)
  },
  async lockCustomRoles(parent) {
    await this[ROWS]().customRoles.lockCustomRoles(parent)
  },
}
