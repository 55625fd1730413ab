// Google's audit names for the admin routes, derived from the route table: every mutating route is
// an admin write with a methodName of its API, and the names tooling filters on are Google's.
import { describe, expect, it } from 'vitest'
import { ROUTES } from '@runiam/api'
import { auditMethodOf } from './audit-method.js'

const name = (api: string, id: string): string => {
  const r = ROUTES.find((x) => x.api === api && x.id === id)
  if (r === undefined) throw new Error(`no route ${api} ${id}`)
  return auditMethodOf(r).methodName
}

describe('auditMethodOf', () => {
  it('names deny-policy, recommender and troubleshooter methods as Google does', () => {
    expect(name('iam/v2', 'iam.policies.createPolicy')).toBe('google.iam.v2.Policies.CreatePolicy')
    expect(name('iam/v2', 'iam.policies.update')).toBe('google.iam.v2.Policies.UpdatePolicy')
    expect(name('iam/v2', 'iam.policies.delete')).toBe('google.iam.v2.Policies.DeletePolicy')
    expect(
      name(
        'recommender/v1',
        'recommender.projects.locations.recommenders.recommendations.markClaimed',
      ),
    ).toBe('google.cloud.recommender.v1.Recommender.MarkRecommendationClaimed')
    expect(
      name('recommender/v1', 'recommender.projects.locations.recommenders.recommendations.list'),
    ).toBe('google.cloud.recommender.v1.Recommender.ListRecommendations')
    expect(name('policytroubleshooter/v3', 'policytroubleshooter.iam.troubleshoot')).toBe(
      'google.cloud.policytroubleshooter.iam.v3.PolicyTroubleshooter.TroubleshootIamPolicy',
    )
    const troubleshoot = ROUTES.find((r) => r.id === 'policytroubleshooter.iam.troubleshoot')
    expect(troubleshoot && auditMethodOf(troubleshoot).write).toBe(false)
    const create = ROUTES.find((r) => r.id === 'iam.policies.createPolicy')
    expect(create && auditMethodOf(create).write).toBe(true)
  })

  it("names Cloud Run, Resource Manager, IAM and Org Policy methods as Google's entries do", () => {
    expect(name('run/v2', 'run.projects.locations.services.setIamPolicy')).toBe(
      'google.cloud.run.v2.Services.SetIamPolicy',
    )
    expect(name('run/v1', 'run.projects.locations.services.setIamPolicy')).toBe(
      'google.cloud.run.v1.Services.SetIamPolicy',
    )
    expect(name('run/v2', 'run.projects.locations.services.patch')).toBe(
      'google.cloud.run.v2.Services.UpdateService',
    )
    expect(name('run/v1', 'run.namespaces.services.replaceService')).toBe(
      'google.cloud.run.v1.Services.ReplaceService',
    )
    expect(name('run/v2', 'run.projects.locations.jobs.run')).toBe(
      'google.cloud.run.v2.Jobs.RunJob',
    )
    expect(name('cloudresourcemanager/v1', 'cloudresourcemanager.projects.setIamPolicy')).toBe(
      'SetIamPolicy',
    )
    expect(name('iam/v1', 'iam.projects.serviceAccounts.keys.create')).toBe(
      'google.iam.admin.v1.CreateServiceAccountKey',
    )
    expect(name('iam/v1', 'iam.projects.serviceAccounts.setIamPolicy')).toBe(
      'google.iam.admin.v1.SetIAMPolicy',
    )
    expect(name('orgpolicy/v2', 'orgpolicy.projects.policies.create')).toBe(
      'google.cloud.orgpolicy.v2.OrgPolicy.CreatePolicy',
    )
  })

  it('every non-GET route that is not a read verb is an admin write; reads are not', () => {
    const writes = ROUTES.filter((r) => auditMethodOf(r).write)
    expect(writes.every((r) => r.method !== 'GET')).toBe(true)
    for (const r of writes) {
      expect(auditMethodOf(r).permissionType, r.id).toBe('ADMIN_WRITE')
      expect(auditMethodOf(r).methodName, r.id).toMatch(/[A-Z]/)
    }
    const ids = new Set(writes.map((r) => r.id))
    for (const id of [
      'run.projects.locations.services.create',
      'run.projects.locations.services.delete',
      'run.namespaces.jobs.run',
      'iam.projects.serviceAccounts.keys.delete',
      'cloudidentity.groups.memberships.create',
      'iam.organizations.roles.undelete',
    ]) {
      expect(ids.has(id), id).toBe(true)
    }
    for (const id of [
      'run.projects.locations.services.testIamPermissions',
      'cloudresourcemanager.projects.getIamPolicy',
      'logging.entries.list',
      'iamcredentials.projects.serviceAccounts.generateAccessToken',
    ]) {
      expect(ids.has(id), id).toBe(false)
    }
  })
})
