// Group management on runiam's IAM (scripts/cloud-identity-roles.mjs): the roles that carry the
// cloudidentity.groups.* permissions, and that they can be granted only where they are checked.
import { describe, expect, it } from 'vitest'
import { isGrantableOn, permissionsOf } from './catalog.js'

describe('group management roles', () => {
  it('roles/owner and Groups Admin hold every group permission; Groups Viewer only reads', () => {
    const all = [
      'cloudidentity.groups.create',
      'cloudidentity.groups.delete',
      'cloudidentity.groups.get',
      'cloudidentity.groups.list',
      'cloudidentity.groups.update',
      'cloudidentity.groups.memberships.create',
      'cloudidentity.groups.memberships.delete',
      'cloudidentity.groups.memberships.get',
      'cloudidentity.groups.memberships.list',
    ]
    for (const p of all) {
      expect(permissionsOf('roles/owner')?.has(p), p).toBe(true)
      expect(permissionsOf('roles/cloudidentity.groupsAdmin')?.has(p), p).toBe(true)
      expect(permissionsOf('roles/editor')?.has(p), p).toBe(false)
      expect(permissionsOf('roles/viewer')?.has(p), p).toBe(false)
    }
    expect([...(permissionsOf('roles/cloudidentity.groupsViewer') ?? [])].sort()).toEqual([
      'cloudidentity.groups.get',
      'cloudidentity.groups.list',
      'cloudidentity.groups.memberships.get',
      'cloudidentity.groups.memberships.list',
    ])
  })

  it('the group roles are grantable on the organization only', () => {
    for (const role of ['roles/cloudidentity.groupsAdmin', 'roles/cloudidentity.groupsViewer']) {
      expect(isGrantableOn(role, 'organization')).toBe(true)
      expect(isGrantableOn(role, 'project')).toBe(false)
      expect(isGrantableOn(role, 'service')).toBe(false)
    }
  })
})
