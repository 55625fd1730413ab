// Domain restricted sharing (constraints/iam.allowedPolicyMemberDomains) at the service layer, on a
// real SQLite store: only members a write adds are checked, and a write that adds none reads no
// organization policy at all (the over-HTTP behaviour is in admin/org-policy-api.test.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isIamError, type Policy } from '@runiam/core'
import type { StoreReader } from '@runiam/store'
import { FIXTURE_TIME, openOrgProjectStore, type OrgProjectStore } from '../test-harness.js'
import { checkDomainRestrictedSharing } from './org-policy-enforcer.js'

const SVC = 'projects/p/locations/us-central1/services/s'
const INSIDE = 'user:alice@example.com'
const OUTSIDE = 'user:eve@elsewhere.com'

let fixture: OrgProjectStore
beforeEach(async () => {
  fixture = await openOrgProjectStore('runiam-drs-')
  await fixture.store.transact((tx) =>
    tx.createOrgPolicy({
      name: 'organizations/42/policies/iam.allowedPolicyMemberDomains',
      parent: 'organizations/42',
      policy: {
        name: 'organizations/42/policies/iam.allowedPolicyMemberDomains',
        spec: { rules: [{ values: { allowedValues: ['example.com'] } }] },
      },
      etag: 'e',
      updateTime: FIXTURE_TIME,
    }),
  )
})
afterEach(async () => {
  await fixture.dispose()
})

/** The store as a reader that counts the reads made through it, by method. */
function counting(): { reader: StoreReader; reads: Map<string, number> } {
  const reads = new Map<string, number>()
  const reader = new Proxy(fixture.store as StoreReader, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver)
      if (typeof value !== 'function' || typeof key !== 'string') return value
      return (...args: unknown[]) => {
        reads.set(key, (reads.get(key) ?? 0) + 1)
        return (value as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { reader, reads }
}

const policy = (...members: string[]): Policy => ({
  version: 1,
  bindings: [{ role: 'roles/run.invoker', members }],
})

async function refusal(p: Promise<void>): Promise<string[]> {
  try {
    await p
  } catch (error) {
    if (!isIamError(error)) throw error
    expect(error.reason).toBe('DOMAIN_RESTRICTED_SHARING')
    return String(error.metadata?.['members']).split(',')
  }
  throw new Error('expected a refusal')
}

describe('checkDomainRestrictedSharing', () => {
  it('refuses an added outside member, even in a write that also removes one', async () => {
    const { reader, reads } = counting()
    const before = policy(INSIDE, 'user:bob@example.com')
    const after = policy(INSIDE, OUTSIDE)
    expect(await refusal(checkDomainRestrictedSharing(reader, SVC, before, after, 'run'))).toEqual([
      'eve@elsewhere.com',
    ])
    expect(reads.get('getOrgPolicy')).toBeGreaterThan(0)
  })

  it('a write that adds no member passes without reading any organization policy', async () => {
    const { reader, reads } = counting()
    // An outside member granted before the constraint stays, and removing others is allowed.
    const before = policy(INSIDE, OUTSIDE, 'user:bob@example.com')
    await checkDomainRestrictedSharing(reader, SVC, before, policy(OUTSIDE), 'run')
    await checkDomainRestrictedSharing(reader, SVC, before, before, 'run')
    await checkDomainRestrictedSharing(reader, SVC, undefined, { version: 1 }, 'run')
    expect([...reads.keys()]).toEqual([])
  })

  it('an added member inside the organization passes', async () => {
    const { reader } = counting()
    await checkDomainRestrictedSharing(reader, SVC, policy(OUTSIDE), policy(OUTSIDE, INSIDE), 'run')
  })
})
