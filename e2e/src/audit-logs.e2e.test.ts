// Cloud Audit Logs end to end, against a real `runiam serve --audit-data-access`: a setIamPolicy
// through the CLI, REST v1 and REST v2 each writes exactly one activity entry whose bindingDeltas
// are exactly what changed; `runiam logging read` finds them; an unauthorised attempt is logged as
// denied; the gateway's refusal is a Data Access entry. Attacks: no reading without
// logging.logEntries.list, no escaping the project through a filter, huge filters and page sizes
// refused cleanly, no key material in any entry.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { invokeService, login, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'audit-e2e'
const OTHER = 'audit-e2e-other'
const SVC = `projects/${PROJECT}/locations/us-central1/services/ledger`
const V2 = 'google.cloud.run.v2.Services.SetIamPolicy'
const V1 = 'google.cloud.run.v1.Services.SetIamPolicy'

let server: ServerProcess
let owner: User
let mallory: User
let ownerToken: string
let serviceUrl: string

interface Entry {
  insertId: string
  logName: string
  severity: string
  resource: { type: string; labels: Record<string, string> }
  protoPayload: Record<string, unknown> & {
    methodName: string
    serviceData?: { policyDelta?: { bindingDeltas?: unknown[] } }
    authorizationInfo?: { permission: string; granted: boolean }[]
    status?: { code?: number }
  }
}

async function api(
  method: string,
  path: string,
  body?: unknown,
  token = ownerToken,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

async function entries(filter: string, resourceNames = [`projects/${PROJECT}`]): Promise<Entry[]> {
  const r = await api('POST', '/v2/entries:list', { resourceNames, filter, pageSize: 1000 })
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return (r.json['entries'] ?? []) as Entry[]
}

/** The successful SetIamPolicy entries that name `member` in their delta. */
const deltaFor = (member: string) =>
  entries(
    `protoPayload.methodName:"Services.SetIamPolicy" AND severity=NOTICE AND protoPayload.serviceData.policyDelta.bindingDeltas.member="${member}"`,
  )

beforeAll(async () => {
  server = await startServer(['--audit-data-access'])
  owner = await login(server, 'admin@example.com', PROJECT)
  mallory = await login(server, 'mallory@example.com', PROJECT)
  for (const p of [PROJECT, OTHER]) {
    const created = await owner.run(['projects', 'create', p])
    expect(created.code, created.stderr).toBe(0)
  }
  const deployed = await owner.run([
    'run',
    'deploy',
    'ledger',
    '--upstream',
    'http://127.0.0.1:9',
    '--no-allow-unauthenticated',
  ])
  expect(deployed.code, deployed.stderr).toBe(0)
  const token = await owner.run(['auth', 'print-access-token'])
  ownerToken = token.stdout.trim()
  const svc = await api('GET', `/v2/${SVC}`)
  serviceUrl = String(svc.json['uri'])
})

afterAll(async () => {
  await server?.stop()
})

describe('setIamPolicy leaves exactly one audit entry with the exact delta', () => {
  it('through the CLI (add-iam-policy-binding)', async () => {
    const r = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      'ledger',
      '--member=user:cli@example.com',
      '--role=roles/run.invoker',
    ])
    expect(r.code, r.stderr).toBe(0)
    const found = await deltaFor('user:cli@example.com')
    expect(found).toHaveLength(1)
    const e = found[0] as Entry
    expect(e.logName).toBe(`projects/${PROJECT}/logs/cloudaudit.googleapis.com%2Factivity`)
    expect(e.resource.type).toBe('cloud_run_revision')
    expect(e.resource.labels['service_name']).toBe('ledger')
    expect(e.protoPayload['resourceName']).toBe(SVC)
    expect(e.protoPayload.serviceData?.policyDelta?.bindingDeltas).toEqual([
      { action: 'ADD', role: 'roles/run.invoker', member: 'user:cli@example.com' },
    ])
    expect(e.protoPayload['authenticationInfo']).toMatchObject({
      principalEmail: 'admin@example.com',
    })
    expect((e.protoPayload['requestMetadata'] as Record<string, unknown>)['callerIp']).toBe(
      '127.0.0.1',
    )
  })

  it('through REST v1', async () => {
    const current = await api('POST', `/v1/${SVC}:getIamPolicy`).catch(() => undefined)
    const policy = (
      current?.status === 200 ? current.json : (await api('GET', `/v2/${SVC}:getIamPolicy`)).json
    ) as {
      bindings?: { role: string; members: string[] }[]
      etag?: string
    }
    const bindings = [
      ...(policy.bindings ?? []),
      { role: 'roles/run.developer', members: ['user:v1@example.com'] },
    ]
    const r = await api('POST', `/v1/${SVC}:setIamPolicy`, {
      policy: { bindings, etag: policy.etag },
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const found = await deltaFor('user:v1@example.com')
    expect(found.map((e) => e.protoPayload.methodName)).toEqual([V1])
    expect(found[0]?.protoPayload.serviceData?.policyDelta?.bindingDeltas).toEqual([
      { action: 'ADD', role: 'roles/run.developer', member: 'user:v1@example.com' },
    ])
  })

  it('through REST v2, with a REMOVE and an ADD in one change', async () => {
    const current = (await api('GET', `/v2/${SVC}:getIamPolicy`)).json as {
      bindings?: { role: string; members: string[] }[]
      etag?: string
    }
    const bindings = (current.bindings ?? [])
      .map((b) => ({ ...b, members: b.members.filter((m) => m !== 'user:cli@example.com') }))
      .filter((b) => b.members.length > 0)
    bindings.push({ role: 'roles/run.invoker', members: ['user:v2@example.com'] })
    const r = await api('POST', `/v2/${SVC}:setIamPolicy`, {
      policy: { bindings, etag: current.etag },
    })
    expect(r.status, JSON.stringify(r.json)).toBe(200)
    const found = await deltaFor('user:v2@example.com')
    expect(found.map((e) => e.protoPayload.methodName)).toEqual([V2])
    expect(found[0]?.protoPayload.serviceData?.policyDelta?.bindingDeltas).toEqual([
      { action: 'REMOVE', role: 'roles/run.invoker', member: 'user:cli@example.com' },
      { action: 'ADD', role: 'roles/run.invoker', member: 'user:v2@example.com' },
    ])
    // The CLI's entry still says what it did then.
    expect(await deltaFor('user:cli@example.com')).toHaveLength(2)
  })

  it('`runiam logging read` finds the v2 entry (JSON and the default YAML)', async () => {
    const r = await owner.run([
      'logging',
      'read',
      `protoPayload.methodName="${V2}"`,
      '--format=json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const read = JSON.parse(r.stdout) as Entry[]
    expect(read.filter((e) => e.severity === 'NOTICE')).toHaveLength(1)
    expect(read[0]?.protoPayload.methodName).toBe(V2)
    const yaml = await owner.run([
      'logging',
      'read',
      `protoPayload.methodName="${V2}"`,
      '--limit=1',
    ])
    expect(yaml.code, yaml.stderr).toBe(0)
    expect(yaml.stdout).toContain(`methodName: ${V2}`)
    expect(yaml.stdout).toContain('bindingDeltas:')
  })

  it('an unauthorised attempt is logged as denied', async () => {
    const r = await mallory.run([
      'run',
      'services',
      'add-iam-policy-binding',
      'ledger',
      '--member=user:mallory@example.com',
      '--role=roles/run.admin',
    ])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('PERMISSION_DENIED')
    // The CLI stops at its getIamPolicy (a Data Access entry, denied).
    const read = await entries(
      'protoPayload.authenticationInfo.principalEmail="mallory@example.com" AND protoPayload.authorizationInfo.granted=false',
    )
    expect(read.map((e) => e.protoPayload.methodName)).toContain(
      'google.cloud.run.v1.Services.GetIamPolicy',
    )
    // A direct setIamPolicy is an Admin Activity entry, denied, status 7, ERROR.
    const token = (await mallory.run(['auth', 'print-access-token'])).stdout.trim()
    const direct = await api(
      'POST',
      `/v2/${SVC}:setIamPolicy`,
      {
        policy: { bindings: [{ role: 'roles/run.admin', members: ['user:mallory@example.com'] }] },
      },
      token,
    )
    expect(direct.status).toBe(403)
    const denied = await entries(
      `logName:"activity" AND protoPayload.methodName="${V2}" AND protoPayload.authenticationInfo.principalEmail="mallory@example.com"`,
    )
    expect(denied).toHaveLength(1)
    expect(denied[0]?.severity).toBe('ERROR')
    expect(denied[0]?.protoPayload.status?.code).toBe(7)
    expect(denied[0]?.protoPayload.authorizationInfo).toMatchObject([
      { permission: 'run.services.setIamPolicy', granted: false },
    ])
    expect(denied[0]?.protoPayload.serviceData).toBeUndefined()
  })

  it("the gateway's refusal is a Data Access entry of the service", async () => {
    const reply = await invokeService(server, serviceUrl, '/')
    expect(reply.status).toBe(403)
    let found: Entry[] = []
    for (let i = 0; i < 50 && found.length === 0; i++) {
      found = await entries('logName:"data_access" AND protoPayload.methodName="run.routes.invoke"')
      if (found.length === 0) await sleep(100)
    }
    expect(found).toHaveLength(1)
    expect(found[0]?.protoPayload.authorizationInfo?.[0]).toMatchObject({
      permission: 'run.routes.invoke',
      granted: false,
    })
  })
})

describe('attacks', () => {
  it('a caller without logging.logEntries.list reads nothing', async () => {
    const r = await mallory.run(['logging', 'read', ''])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('logging.logEntries.list')
    const token = (await mallory.run(['auth', 'print-access-token'])).stdout.trim()
    const direct = await api(
      'POST',
      '/v2/entries:list',
      { resourceNames: [`projects/${PROJECT}`] },
      token,
    )
    expect(direct.status).toBe(403)
  })

  it("filters can't escape the project", async () => {
    expect(
      await entries(`logName="projects/${PROJECT}/logs/cloudaudit.googleapis.com%2Factivity"`, [
        `projects/${OTHER}`,
      ]),
    ).toEqual([])
    expect(await entries(`protoPayload.resourceName:"${PROJECT}/"`, [`projects/${OTHER}`])).toEqual(
      [],
    )
  })

  it('huge filters and page sizes are refused cleanly', async () => {
    const huge = await api('POST', '/v2/entries:list', {
      resourceNames: [`projects/${PROJECT}`],
      filter: `protoPayload.methodName="${'x'.repeat(30_000)}"`,
    })
    expect(huge.status).toBe(400)
    expect(JSON.stringify(huge.json)).toContain('INVALID_ARGUMENT')
    const deep = await api('POST', '/v2/entries:list', {
      resourceNames: [`projects/${PROJECT}`],
      filter: `${'('.repeat(5000)}severity=INFO${')'.repeat(5000)}`,
    })
    expect(deep.status).toBe(400)
    const page = await api('POST', '/v2/entries:list', {
      resourceNames: [`projects/${PROJECT}`],
      pageSize: 1_000_000,
    })
    expect(page.status).toBe(400)
    expect(JSON.stringify(page.json)).toContain('pageSize')
    const bad = await owner.run(['logging', 'read', 'protoPayload.methodName ='])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('INVALID_ARGUMENT')
  })

  it('no key material or token ever reaches an entry', async () => {
    const sa = await owner.run(['iam', 'service-accounts', 'create', 'audit-robot'])
    expect(sa.code, sa.stderr).toBe(0)
    const keyFile = join(mkdtempSync(join(tmpdir(), 'runiam-audit-key-')), 'key.json')
    const key = await owner.run([
      'iam',
      'service-accounts',
      'keys',
      'create',
      keyFile,
      `--iam-account=audit-robot@${PROJECT}.iam.gserviceaccount.com`,
    ])
    expect(key.code, key.stderr).toBe(0)
    const material = JSON.parse(readFileSync(keyFile, 'utf8')) as { private_key: string }
    const body = material.private_key.split('\n').slice(1, 3).join('')
    const all = JSON.stringify(await entries(''))
    expect(all).toContain('google.iam.admin.v1.CreateServiceAccountKey')
    expect(all).not.toContain(body)
    expect(all).not.toContain('privateKeyData')
    expect(all).not.toContain(ownerToken)
  })
})
