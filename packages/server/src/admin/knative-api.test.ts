// Cloud Run's v1 services API (Knative serving objects) over HTTP on SQLite: the namespaces paths
// (project id or number, region from the location label, a regional Host, or the one region that
// has the service) and their /v1/projects/P/locations/L twins; the v1 view of the stored v2
// service; the invoker-iam-disabled annotation under v2's permission rule and the organization
// constraint; the upstream policy; authorization before existence; bad fields named.
import { request as httpRequest } from 'node:http'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '@runiam/store'
import { openSqliteStore } from '@runiam/store/sqlite'
import { errorOf, OWNER, startHarness, type CallResult, type Harness } from './test-harness.js'

const P = 'knative-proj'
const REGION = 'us-central1'
const NS = `/apis/serving.knative.dev/v1/namespaces/${P}/services`
const LOC = `/v1/projects/${P}/locations/${REGION}/services`
const DEV = 'user:dev@example.com'
const ADMIN = 'user:admin@example.com'
const STRANGER = 'user:stranger@elsewhere.org'

let dir: string
let store: Store
let h: Harness
let projectNumber: string

type Json = Record<string, unknown>

function ok(r: CallResult): Json {
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  return r.json
}

function reason(r: CallResult): string {
  const details = (r.json['error'] as { details?: Json[] }).details ?? []
  return String(
    details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.ErrorInfo')?.['reason'],
  )
}

function fieldOf(r: CallResult): string | undefined {
  const details = (r.json['error'] as { details?: Json[] }).details ?? []
  const bad = details.find((d) => d['@type'] === 'type.googleapis.com/google.rpc.BadRequest') as
    { fieldViolations: { field: string }[] } | undefined
  return bad?.fieldViolations[0]?.field
}

/** A v1 Service body as an exported YAML file would read. */
function v1(
  name: string,
  extra: { annotations?: Json; labels?: Json; spec?: Json; meta?: Json } = {},
) {
  return {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: {
      name,
      namespace: P,
      labels: { 'cloud.googleapis.com/location': REGION, ...extra.labels },
      annotations: { ...extra.annotations },
      ...extra.meta,
    },
    spec: extra.spec ?? {
      template: { spec: { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] } },
    },
  }
}

/** A request with a chosen Host header (fetch does not let a caller set Host). */
function withHost(method: string, path: string, host: string, as: string): Promise<CallResult> {
  const url = new URL(h.url)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        headers: { host, authorization: `Bearer ${as}` },
      },
      (res) => {
        let text = ''
        res.on('data', (d: Buffer) => (text += d.toString()))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(text) as Json,
            headers: new Headers(),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end()
  })
}

function setOrgPolicy(parent: string, constraint: string, spec: unknown) {
  return h.call('POST', `/v2/${parent}/policies`, {
    as: OWNER,
    body: { name: `${parent}/policies/${constraint}`, spec },
  })
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-knative-'))
  store = await openSqliteStore({ path: join(dir, 'db.sqlite') })
  h = await startHarness(store)
  const created = ok(await h.call('POST', '/v1/projects', { as: OWNER, body: { projectId: P } }))
  projectNumber = String((created['response'] as Json)['projectNumber'])
  const pol = await h.call('POST', `/v1/projects/${P}:getIamPolicy`, { as: OWNER, body: {} })
  ok(
    await h.call('POST', `/v1/projects/${P}:setIamPolicy`, {
      as: OWNER,
      body: {
        policy: {
          etag: pol.json['etag'],
          bindings: [
            { role: 'roles/owner', members: [OWNER] },
            { role: 'roles/run.developer', members: [DEV] },
            { role: 'roles/run.admin', members: [ADMIN] },
          ],
        },
      },
    }),
  )
  ok(
    await h.call('POST', `/v2/projects/${P}/locations/${REGION}/services?serviceId=hello`, {
      as: OWNER,
      body: {
        labels: { team: 'web' },
        annotations: { 'example.com/owner': 'web-team' },
        template: {
          containers: [
            {
              image: 'us-docker.pkg.dev/cloudrun/container/hello',
              command: ['node'],
              args: ['server.js'],
              env: [{ name: 'MODE', value: 'prod' }],
              ports: [{ name: 'http1', containerPort: 8080 }],
            },
          ],
        },
      },
    }),
  )
})

afterAll(async () => {
  await h.close()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('reading the v1 view of a v2 service', () => {
  it('get by project id and by project number answers the Knative Service', async () => {
    const byId = ok(await h.call('GET', `${NS}/hello`, { as: DEV }))
    const byNumber = ok(
      await h.call(
        'GET',
        `/apis/serving.knative.dev/v1/namespaces/${projectNumber}/services/hello`,
        {
          as: DEV,
        },
      ),
    )
    expect(byNumber).toEqual(byId)
    const v2 = ok(
      await h.call('GET', `/v2/projects/${P}/locations/${REGION}/services/hello`, { as: DEV }),
    )
    expect(byId).toMatchObject({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: {
        name: 'hello',
        namespace: projectNumber,
        uid: v2['uid'],
        generation: 1,
        resourceVersion: v2['etag'],
        creationTimestamp: v2['createTime'],
        selfLink: `/apis/serving.knative.dev/v1/namespaces/${projectNumber}/services/hello`,
        labels: { team: 'web', 'cloud.googleapis.com/location': REGION },
        annotations: {
          'example.com/owner': 'web-team',
          'serving.knative.dev/creator': 'owner@example.com',
          'serving.knative.dev/lastModifier': 'owner@example.com',
          'run.googleapis.com/ingress': 'all',
          'run.googleapis.com/ingress-status': 'all',
          'run.googleapis.com/urls': JSON.stringify(v2['urls']),
        },
      },
      spec: {
        template: {
          spec: {
            containers: [
              {
                image: 'us-docker.pkg.dev/cloudrun/container/hello',
                command: ['node'],
                args: ['server.js'],
                env: [{ name: 'MODE', value: 'prod' }],
                ports: [{ name: 'http1', containerPort: 8080 }],
              },
            ],
          },
        },
        traffic: [{ latestRevision: true, percent: 100 }],
      },
      status: {
        observedGeneration: 1,
        url: v2['uri'],
        address: { url: v2['uri'] },
        latestReadyRevisionName: String(v2['latestReadyRevision']).split('/').pop(),
      },
    })
    const annotations = (byId['metadata'] as { annotations: Json }).annotations
    expect(annotations).not.toHaveProperty('run.googleapis.com/invoker-iam-disabled')
    expect((byId['status'] as { conditions: Json[] }).conditions[0]).toMatchObject({
      type: 'Ready',
      status: 'True',
    })
  })

  it('the /v1/projects/P/locations/L twin answers the same object', async () => {
    const a = ok(await h.call('GET', `${NS}/hello`, { as: DEV }))
    const b = ok(await h.call('GET', `${LOC}/hello`, { as: DEV }))
    expect(b).toEqual(a)
  })

  it('list answers a ServiceList, over every region or one', async () => {
    const all = ok(await h.call('GET', NS, { as: DEV }))
    expect(all).toMatchObject({ apiVersion: 'serving.knative.dev/v1', kind: 'ServiceList' })
    expect(
      (all['items'] as { metadata: { name: string } }[]).map((i) => i.metadata.name),
    ).toContain('hello')
    const one = ok(await h.call('GET', LOC, { as: DEV }))
    expect((one['items'] as unknown[]).length).toBeGreaterThan(0)
    const empty = ok(
      await h.call('GET', `/v1/projects/${P}/locations/europe-west1/services`, { as: DEV }),
    )
    expect(empty).toEqual({
      apiVersion: 'serving.knative.dev/v1',
      kind: 'ServiceList',
      items: [],
      metadata: {},
    })
  })

  it('a regional Host names the region, as gcloud sends it', async () => {
    const r = await withHost('GET', `${NS}/hello`, `${REGION}-localhost:8080`, DEV)
    expect(r.status).toBe(200)
    const elsewhere = await withHost('GET', `${NS}/hello`, 'europe-west1-run.googleapis.com', DEV)
    expect(errorOf(elsewhere)).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message: `Resource 'hello' of kind 'SERVICE' in region 'europe-west1' in project '${P}' does not exist.`,
    })
  })

  it('a name in two regions, with no region named, is Google\'s "No region provided"', async () => {
    ok(
      await h.call('POST', `/v2/projects/${P}/locations/europe-west1/services?serviceId=twin`, {
        as: OWNER,
        body: {},
      }),
    )
    ok(
      await h.call('POST', `/v2/projects/${P}/locations/${REGION}/services?serviceId=twin`, {
        as: OWNER,
        body: {},
      }),
    )
    const r = await h.call('GET', `${NS}/twin`, { as: DEV })
    expect(errorOf(r)).toEqual({
      code: 400,
      status: 'INVALID_ARGUMENT',
      message: 'The request has errors',
    })
    expect(reason(r)).toBe('REGION_NOT_PROVIDED')
    expect(fieldOf(r)).toBe('region')
    // Someone who may see neither learns nothing.
    const s = await h.call('GET', `${NS}/twin`, { as: STRANGER })
    expect(errorOf(s).message).toBe(
      `Permission 'run.services.get' denied on resource 'namespaces/${P}/services/twin' (or it may not exist).`,
    )
    ok(await h.call('GET', `${LOC}/twin`, { as: DEV }))
  })
})

describe('authorization before existence on the v1 paths', () => {
  it('a stranger gets the same 403 for an existing and a missing service, naming namespaces/P/services/S', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', v1('SVC')],
      ['DELETE', undefined],
    ] as const) {
      const answers = []
      for (const name of ['hello', 'does-not-exist']) {
        const r = await h.call(method, `${NS}/${name}`, {
          as: STRANGER,
          ...(body === undefined
            ? {}
            : { body: { ...body, metadata: { ...body.metadata, name } } }),
        })
        expect(r.status).toBe(403)
        answers.push(errorOf(r).message.replace(name, 'S'))
      }
      expect(answers[0]).toBe(answers[1])
      expect(answers[0]).toMatch(
        /^Permission 'run\.services\.(get|update|delete)' denied on resource 'namespaces\/knative-proj\/services\/S'/,
      )
    }
    const create = await h.call('POST', NS, { as: STRANGER, body: v1('hello') })
    expect(errorOf(create).message).toBe(
      `Permission 'run.services.create' denied on resource 'namespaces/${P}/services/hello' (or it may not exist).`,
    )
    const list = await h.call('GET', NS, { as: STRANGER })
    expect(errorOf(list).message).toBe(
      `Permission 'run.services.list' denied on resource 'namespaces/${P}' (or it may not exist).`,
    )
    // A project that does not exist answers the same.
    const nowhere = await h.call(
      'GET',
      '/apis/serving.knative.dev/v1/namespaces/no-such-project/services/hello',
      {
        as: STRANGER,
      },
    )
    expect(errorOf(nowhere).message).toBe(
      "Permission 'run.services.get' denied on resource 'namespaces/no-such-project/services/hello' (or it may not exist).",
    )
  })

  it('after authorization, a missing service or project is 404', async () => {
    const r = await h.call('GET', `${NS}/does-not-exist`, { as: DEV })
    expect(errorOf(r)).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message: `Resource 'does-not-exist' of kind 'SERVICE' in project '${P}' does not exist.`,
    })
    const p = await h.call(
      'GET',
      '/apis/serving.knative.dev/v1/namespaces/no-such-project/services/x',
      {
        as: OWNER,
      },
    )
    expect(errorOf(p).message).toBe("Project 'projects/no-such-project' not found or deleted.")
  })
})

describe('create, replace and delete', () => {
  it('create takes the region from the location label and answers the v1 Service', async () => {
    const r = ok(
      await h.call('POST', NS, { as: DEV, body: v1('made-by-yaml', { labels: { app: 'y' } }) }),
    )
    expect(r).toMatchObject({
      metadata: {
        name: 'made-by-yaml',
        namespace: projectNumber,
        labels: { app: 'y', 'cloud.googleapis.com/location': REGION },
      },
    })
    const v2 = ok(
      await h.call('GET', `/v2/projects/${P}/locations/${REGION}/services/made-by-yaml`, {
        as: DEV,
      }),
    )
    expect(v2['labels']).toEqual({ app: 'y' })
    const again = await h.call('POST', NS, { as: DEV, body: v1('made-by-yaml') })
    expect(errorOf(again).status).toBe('ALREADY_EXISTS')
  })

  it('create without any region is 400 "No region provided"', async () => {
    const body = v1('no-region')
    delete (body.metadata.labels as Json)['cloud.googleapis.com/location']
    const r = await h.call('POST', NS, { as: DEV, body })
    expect(reason(r)).toBe('REGION_NOT_PROVIDED')
    // With a regional Host, or on the locational path, it works.
    ok(await h.call('POST', LOC, { as: DEV, body }))
  })

  it('replace edits the service, bumps generation and keeps what v1 cannot say', async () => {
    ok(
      await h.call('POST', `/v2/projects/${P}/locations/${REGION}/services?serviceId=keeper`, {
        as: OWNER,
        body: {
          binaryAuthorization: { useDefault: true },
          template: {
            vpcAccess: { connector: 'projects/x/locations/y/connectors/z' },
            scaling: { minInstanceCount: 1, maxInstanceCount: 3 },
            containers: [
              {
                image: 'img',
                resources: { limits: { cpu: '1' }, cpuIdle: true },
                startupProbe: { tcpSocket: { port: 8080 } },
              },
            ],
          },
        },
      }),
    )
    const got = ok(await h.call('GET', `${NS}/keeper`, { as: DEV }))
    expect(
      (got['spec'] as { template: { metadata: { annotations: Json } } }).template.metadata
        .annotations,
    ).toEqual({
      'autoscaling.knative.dev/minScale': '1',
      'autoscaling.knative.dev/maxScale': '3',
    })
    const edited = structuredClone(got) as {
      metadata: { annotations: Json }
      spec: { template: { metadata: { annotations: Json }; spec: { containers: Json[] } } }
    }
    edited.metadata.annotations['example.com/note'] = 'edited'
    delete edited.spec.template.metadata.annotations['autoscaling.knative.dev/maxScale']
    ;(edited.spec.template.spec.containers[0] as Json)['image'] = 'img:v2'
    const put = ok(await h.call('PUT', `${NS}/keeper`, { as: DEV, body: edited }))
    expect((put['metadata'] as Json)['generation']).toBe(2)
    const v2 = ok(
      await h.call('GET', `/v2/projects/${P}/locations/${REGION}/services/keeper`, { as: DEV }),
    )
    expect(v2).toMatchObject({
      annotations: { 'example.com/note': 'edited' },
      binaryAuthorization: { useDefault: true },
      template: {
        vpcAccess: { connector: 'projects/x/locations/y/connectors/z' },
        scaling: { minInstanceCount: 1 },
        containers: [
          {
            image: 'img:v2',
            resources: { limits: { cpu: '1' }, cpuIdle: true },
            startupProbe: { tcpSocket: { port: 8080 } },
          },
        ],
      },
    })
    expect((v2['template'] as { scaling: Json }).scaling).not.toHaveProperty('maxInstanceCount')
  })

  it('replace of a service that does not exist creates it', async () => {
    const r = ok(
      await h.call('PUT', `${NS}/born-by-replace`, { as: DEV, body: v1('born-by-replace') }),
    )
    expect((r['metadata'] as Json)['generation']).toBe(1)
    ok(
      await h.call('GET', `/v2/projects/${P}/locations/${REGION}/services/born-by-replace`, {
        as: DEV,
      }),
    )
  })

  it('a stale metadata.resourceVersion is 409 ABORTED; the current one passes', async () => {
    const got = ok(await h.call('GET', `${NS}/born-by-replace`, { as: DEV })) as { metadata: Json }
    const stale = await h.call('PUT', `${NS}/born-by-replace`, {
      as: DEV,
      body: { ...got, metadata: { ...got.metadata, resourceVersion: 'not-the-etag' } },
    })
    expect(errorOf(stale).status).toBe('ABORTED')
    ok(await h.call('PUT', `${NS}/born-by-replace`, { as: DEV, body: got }))
  })

  it('delete answers a k8s Status; the service is gone', async () => {
    const uid = (ok(await h.call('GET', `${NS}/born-by-replace`, { as: DEV }))['metadata'] as Json)[
      'uid'
    ]
    const r = ok(await h.call('DELETE', `${NS}/born-by-replace`, { as: DEV }))
    expect(r).toEqual({
      status: 'Success',
      metadata: {},
      details: { name: 'born-by-replace', group: 'serving.knative.dev', kind: 'services', uid },
    })
    expect((await h.call('GET', `${NS}/born-by-replace`, { as: DEV })).status).toBe(404)
  })

  it('dryRun validates without storing', async () => {
    ok(await h.call('POST', `${NS}?dryRun=All`, { as: DEV, body: v1('dry') }))
    expect((await h.call('GET', `${NS}/dry`, { as: DEV })).status).toBe(404)
  })
})

describe('run.googleapis.com/invoker-iam-disabled and custom-audiences', () => {
  it('run.developer may not turn the invoker check off through the annotation: 403 naming run.services.setIamPolicy', async () => {
    ok(await h.call('PUT', `${NS}/public-try`, { as: DEV, body: v1('public-try') }))
    const r = await h.call('PUT', `${NS}/public-try`, {
      as: DEV,
      body: v1('public-try', {
        annotations: { 'run.googleapis.com/invoker-iam-disabled': 'true' },
      }),
    })
    expect(errorOf(r)).toEqual({
      code: 403,
      status: 'PERMISSION_DENIED',
      message: `Permission 'run.services.setIamPolicy' denied on resource 'namespaces/${P}/services/public-try' (or it may not exist).`,
    })
    const create = await h.call('POST', NS, {
      as: DEV,
      body: v1('public-new', {
        annotations: { 'run.googleapis.com/invoker-iam-disabled': 'true' },
      }),
    })
    expect(errorOf(create).message).toContain("'run.services.setIamPolicy'")
  })

  it("run.admin may, with gcloud's 'True' spelling; the v2 field follows; omitting it turns the check back on", async () => {
    const r = ok(
      await h.call('PUT', `${NS}/public-try`, {
        as: ADMIN,
        body: v1('public-try', {
          annotations: { 'run.googleapis.com/invoker-iam-disabled': 'True' },
        }),
      }),
    )
    expect(
      (r['metadata'] as { annotations: Json }).annotations[
        'run.googleapis.com/invoker-iam-disabled'
      ],
    ).toBe('true')
    const v2 = ok(
      await h.call('GET', `/v2/projects/${P}/locations/${REGION}/services/public-try`, { as: DEV }),
    )
    expect(v2['invokerIamDisabled']).toBe(true)
    // A replace is the whole object: no annotation means the check is on again (and needs the
    // same permission to change).
    const back = await h.call('PUT', `${NS}/public-try`, { as: DEV, body: v1('public-try') })
    expect(errorOf(back).message).toContain("'run.services.setIamPolicy'")
    ok(await h.call('PUT', `${NS}/public-try`, { as: ADMIN, body: v1('public-try') }))
    const after = ok(
      await h.call('GET', `/v2/projects/${P}/locations/${REGION}/services/public-try`, { as: DEV }),
    )
    expect(after['invokerIamDisabled']).toBeUndefined()
  })

  it('constraints/run.managed.requireInvokerIam refuses the annotation, as it refuses the v2 field', async () => {
    ok(
      await setOrgPolicy(`projects/${P}`, 'run.managed.requireInvokerIam', {
        rules: [{ enforce: true }],
      }),
    )
    try {
      const r = await h.call('PUT', `${NS}/public-try`, {
        as: ADMIN,
        body: v1('public-try', {
          annotations: { 'run.googleapis.com/invoker-iam-disabled': 'true' },
        }),
      })
      expect(errorOf(r).status).toBe('FAILED_PRECONDITION')
      expect(reason(r)).toBe('INVOKER_IAM_REQUIRED')
      const create = await h.call('POST', NS, {
        as: ADMIN,
        body: v1('public-new', {
          annotations: { 'run.googleapis.com/invoker-iam-disabled': 'true' },
        }),
      })
      expect(reason(create)).toBe('INVOKER_IAM_REQUIRED')
    } finally {
      ok(
        await h.call('DELETE', `/v2/projects/${P}/policies/run.managed.requireInvokerIam`, {
          as: OWNER,
        }),
      )
    }
  })

  it('custom-audiences maps to customAudiences both ways', async () => {
    const auds = ['https://api.example.com', 'https://other.example.com/x']
    const r = ok(
      await h.call('PUT', `${NS}/audiences`, {
        as: DEV,
        body: v1('audiences', {
          annotations: { 'run.googleapis.com/custom-audiences': JSON.stringify(auds) },
        }),
      }),
    )
    expect(
      (r['metadata'] as { annotations: Json }).annotations['run.googleapis.com/custom-audiences'],
    ).toBe(JSON.stringify(auds))
    const v2 = ok(
      await h.call('GET', `/v2/projects/${P}/locations/${REGION}/services/audiences`, { as: DEV }),
    )
    expect(v2['customAudiences']).toEqual(auds)
  })
})

describe('the upstream annotation goes through the upstream policy', () => {
  it('refuses an upstream off the allow-list and a metadata address; accepts loopback', async () => {
    for (const url of ['http://10.1.2.3:8080', 'http://169.254.169.254/']) {
      const r = await h.call('PUT', `${NS}/upstreamed`, {
        as: DEV,
        body: v1('upstreamed', { annotations: { 'runiam.dev/upstream': url } }),
      })
      expect(r.status, url).toBe(400)
    }
    const okay = ok(
      await h.call('PUT', `${NS}/upstreamed`, {
        as: DEV,
        body: v1('upstreamed', { annotations: { 'runiam.dev/upstream': 'http://127.0.0.1:9999' } }),
      }),
    )
    expect((okay['metadata'] as { annotations: Json }).annotations['runiam.dev/upstream']).toBe(
      'http://127.0.0.1:9999',
    )
  })
})

describe('bad fields are 400 INVALID_ARGUMENT naming them', () => {
  const cases: [string, Json, string][] = [
    ['an unknown top-level field', { ...v1('bad'), extra: 1 }, 'extra'],
    [
      'a wrong apiVersion',
      { ...v1('bad'), apiVersion: 'serving.knative.dev/v1alpha1' },
      'apiVersion',
    ],
    ['a wrong kind', { ...v1('bad'), kind: 'Job' }, 'kind'],
    [
      'an unknown container field',
      v1('bad', { spec: { template: { spec: { containers: [{ image: 'i', imagee: 'typo' }] } } } }),
      'spec.template.spec.containers[0].imagee',
    ],
    [
      'a container without image',
      v1('bad', { spec: { template: { spec: { containers: [{ name: 'c' }] } } } }),
      'spec.template.spec.containers[0].image',
    ],
    [
      'a non-boolean invoker-iam-disabled',
      v1('bad', { annotations: { 'run.googleapis.com/invoker-iam-disabled': 'yes' } }),
      'metadata.annotations[run.googleapis.com/invoker-iam-disabled]',
    ],
    [
      'an unquoted YAML boolean as an annotation value',
      v1('bad', { annotations: { 'run.googleapis.com/invoker-iam-disabled': true } }),
      'metadata.annotations[run.googleapis.com/invoker-iam-disabled]',
    ],
    [
      'custom-audiences that are not a JSON array',
      v1('bad', { annotations: { 'run.googleapis.com/custom-audiences': 'https://x' } }),
      'metadata.annotations[run.googleapis.com/custom-audiences]',
    ],
    [
      'an unknown ingress',
      v1('bad', { annotations: { 'run.googleapis.com/ingress': 'everyone' } }),
      'metadata.annotations[run.googleapis.com/ingress]',
    ],
    [
      'a traffic target with both revisionName and latestRevision',
      v1('bad', { spec: { traffic: [{ revisionName: 'r', latestRevision: true, percent: 100 }] } }),
      'spec.traffic[0]',
    ],
    [
      'a percent out of range',
      v1('bad', { spec: { traffic: [{ latestRevision: true, percent: 101 }] } }),
      'spec.traffic[0].percent',
    ],
    ["a name that is not the path's", v1('other-name'), 'metadata.name'],
    [
      'a namespace of another project',
      v1('bad', { meta: { namespace: 'someone-else' } }),
      'metadata.namespace',
    ],
    ['a bad service name', { ...v1('Bad_Name') }, 'metadata.name'],
  ]
  for (const [what, body, field] of cases) {
    it(what, async () => {
      const path = what === 'a bad service name' ? `${NS}/Bad_Name` : `${NS}/bad`
      const r = await h.call('PUT', path, { as: DEV, body })
      expect(r.status, JSON.stringify(r.json)).toBe(400)
      expect(errorOf(r).status).toBe('INVALID_ARGUMENT')
      expect(fieldOf(r)).toBe(field)
    })
  }

  it('the project number is a valid namespace in the body; the location label must agree with the path', async () => {
    ok(
      await h.call('PUT', `${NS}/numbered`, {
        as: DEV,
        body: v1('numbered', { meta: { namespace: projectNumber } }),
      }),
    )
    const r = await h.call('PUT', `/v1/projects/${P}/locations/europe-west1/services/numbered`, {
      as: DEV,
      body: v1('numbered'),
    })
    expect(fieldOf(r)).toBe('metadata.labels[cloud.googleapis.com/location]')
  })
})
