// The custom-role methods of StoreReader and StoreTx over an engine's rows: paging, errors,
// compare-and-set and one Change (kind `role`) per write, the same on every engine.
import type { CustomRoleReader, CustomRoleRecord, CustomRoleWriter } from '../custom-roles.js'
import type { Page } from '../records.js'
import { ChangeKind } from './change-feed.js'
import type { CustomRoleRows } from './custom-role-rows.js'
import { alreadyExists, notFound, resourceEtagMismatch } from './errors.js'
import { pageWindow, toPage } from './paging.js'

export function customRoleReader(rows: () => CustomRoleRows): CustomRoleReader {
  return {
    getCustomRole: async (name) => rows().customRole(name),
    async getCustomRoles(names) {
      const unique = [...new Set(names)]
      const found = unique.length === 0 ? [] : await rows().customRolesByName(unique)
      return new Map(found.map((r) => [r.name, r]))
    },
    async listCustomRoles(parent, request): Promise<Page<CustomRoleRecord>> {
      const w = pageWindow(request)
      const found = await rows().customRoles(
        parent,
        request?.showDeleted === true,
        w.after,
        w.size + 1,
      )
      return toPage(found, w.size, (r) => r.name)
    },
    listAllCustomRoles: async (parent) => rows().customRoles(parent, true, undefined, 1_000_000),
    policiesBindingRole: async (role) => rows().policiesBindingRole(role),
  }
}

export function customRoleWriter(
  rows: () => CustomRoleRows,
  changed: (kind: string, name: string) => void,
): CustomRoleWriter {
  return {
    async createCustomRole(role) {
      if (!(await rows().insertCustomRole(role))) throw alreadyExists('Role', role.name)
      changed(ChangeKind.role, role.name)
    },
    async updateCustomRole(role, options) {
      const ifEtag = options?.ifEtag
      if (!(await rows().updateCustomRole(role, ifEtag))) {
        const existing = await rows().customRole(role.name)
        if (existing === undefined) throw notFound('Role', role.name)
        throw resourceEtagMismatch(role.name, ifEtag ?? '', existing.etag)
      }
      changed(ChangeKind.role, role.name)
    },
    async deleteCustomRole(name) {
      if (!(await rows().deleteCustomRole(name))) throw notFound('Role', name)
      changed(ChangeKind.role, name)
    },
    async lockCustomRoles(parent) {
      await rows().lockCustomRoles(parent)
    },
  }
}
