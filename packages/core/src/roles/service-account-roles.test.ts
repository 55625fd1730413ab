// The service account roles and where they (and the basic roles) may be granted, now that a
// service account is a resource type with its own policy.
import { describe, expect, it } from 'vitest'
import { validatePolicy } from '../policy/validate-policy.js'
import type { ResourceType } from '../policy/types.js'
import { assertGrantable, isGrantableOn, permissionsOf } from './catalog.js'

const TYPES: ResourceType[] = [
  'organization',
  'project',
  'service',
  'job',
  'workerPool',
  'serviceAccount',
]

describe('service account roles', () => {
  it.each([
    [
      'roles/iam.serviceAccountTokenCreator',
      [
        'iam.serviceAccounts.getAccessToken',
        'iam.serviceAccounts.getOpenIdToken',
        'iam.serviceAccounts.implicitDelegation',
        'iam.serviceAccounts.signBlob',
        'iam.serviceAccounts.signJwt',
      ],
    ],
    ['roles/iam.serviceAccountOpenIdTokenCreator', ['iam.serviceAccounts.getOpenIdToken']],
    [
      'roles/iam.serviceAccountUser',
      ['iam.serviceAccounts.actAs', 'iam.serviceAccounts.get', 'iam.serviceAccounts.list'],
    ],
    [
      'roles/iam.serviceAccountAdmin',
      [
        'iam.serviceAccounts.create',
        'iam.serviceAccounts.delete',
        'iam.serviceAccounts.get',
        'iam.serviceAccounts.list',
        'iam.serviceAccounts.update',
        'iam.serviceAccounts.getIamPolicy',
        'iam.serviceAccounts.setIamPolicy',
      ],
    ],
    [
      'roles/iam.serviceAccountKeyAdmin',
      [
        'iam.serviceAccountKeys.create',
        'iam.serviceAccountKeys.delete',
        'iam.serviceAccountKeys.get',
        'iam.serviceAccountKeys.list',
      ],
    ],
  ])('%s holds Google’s permissions', (role, expected) => {
    const perms = permissionsOf(role)
    expect(perms).toBeDefined()
    for (const p of expected) expect(perms?.has(p), p).toBe(true)
  })

  it('keeps token minting out of the basic roles and the OpenID creator', () => {
    for (const role of ['roles/owner', 'roles/editor', 'roles/viewer']) {
      expect(permissionsOf(role)?.has('iam.serviceAccounts.getOpenIdToken')).toBe(false)
      expect(permissionsOf(role)?.has('iam.serviceAccounts.getAccessToken')).toBe(false)
    }
    expect(permissionsOf('roles/iam.serviceAccountOpenIdTokenCreator')?.size).toBe(1)
    expect(permissionsOf('roles/owner')?.has('iam.serviceAccounts.setIamPolicy')).toBe(true)
    expect(permissionsOf('roles/editor')?.has('iam.serviceAccounts.setIamPolicy')).toBe(false)
    expect(permissionsOf('roles/editor')?.has('iam.serviceAccountKeys.create')).toBe(true)
    expect(permissionsOf('roles/viewer')?.has('iam.serviceAccounts.list')).toBe(true)
    expect(permissionsOf('roles/viewer')?.has('iam.serviceAccountKeys.create')).toBe(false)
  })

  it.each<[string, ResourceType[]]>([
    ['roles/iam.serviceAccountTokenCreator', ['organization', 'project', 'serviceAccount']],
    ['roles/iam.serviceAccountOpenIdTokenCreator', ['organization', 'project', 'serviceAccount']],
    ['roles/iam.serviceAccountUser', ['organization', 'project', 'serviceAccount']],
    ['roles/iam.serviceAccountAdmin', ['organization', 'project', 'serviceAccount']],
    ['roles/iam.serviceAccountKeyAdmin', ['organization', 'project', 'serviceAccount']],
    ['roles/owner', ['organization', 'project', 'serviceAccount']],
    ['roles/viewer', ['organization', 'project', 'serviceAccount']],
    ['roles/run.invoker', ['organization', 'project', 'service', 'job']],
    ['roles/resourcemanager.projectCreator', ['organization']],
  ])('%s is grantable on %j', (role, on) => {
    expect(TYPES.filter((t) => isGrantableOn(role, t))).toEqual(on)
  })

  it('refuses a Cloud Run role on a service account with Google’s message', () => {
    expect(() => assertGrantable('roles/run.invoker', 'serviceAccount')).toThrow(
      'Role roles/run.invoker is not supported for this resource.',
    )
    expect(() =>
      validatePolicy(
        { bindings: [{ role: 'roles/run.invoker', members: ['user:a@example.com'] }] },
        { resourceType: 'serviceAccount' },
      ),
    ).toThrow(/not supported for this resource/)
    const ok = validatePolicy(
      {
        bindings: [
          { role: 'roles/iam.serviceAccountTokenCreator', members: ['user:a@example.com'] },
        ],
      },
      { resourceType: 'serviceAccount' },
    )
    expect(ok.bindings?.[0]?.role).toBe('roles/iam.serviceAccountTokenCreator')
  })
})
