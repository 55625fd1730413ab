// organizations.search (v1 POST, v3 GET) and projects.getAncestry over a real socket and SQLite:
// the shapes gcloud reads, the organizations a caller may see (and nothing more, whatever the
// filter), and AIP-211 on getAncestry (the same 403 whether or not the project exists).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const STRANGER = 'user:stranger@example.com'
const READER = 'user:reader@example.com'
const PROJECT = 'hierarchy-proj'

let dir: string
let store: Store
let h: Harness
let projectNumber: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-hierarchy-'))
  store = await openSqliteStore({ path: join(dir, 'runiam.db') })
  h = await startHarness(store)
  const created = await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: PROJECT } })
  expect(created.status).toBe(200)
  projectNumber = String((created.json['response'] as { projectNumber: string }).projectNumber)
  // reader may see the project, nothing at the organization.
  const policy = await h.call('POST', `/v1/projects/${PROJECT}:getIamPolicy`, { as: OWNER })
  const set = await h.call('POST', `/v1/projects/${PROJECT}:setIamPolicy`, {
    as: OWNER,
    body: {
      policy: {
        ...policy.json,
        bindings: [
          ...((policy.json['bindings'] as unknown[]) ?? []),
          { role: 'roles/viewer', members: [READER] },
        ],
      },
    },
  })
  expect(set.status, JSON.stringify(set.json)).toBe(200)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('organizations.search', () => {
  it('answers the organization in the v1 shape gcloud organizations list prints', async () => {
    const r = await h.call('POST', '/v1/organizations:search', { as: OWNER, body: {} })
    expect(r.status).toBe(200)
    expect(r.json).toEqual({
      organizations: [
        {
          name: `organizations/${h.orgId}`,
          displayName: 'example.com',
          owner: { directoryCustomerId: `C${h.orgId}` },
          creationTime: expect.any(String),
          lifecycleState: 'ACTIVE',
        },
      ],
    })
  })

  it('answers the v3 shape on GET /v3/organizations:search, with query', async () => {
    const r = await h.call(
      'GET',
      `/v3/organizations:search?query=directoryCustomerId:C${h.orgId}`,
      {
        as: OWNER,
      },
    )
    expect(r.status).toBe(200)
    expect(r.json['organizations']).toEqual([
      expect.objectContaining({
        name: `organizations/${h.orgId}`,
        directoryCustomerId: `C${h.orgId}`,
        state: 'ACTIVE',
      }),
    ])
  })

  it('filters by domain and customer id, case-insensitively; other values find nothing', async () => {
    const search = async (filter: string) =>
      (await h.call('POST', '/v1/organizations:search', { as: OWNER, body: { filter } })).json
    expect(await search('domain:EXAMPLE.com')).toHaveProperty('organizations')
    expect(await search(`owner.directoryCustomerId:c${h.orgId}`)).toHaveProperty('organizations')
    expect(await search(`domain:example.com owner.directorycustomerid=C${h.orgId}`)).toHaveProperty(
      'organizations',
    )
    expect(await search('domain:other.example')).toEqual({})
  })

  it('shows a caller without resourcemanager.organizations.get nothing, whatever the filter', async () => {
    for (const as of [STRANGER, READER]) {
      for (const filter of [
        undefined,
        'domain:example.com',
        `owner.directoryCustomerId:C${h.orgId}`,
      ]) {
        const r = await h.call('POST', '/v1/organizations:search', {
          as,
          body: filter === undefined ? {} : { filter },
        })
        expect({ as, filter, status: r.status, json: r.json }).toEqual({
          as,
          filter,
          status: 200,
          json: {},
        })
      }
    }
    const anonymous = await h.call('POST', '/v1/organizations:search', { body: {} })
    expect(anonymous.status).toBe(401)
  })

  it('refuses a filter it does not understand, a bad page size or a page token, naming them', async () => {
    const bad = await h.call('POST', '/v1/organizations:search', {
      as: OWNER,
      body: { filter: 'displayName:acme' },
    })
    expect(errorOf(bad)).toEqual({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message:
        'Invalid filter "displayName:acme": organizations can be filtered by domain:DOMAIN or owner.directoryCustomerId:ID.',
    })
    const size = await h.call('POST', '/v1/organizations:search', {
      as: OWNER,
      body: { pageSize: -1 },
    })
    expect(errorOf(size).message).toBe(`Invalid value at 'page_size' (TYPE_INT32), "-1"`)
    const token = await h.call('POST', '/v1/organizations:search', {
      as: OWNER,
      body: { pageToken: 'abc' },
    })
    expect(errorOf(token).message).toBe('Invalid page token "abc".')
    const shape = await h.call('POST', '/v1/organizations:search', { as: OWNER, body: [1] })
    expect(errorOf(shape).code).toBe(400)
    const typed = await h.call('POST', '/v1/organizations:search', {
      as: OWNER,
      body: { filter: 7 },
    })
    expect(errorOf(typed).message).toBe(`Invalid value at 'filter', 7`)
  })
})

describe('projects.getAncestry', () => {
  it('answers the project, then its organization (by project id or number)', async () => {
    const expected = {
      ancestor: [
        { resourceId: { type: 'project', id: PROJECT } },
        { resourceId: { type: 'organization', id: h.orgId } },
      ],
    }
    for (const as of [OWNER, READER]) {
      const r = await h.call('POST', `/v1/projects/${PROJECT}:getAncestry`, { as, body: {} })
      expect(r.status, JSON.stringify(r.json)).toBe(200)
      expect(r.json).toEqual(expected)
    }
    const byNumber = await h.call('POST', `/v1/projects/${projectNumber}:getAncestry`, {
      as: OWNER,
    })
    expect(byNumber.json).toEqual(expected)
  })

  it('gives a stranger the same 403 whether or not the project exists (AIP-211)', async () => {
    for (const project of [PROJECT, 'no-such-project']) {
      const r = await h.call('POST', `/v1/projects/${project}:getAncestry`, { as: STRANGER })
      expect(errorOf(r)).toEqual({
        code: 403,
        status: 'PERMISSION_DENIED',
        message: expect.stringContaining(
          `Permission 'resourcemanager.projects.get' denied on resource`,
        ),
      })
    }
    const missing = await h.call('POST', '/v1/projects/no-such-project:getAncestry', { as: OWNER })
    expect(errorOf(missing)).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message: "Project 'projects/no-such-project' not found or deleted.",
    })
  })
})
