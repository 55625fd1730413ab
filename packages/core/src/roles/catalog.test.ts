import { describe, expect, it } from 'vitest'
import { isIamError } from '../errors/iam-error.js'
import type { ResourceType } from '../policy/types.js'
import {
  assertGrantable,
  getRole,
  isBasicRole,
  isGrantableOn,
  listRoles,
  permissionsOf,
} from './catalog.js'

describe('role catalog', () => {
  it('describes roles like the IAM API', () => {
    const r = getRole('roles/run.invoker')
    expect(r).toEqual({
      name: 'roles/run.invoker',
      title: 'Cloud Run Invoker',
      description: 'Can invoke Cloud Run services, instances and execute Cloud Run jobs.',
      stage: 'GA',
      includedPermissions: ['run.instances.invoke', 'run.jobs.run', 'run.routes.invoke'],
    })
    expect(getRole('roles/run.nope')).toBeUndefined()
  })

  it('lists every role sorted by name', () => {
    const names = listRoles().map((r) => r.name)
    expect(names).toContain('roles/run.admin')
    expect(names).toContain('roles/owner')
    expect([...names].sort()).toEqual(names)
  })

  it('gives permission sets', () => {
    expect(permissionsOf('roles/run.servicesInvoker')).toEqual(new Set(['run.routes.invoke']))
    expect(permissionsOf('roles/run.developer')?.has('run.services.setIamPolicy')).toBe(false)
    expect(permissionsOf('roles/run.admin')?.has('run.services.setIamPolicy')).toBe(true)
    expect(permissionsOf('roles/editor')?.has('run.routes.invoke')).toBe(true)
    expect(permissionsOf('roles/x')).toBeUndefined()
  })

  it('knows basic roles', () => {
    expect(['roles/owner', 'roles/editor', 'roles/viewer'].every(isBasicRole)).toBe(true)
    expect(isBasicRole('roles/run.viewer')).toBe(false)
  })

  const types: ResourceType[] = ['organization', 'project', 'service', 'job', 'workerPool']
  it.each<[string, ResourceType[]]>([
    ['roles/run.invoker', ['organization', 'project', 'service', 'job']],
    ['roles/run.admin', types],
    ['roles/run.servicesInvoker', ['organization', 'project', 'service']],
    ['roles/run.jobsExecutor', ['organization', 'project', 'job']],
    ['roles/run.sshReader', types],
    ['roles/run.builder', ['organization', 'project']],
    ['roles/owner', ['organization', 'project']],
    ['roles/editor', ['organization', 'project']],
    ['roles/viewer', ['organization', 'project']],
    ['roles/resourcemanager.organizationAdmin', ['organization', 'project']],
    ['roles/resourcemanager.projectCreator', ['organization']],
    ['roles/unknown', []],
  ])('%s is grantable on %j', (role, on) => {
    expect(types.filter((t) => isGrantableOn(role, t))).toEqual(on)
  })

  it.each([
    [
      'roles/run.nope',
      'service',
      'ROLE_NOT_FOUND',
      "Role (roles/run.nope) does not exist in the resource's hierarchy.",
    ],
    [
      'roles/viewer',
      'service',
      'ROLE_NOT_SUPPORTED',
      'Role roles/viewer is not supported for this resource.',
    ],
    [
      'roles/run.builder',
      'job',
      'ROLE_NOT_SUPPORTED',
      'Role roles/run.builder is not supported for this resource.',
    ],
  ] as const)('assertGrantable(%s, %s) → %s', (role, type, reason, message) => {
    let thrown: unknown
    try {
      assertGrantable(role, type)
    } catch (e) {
      thrown = e
    }
    expect(isIamError(thrown) && [thrown.status, thrown.reason, thrown.message]).toEqual([
      'INVALID_ARGUMENT',
      reason,
      message,
    ])
  })

  it('accepts a grantable role', () => {
    expect(() => assertGrantable('roles/run.invoker', 'service')).not.toThrow()
  })
})
