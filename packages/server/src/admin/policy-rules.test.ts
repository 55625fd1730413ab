// SPEC §5 over HTTP: every write-time policy rule answered with Google's status and a message
// naming the offending value, plus etag compare-and-set under 50 concurrent read-modify-writes.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Binding } from '@runiam/core'
import type { Store } from '@runiam/store'

import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type Harness } from './test-harness.js'

const P = 'rules-proj'
const SVC = `projects/${P}/locations/us-central1/services/svc`

let dir: string
let store: Store
let h: Harness

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-rules-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  expect((await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } })).status).toBe(
    200,
  )
  const svc = await h.call(
    'POST',
    `/v2/projects/${P}/locations/us-central1/services?serviceId=svc`,
    {
      as: OWNER,
      body: {},
    },
  )
  expect(svc.status).toBe(200)
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function setService(bindings: Binding[], extra: Record<string, unknown> = {}) {
  return h.call('POST', `/v2/${SVC}:setIamPolicy`, {
    as: OWNER,
    body: { policy: { version: 3, bindings, ...extra } },
  })
}

const cond = (expression: string, title = 't') => ({ title, expression })

describe('SPEC §5 write rules over HTTP', () => {
  const cases: [
    string,
    () => Promise<{ status: number; json: Record<string, unknown> }>,
    number,
    RegExp,
  ][] = [
    [
      'bad member',
      () => setService([{ role: 'roles/run.invoker', members: ['alice@example.com'] }]),
      400,
      /^Policy members must be of the form "<type>:<value>"\. Got: "alice@example\.com"\.$/,
    ],
    [
      'unknown role',
      () => setService([{ role: 'roles/run.nope', members: ['user:a@example.com'] }]),
      400,
      /^Role \(roles\/run\.nope\) does not exist in the resource's hierarchy\.$/,
    ],
    [
      'role not grantable on a service',
      () =>
        setService([
          { role: 'roles/resourcemanager.projectCreator', members: ['user:a@example.com'] },
        ]),
      400,
      /^Role roles\/resourcemanager\.projectCreator is not supported for this resource\.$/,
    ],
    [
      'allUsers on a project',
      () =>
        h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
          as: OWNER,
          body: {
            policy: {
              bindings: [
                { role: 'roles/owner', members: [OWNER] },
                { role: 'roles/viewer', members: ['allUsers'] },
              ],
            },
          },
        }),
      400,
      /^Request contains an invalid argument\. Member allUsers cannot be granted on a project/,
    ],
    [
      'condition on a basic role (project policy)',
      () =>
        h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
          as: OWNER,
          body: {
            policy: {
              version: 3,
              bindings: [
                { role: 'roles/owner', members: [OWNER] },
                {
                  role: 'roles/viewer',
                  members: ['user:a@example.com'],
                  condition: cond('request.time < timestamp("2030-01-01T00:00:00Z")'),
                },
              ],
            },
          },
        }),
      400,
      /roles\/viewer/,
    ],
    [
      'condition on allUsers',
      () =>
        setService([
          {
            role: 'roles/run.invoker',
            members: ['allUsers'],
            condition: cond('request.path == "/a"'),
          },
        ]),
      400,
      /^Binding with a condition and the member allUsers is not allowed\./,
    ],
    [
      'missing condition title',
      () =>
        setService([
          {
            role: 'roles/run.invoker',
            members: ['user:a@example.com'],
            condition: { expression: 'request.path == "/a"' },
          },
        ]),
      400,
      /^The condition of the binding for role roles\/run\.invoker must have a title\.$/,
    ],
    [
      'uncompilable condition',
      () =>
        setService([
          {
            role: 'roles/run.invoker',
            members: ['user:a@example.com'],
            condition: cond('request.path =='),
          },
        ]),
      400,
      /^Condition expression "request\.path ==" is invalid: /,
    ],
    [
      'more than 12 logical operators',
      () =>
        setService([
          {
            role: 'roles/run.invoker',
            members: ['user:a@example.com'],
            condition: cond(
              Array.from({ length: 14 }, (_, i) => `request.path == "/${i}"`).join(' || '),
            ),
          },
        ]),
      400,
      /^The condition expression has 13 logical operators; the maximum is 12\.$/,
    ],
    [
      '1,501 members',
      () =>
        setService([
          {
            role: 'roles/run.invoker',
            members: Array.from({ length: 1501 }, (_, i) => `user:u${i}@example.com`),
          },
        ]),
      400,
      /^The number of members in the policy \(1,501\) is larger than the maximum allowed size 1,500\.$/,
    ],
    [
      '251 groups',
      () =>
        setService([
          {
            role: 'roles/run.invoker',
            members: Array.from({ length: 251 }, (_, i) => `group:g${i}@example.com`),
          },
        ]),
      400,
      /^The number of groups and domains in the policy \(251\) is larger than the maximum allowed size 250\.$/,
    ],
    [
      '21 conditional bindings of one role and member',
      () =>
        setService(
          Array.from({ length: 21 }, (_, i) => ({
            role: 'roles/run.invoker',
            members: ['user:a@example.com'],
            condition: cond(`request.path == "/${i}"`, `t${i}`),
          })),
        ),
      400,
      /^The number of conditional role bindings of role roles\/run\.invoker to member user:a@example\.com \(21\) is larger than the maximum allowed size 20\.$/,
    ],
  ]

  it.each(cases)('%s', async (_name, send, status, message) => {
    const r = await send()
    expect(r.status).toBe(status)
    const e = errorOf(r)
    expect(e.status).toBe('INVALID_ARGUMENT')
    expect(e.message).toMatch(message)
  })

  it('etag mismatch: 409 ABORTED, the stored policy unchanged', async () => {
    const first = await setService([{ role: 'roles/run.invoker', members: ['user:a@example.com'] }])
    expect(first.status).toBe(200)
    const r = await setService([{ role: 'roles/run.invoker', members: ['user:b@example.com'] }], {
      etag: 'BwYAAAAAAAA=',
    })
    expect(r.status).toBe(409)
    expect(errorOf(r).status).toBe('ABORTED')
    expect(errorOf(r).message).toMatch(
      /^There were concurrent policy changes\. Please retry the whole read-modify-write with exponential backoff\./,
    )
    const now = await h.call('GET', `/v2/${SVC}:getIamPolicy`, { as: OWNER })
    expect(now.json).toEqual(first.json)
    const noEtag = await setService([
      { role: 'roles/run.invoker', members: ['user:c@example.com'] },
    ])
    expect(noEtag.status).toBe(200)
  })

  it('version downgrade with an etag: 400; without an etag the write overwrites', async () => {
    const v3 = await setService(
      [
        {
          role: 'roles/run.invoker',
          members: ['user:a@example.com'],
          condition: cond('request.path == "/x"'),
        },
      ],
      { version: 3 },
    )
    expect(v3.status).toBe(200)
    const down = await setService(
      [{ role: 'roles/run.invoker', members: ['user:a@example.com'] }],
      {
        version: 1,
        etag: v3.json['etag'],
      },
    )
    expect(down.status).toBe(400)
    expect(errorOf(down).message).toMatch(
      /^Specified policy version \(1\) cannot be less than the existing policy version \(3\)\./,
    )
    const blind = await setService(
      [{ role: 'roles/run.invoker', members: ['user:a@example.com'] }],
      { version: 1 },
    )
    expect(blind.status).toBe(200)
    expect(blind.json['version']).toBe(1)
  })

  it('keeps auditConfigs under the default mask and replaces them when the mask says so', async () => {
    const audit = [{ service: 'allServices', auditLogConfigs: [{ logType: 'DATA_READ' }] }]
    const a = await h.call('POST', `/v2/${SVC}:setIamPolicy`, {
      as: OWNER,
      body: { policy: { auditConfigs: audit }, updateMask: 'auditConfigs' },
    })
    expect(a.json['auditConfigs']).toEqual(audit)
    const b = await setService([{ role: 'roles/run.invoker', members: ['user:z@example.com'] }])
    expect(b.json['auditConfigs']).toEqual(audit)
    const bad = await h.call('POST', `/v2/${SVC}:setIamPolicy`, {
      as: OWNER,
      body: { policy: {}, updateMask: 'nonsense' },
    })
    expect(bad.status).toBe(400)
    expect(errorOf(bad).message).toContain('nonsense')
  })
})

describe('concurrency', () => {
  it('50 concurrent read-modify-write add-binding cycles, retrying on 409, end with all 50 members', async () => {
    const path = `/v2/projects/${P}/locations/us-central1/services/svc:`
    await setService([])
    let conflicts = 0
    const addMember = async (i: number): Promise<void> => {
      const member = `user:m${i}@example.com`
      for (;;) {
        const cur = await h.call('GET', `${path}getIamPolicy?options.requestedPolicyVersion=3`, {
          as: OWNER,
        })
        const bindings = (cur.json['bindings'] as Binding[] | undefined) ?? []
        const inv = bindings.find((b) => b.role === 'roles/run.invoker')
        const next = inv
          ? bindings.map((b) => (b === inv ? { ...b, members: [...b.members, member] } : b))
          : [...bindings, { role: 'roles/run.invoker', members: [member] }]
        const r = await h.call('POST', `${path}setIamPolicy`, {
          as: OWNER,
          body: { policy: { bindings: next, etag: cur.json['etag'], version: 3 } },
        })
        if (r.status === 200) return
        expect(r.status).toBe(409)
        conflicts++
      }
    }
    await Promise.all(Array.from({ length: 50 }, (_, i) => addMember(i)))
    const final = await h.call('GET', `${path}getIamPolicy`, { as: OWNER })
    const members = (final.json['bindings'] as Binding[]).find(
      (b) => b.role === 'roles/run.invoker',
    )?.members
    expect(new Set(members)).toEqual(
      new Set(Array.from({ length: 50 }, (_, i) => `user:m${i}@example.com`)),
    )
    expect(conflicts).toBeGreaterThan(0)
  })
})
