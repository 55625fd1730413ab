// Custom roles in core: names, Google's limits and messages for what a create or patch writes,
// which permissions a project- or organization-level role may hold, and where a custom role may be
// bound (validatePolicy with the roles of the resource's hierarchy).
import { describe, expect, it } from 'vitest'
import type { IamError } from '../errors/iam-error.js'
import { isIamError } from '../errors/iam-error.js'
import { validatePolicy } from '../policy/validate-policy.js'
import { customRoleGrantableOn, testablePermissions } from './catalog.js'
import {
  assertRoleId,
  checkCustomRole,
  customRolePermissionProblem,
  isCustomRoleName,
  parseCustomRoleName,
  readRoleInput,
  type CustomRoleContent,
} from './custom-role.js'

function thrown(fn: () => unknown): IamError {
  try {
    fn()
  } catch (e) {
    if (isIamError(e)) return e
    throw e
  }
  throw new Error('expected an IamError')
}

const role = (over: Partial<CustomRoleContent> = {}): CustomRoleContent => ({
  title: 'Invoker',
  description: '',
  includedPermissions: ['run.routes.invoke'],
  stage: 'GA',
  ...over,
})

describe('custom role names', () => {
  it('parses project and organization roles', () => {
    expect(parseCustomRoleName('projects/p1/roles/invoker.v2')).toEqual({
      name: 'projects/p1/roles/invoker.v2',
      parent: 'projects/p1',
      parentType: 'project',
      parentId: 'p1',
      roleId: 'invoker.v2',
    })
    expect(parseCustomRoleName('organizations/123/roles/r_1')?.parentType).toBe('organization')
  })

  it.each(['roles/run.invoker', 'projects/p/roles', 'projects/p/roles/a/b', 'folders/1/roles/x'])(
    '%s is not a custom role',
    (name) => {
      expect(parseCustomRoleName(name)).toBeUndefined()
      expect(isCustomRoleName(name)).toBe(false)
    },
  )

  it('role ids: 3 to 64 letters, digits, underscores and periods, with Google message', () => {
    for (const ok of ['abc', 'a.b_c', 'X'.repeat(64)]) expect(() => assertRoleId(ok)).not.toThrow()
    for (const bad of ['ab', 'a-b-c', 'X'.repeat(65), '', 'a/b', 'ünï']) {
      const e = thrown(() => assertRoleId(bad))
      expect(e.reason).toBe('INVALID_ROLE_ID')
      expect(e.message).toBe(
        `The role_id "${bad}" is invalid. It doesn't match pattern "[a-zA-Z0-9_\\.]{3,64}". The role_id must be 3 to 64 characters long and can be a mix of uppercase and lowercase English letters, digits, underscores and periods.`,
      )
    }
  })
})

describe('readRoleInput', () => {
  it('reads camelCase and snake_case, stage by name or number, null as absent', () => {
    expect(
      readRoleInput({
        title: 'T',
        included_permissions: ['run.routes.invoke'],
        stage: 2,
        description: null,
      }),
    ).toEqual({ title: 'T', includedPermissions: ['run.routes.invoke'], stage: 'GA' })
    expect(readRoleInput({ stage: 'DISABLED' }).stage).toBe('DISABLED')
  })

  it.each<[unknown, string]>([
    [{ stage: 'PROD' }, `Invalid value at 'role.stage'`],
    [{ stage: 3 }, `Invalid value at 'role.stage'`],
    [{ title: 5 }, `Invalid value at 'role.title' (TYPE_STRING), 5`],
    [{ includedPermissions: 'run.routes.invoke' }, `Invalid value at 'role.includedPermissions'`],
    [{ includedPermissions: [1] }, `Invalid value at 'role.includedPermissions[0]'`],
    [{ owner: 'me' }, `Unknown name "owner" at 'role'`],
    ['a role', `Invalid value at 'role'`],
  ])('refuses %j', (raw, message) => {
    const e = thrown(() => readRoleInput(raw))
    expect(e.code).toBe(3)
    expect(e.message).toContain(message)
  })
})

describe('checkCustomRole', () => {
  it('sorts and de-duplicates the permissions', () => {
    expect(
      checkCustomRole(
        role({
          includedPermissions: ['run.services.get', 'run.routes.invoke', 'run.services.get'],
        }),
        'project',
      ).includedPermissions,
    ).toEqual(['run.routes.invoke', 'run.services.get'])
  })

  it('title at most 100 bytes, description at most 300 (UTF-8 bytes, not characters)', () => {
    expect(() => checkCustomRole(role({ title: 'x'.repeat(100) }), 'project')).not.toThrow()
    expect(thrown(() => checkCustomRole(role({ title: 'é'.repeat(51) }), 'project')).message).toBe(
      'The title of the role is 102 bytes long; a title may have at most 100 bytes.',
    )
    expect(() => checkCustomRole(role({ description: 'd'.repeat(300) }), 'project')).not.toThrow()
    expect(
      thrown(() => checkCustomRole(role({ description: 'd'.repeat(301) }), 'project')).reason,
    ).toBe('INVALID_ROLE')
  })

  it('permissions must be known, and hold in a project-level role', () => {
    expect(customRolePermissionProblem('run.services.get', 'project')).toBeUndefined()
    expect(customRolePermissionProblem('run.nothing.here', 'organization')).toBe(
      'Permission run.nothing.here is not valid.',
    )
    // Compat: terraform-google-iam#158.
    expect(customRolePermissionProblem('resourcemanager.projects.list', 'project')).toBe(
      'Permission resourcemanager.projects.list is not valid.',
    )
    expect(
      customRolePermissionProblem('resourcemanager.projects.list', 'organization'),
    ).toBeUndefined()
    expect(
      customRolePermissionProblem('resourcemanager.organizations.getIamPolicy', 'project'),
    ).toBe('Permission resourcemanager.organizations.getIamPolicy is not valid.')
    const e = thrown(() =>
      checkCustomRole(
        role({ includedPermissions: ['run.routes.invoke', 'storage.x.y'] }),
        'project',
      ),
    )
    expect(e.reason).toBe('INVALID_PERMISSION')
    expect(e.message).toBe('Permission storage.x.y is not valid.')
  })

  it('at most 3,000 permissions', () => {
    const many = Array.from({ length: 3001 }, (_, i) => `run.services.p${i}`)
    const e = thrown(() => checkCustomRole(role({ includedPermissions: many }), 'organization'))
    expect(e.message).toBe(
      'The role includes 3,001 permissions; a custom role may include at most 3,000.',
    )
  })
})

describe('testable permissions and grantability', () => {
  it('a service tests run.services.* and run.routes.*, never project-level permissions', () => {
    const onService = testablePermissions('service')
    expect(onService).toContain('run.routes.invoke')
    expect(onService).toContain('run.services.setIamPolicy')
    expect(onService).not.toContain('run.jobs.run')
    expect(onService).not.toContain('resourcemanager.projects.get')
    const onProject = testablePermissions('project')
    expect(onProject).toEqual(expect.arrayContaining(['run.routes.invoke', 'iam.roles.create']))
    expect(onProject).not.toContain('resourcemanager.organizations.get')
    expect(testablePermissions('organization')).toContain('resourcemanager.organizations.get')
    expect([...onProject].sort()).toEqual(onProject)
  })

  it('a custom role is grantable where one of its permissions applies (anywhere when empty)', () => {
    expect(customRoleGrantableOn(['run.routes.invoke'], 'service')).toBe(true)
    expect(customRoleGrantableOn(['run.routes.invoke'], 'project')).toBe(true)
    expect(customRoleGrantableOn(['run.jobs.run'], 'service')).toBe(false)
    expect(customRoleGrantableOn([], 'service')).toBe(true)
  })
})

describe('validatePolicy with custom roles', () => {
  const R = 'projects/p1/roles/invoker'
  const policy = (members: string[], r = R) => ({ bindings: [{ role: r, members }] })

  it('accepts a custom role of the hierarchy where one of its permissions applies', () => {
    const customRoles = new Map([
      [R, { includedPermissions: ['run.routes.invoke'], deleted: false }],
    ])
    expect(
      validatePolicy(policy(['user:a@example.com']), { resourceType: 'service', customRoles })
        .bindings,
    ).toEqual([{ role: R, members: ['user:a@example.com'] }])
    const e = thrown(() =>
      validatePolicy(policy(['user:a@example.com']), {
        resourceType: 'job',
        customRoles,
      }),
    )
    expect(e.message).toBe(`Role ${R} is not supported for this resource.`)
  })

  it('refuses one that does not exist in the hierarchy with Google message', () => {
    const e = thrown(() =>
      validatePolicy(policy(['user:a@example.com']), { resourceType: 'project' }),
    )
    expect(e.reason).toBe('ROLE_NOT_FOUND')
    expect(e.message).toBe(`Role (${R}) does not exist in the resource's hierarchy.`)
  })

  it('keeps the members already bound to a deleted role, and refuses new ones', () => {
    const customRoles = new Map([
      [
        R,
        {
          includedPermissions: ['run.routes.invoke'],
          deleted: true,
          boundMembers: new Set(['user:a@example.com']),
        },
      ],
    ])
    expect(() =>
      validatePolicy(policy(['user:A@example.com']), { resourceType: 'project', customRoles }),
    ).not.toThrow()
    const e = thrown(() =>
      validatePolicy(policy(['user:a@example.com', 'user:b@example.com']), {
        resourceType: 'project',
        customRoles,
      }),
    )
    expect(e.reason).toBe('ROLE_NOT_FOUND')
    expect(e.message).toContain('user:b@example.com cannot be bound to it')
  })
})
