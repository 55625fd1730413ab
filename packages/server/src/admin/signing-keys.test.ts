// runiam's own signingKeys:rotate over a real socket and SQLite: only an owner of the organization
// may rotate (not an organization admin, not a project owner, not through a custom role); the new
// key is pending until the activation delay; a second rotation meanwhile is refused; every attempt,
// refused or not, leaves an Admin Activity audit entry naming its caller and no private key.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Policy, RotateSigningKeysResponse } from '@runiam/api'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { loadOrCreateSigningKey } from '../identity/signing-keys.js'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const NOW = Date.parse('2026-01-01T00:00:00Z')
const ORG_ADMIN = 'user:org-admin@example.com'
const PROJECT_OWNER = 'user:project-owner@example.com'
const PROJECT = 'keys-project'
const ROTATE = '/runiam/v1/signingKeys:rotate'

let dir: string
let store: Store
let h: Harness
let firstKid: string

async function grant(resource: string, role: string, member: string): Promise<void> {
  const got = await h.call('POST', `/v1/${resource}:getIamPolicy`, { as: OWNER, body: {} })
  const policy = got.json as Policy
  const set = await h.call('POST', `/v1/${resource}:setIamPolicy`, {
    as: OWNER,
    body: {
      policy: { ...policy, bindings: [...(policy.bindings ?? []), { role, members: [member] }] },
    },
  })
  expect(set.status, JSON.stringify(set.json)).toBe(200)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-signing-keys-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  firstKid = ((await loadOrCreateSigningKey(store, NOW))[0] as { kid: string }).kid
  h = await startHarness(store, NOW, {
    signingKeys: { activationDelayMs: 600_000, retentionMs: 3_630_000 },
  })
  const created = await h.call('POST', '/v3/projects', {
    as: OWNER,
    body: { projectId: PROJECT, parent: `organizations/${h.orgId}` },
  })
  expect(created.status).toBe(200)
  await grant(`organizations/${h.orgId}`, 'roles/resourcemanager.organizationAdmin', ORG_ADMIN)
  await grant(`projects/${PROJECT}`, 'roles/owner', PROJECT_OWNER)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('signingKeys:rotate', () => {
  it('is refused to everyone but an owner of the organization, before anything is made', async () => {
    for (const who of [ORG_ADMIN, PROJECT_OWNER, 'user:stranger@example.com']) {
      const r = await h.call('POST', ROTATE, { as: who })
      expect(errorOf(r), who).toEqual({
        code: 403,
        status: 'PERMISSION_DENIED',
        message: `Permission 'runiam.signingKeys.rotate' denied on resource 'organizations/${h.orgId}' (or it may not exist).`,
      })
    }
    expect((await h.call('POST', ROTATE, {})).status).toBe(401)
    expect(await store.listSigningKeys()).toHaveLength(1)
  })

  it('cannot be granted through a custom role', async () => {
    const r = await h.call('POST', `/v1/organizations/${h.orgId}/roles`, {
      as: OWNER,
      body: {
        roleId: 'keyRotator',
        role: { title: 'Key rotator', includedPermissions: ['runiam.signingKeys.rotate'] },
      },
    })
    expect(errorOf(r)).toMatchObject({
      code: 400,
      message: expect.stringContaining('Permission runiam.signingKeys.rotate is not valid.'),
    })
  })

  it('publishes a new key that signs after the activation delay, retiring the current one', async () => {
    const r = await h.call('POST', ROTATE, { as: OWNER })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const body = r.json as unknown as RotateSigningKeysResponse
    expect(body.key).toMatchObject({
      alg: 'RS256',
      state: 'PENDING',
      createTime: '2026-01-01T00:00:00.000Z',
      activateTime: '2026-01-01T00:10:00.000Z',
    })
    // Both keys were made at the same (frozen) time, so their order is the kids' (random) order.
    expect(body.keys).toHaveLength(2)
    expect(body.keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kid: firstKid,
          state: 'SIGNING',
          retireTime: '2026-01-01T00:10:00.000Z',
          dropTime: '2026-01-01T01:10:30.000Z',
        }),
        body.key,
      ]),
    )
    expect(JSON.stringify(body)).not.toMatch(/"d"|privateJwk/)

    const again = await h.call('POST', ROTATE, { as: OWNER })
    expect(errorOf(again)).toEqual({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: `A signing key rotation is already under way: key ${body.key.kid} starts signing at 2026-01-01T00:10:00.000Z. Rotate again after that.`,
    })
    expect(await store.listSigningKeys()).toHaveLength(2)
  })

  it('leaves an audit entry for every attempt, naming the caller, without any private key', async () => {
    const r = await h.call('POST', '/v2/entries:list', {
      as: OWNER,
      body: {
        resourceNames: [`organizations/${h.orgId}`],
        filter: 'protoPayload.methodName="runiam.v1.SigningKeys.RotateSigningKey"',
        pageSize: 1000,
      },
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    type Entry = {
      logName: string
      protoPayload: { authenticationInfo: { principalEmail?: string }; status: { code?: number } }
    }
    const entries = (r.json['entries'] ?? []) as Entry[]
    const attempts = entries.map((e) => [
      e.protoPayload.authenticationInfo.principalEmail,
      e.protoPayload.status.code ?? 0,
    ])
    // The refusals of the first test, the rotation and the refused second rotation above.
    expect(attempts).toEqual(
      expect.arrayContaining([
        ['org-admin@example.com', 7],
        ['project-owner@example.com', 7],
        ['stranger@example.com', 7],
        [OWNER.replace(/^user:/, ''), 0],
        [OWNER.replace(/^user:/, ''), 9],
      ]),
    )
    for (const e of entries) expect(e.logName).toMatch(/cloudaudit\.googleapis\.com%2Factivity$/)
    const keys = await store.listSigningKeys()
    const text = JSON.stringify(entries)
    expect(text).not.toMatch(/"d"|privateJwk/)
    for (const k of keys) expect(text).not.toContain(String(k.privateJwk['d']))
  })
})
