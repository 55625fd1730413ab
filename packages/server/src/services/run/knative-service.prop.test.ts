// The v1 ↔ v2 mapping round-trips: any v1 Service a user writes reads back the same through the
// stored v2 service (export view: what `describe --format export` prints), and any v2 service
// read as v1 and written back is the same v2 service. Generators of both shapes are independent
// of the mapping, so a field dropped or renamed on one side fails. fast-check prints the seed.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EXPORT_OMITTED_ANNOTATIONS, EXPORT_OMITTED_METADATA, type Service } from '@runiam/api'
import { readKnativeService, toKnativeService, withUnmappedFields } from './knative-service.js'
import { buildService, type ServiceInput } from './service-body.js'

type Json = Record<string, unknown>

const PROJECT_NUMBER = '123456789012'
const REGION = 'us-central1'

/** Drops undefined properties (fc.option's "absent"). */
function clean<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T
}
const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined })

const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/)
const text = fc.string({ maxLength: 12 })
const userKey = fc.oneof(
  word,
  word.map((w) => `example.com/${w}`),
)
const userMap = fc.dictionary(userKey, text, { maxKeys: 3 })
const nonEmptyUserMap = fc.dictionary(userKey, text, { minKeys: 1, maxKeys: 3 })
const url = word.map((w) => `https://${w}.example.com`)
const strings = fc.array(text, { maxLength: 3 })

function stored(input: ServiceInput): Service {
  return buildService({
    name: `projects/p/locations/${REGION}/services/svc`,
    serviceId: 'svc',
    location: REGION,
    projectNumber: PROJECT_NUMBER,
    input,
    actor: 'owner@example.com',
    nowMs: Date.parse('2026-01-01T00:00:00Z'),
    runDomain: 'run.localhost',
    servicePort: 8080,
  }) as unknown as Service
}

// ---------------------------------------------------------------------------------------------
// v1 documents, as a user writes them (canonical spellings: what a read prints back)

const v1Env = fc.oneof(
  fc.record({ name: word, value: text }),
  fc.record({ name: word }),
  fc
    .record({ name: word, secret: word, key: opt(fc.constantFrom('latest', '1', '2')) })
    .map(({ name, secret, key }) => ({
      name,
      valueFrom: { secretKeyRef: clean({ name: secret, key }) },
    })),
)
const v1Container = fc
  .record({
    name: opt(word),
    image: word.map((w) => `us-docker.pkg.dev/p/r/${w}`),
    command: opt(strings),
    args: opt(strings),
    workingDir: opt(word.map((w) => `/${w}`)),
    env: opt(fc.array(v1Env, { maxLength: 3 })),
    ports: opt(
      fc.array(
        fc
          .record({
            name: opt(fc.constantFrom('http1', 'h2c')),
            containerPort: opt(fc.integer({ min: 1, max: 65535 })),
          })
          .map(clean),
        { maxLength: 1 },
      ),
    ),
    resources: opt(fc.record({ limits: fc.dictionary(fc.constantFrom('cpu', 'memory'), word) })),
  })
  .map(clean)
const v1Traffic = fc.oneof(
  fc
    .record({
      latestRevision: fc.constant(true),
      percent: opt(fc.integer({ min: 0, max: 100 })),
      tag: opt(word),
    })
    .map(clean),
  fc
    .record({ revisionName: word, percent: opt(fc.integer({ min: 0, max: 100 })), tag: opt(word) })
    .map(clean),
)
const v1TemplateMeta = fc
  .record({
    name: opt(word.map((w) => `svc-${w}`)),
    labels: opt(nonEmptyUserMap),
    annotations: fc
      .record({
        user: userMap,
        min: opt(fc.nat({ max: 100 })),
        max: opt(fc.nat({ max: 1000 })),
        env: opt(fc.constantFrom('gen1', 'gen2')),
      })
      .map(({ user, min, max, env }) => {
        const a: Json = { ...user }
        if (min !== undefined) a['autoscaling.knative.dev/minScale'] = String(min)
        if (max !== undefined) a['autoscaling.knative.dev/maxScale'] = String(max)
        if (env !== undefined) a['run.googleapis.com/execution-environment'] = env
        return Object.keys(a).length === 0 ? undefined : a
      }),
  })
  .map(clean)
  .map((m) => (Object.keys(m).length === 0 ? undefined : m))

/** A v1 document, and what reading it back prints for the invoker annotation. */
const v1Service = fc
  .record({
    labels: userMap,
    annotations: userMap,
    ingress: fc.constantFrom('all', 'internal', 'internal-and-cloud-load-balancing', 'none'),
    invoker: fc.constantFrom(undefined, 'true', 'True', 'TRUE', 'false', 'False'),
    audiences: opt(fc.array(url, { minLength: 1, maxLength: 2 })),
    defaultUrlDisabled: fc.constantFrom(undefined, 'true', 'false'),
    iap: fc.constantFrom(undefined, 'true'),
    description: opt(text),
    launchStage: opt(fc.constantFrom('ALPHA', 'BETA', 'EARLY_ACCESS')),
    client: opt(word),
    templateMeta: v1TemplateMeta,
    concurrency: opt(fc.integer({ min: 0, max: 1000 })),
    timeout: opt(fc.integer({ min: 1, max: 3600 })),
    serviceAccount: opt(word.map((w) => `${w}@p.iam.gserviceaccount.com`)),
    containers: fc.array(v1Container, { minLength: 1, maxLength: 2 }),
    traffic: fc.array(v1Traffic, { minLength: 1, maxLength: 3 }),
  })
  .map((g) => {
    const annotations: Json = { ...g.annotations, 'run.googleapis.com/ingress': g.ingress }
    if (g.invoker !== undefined) annotations['run.googleapis.com/invoker-iam-disabled'] = g.invoker
    if (g.audiences !== undefined)
      annotations['run.googleapis.com/custom-audiences'] = JSON.stringify(g.audiences)
    if (g.defaultUrlDisabled !== undefined)
      annotations['run.googleapis.com/default-url-disabled'] = g.defaultUrlDisabled
    if (g.iap !== undefined) annotations['run.googleapis.com/iap-enabled'] = g.iap
    if (g.description !== undefined) annotations['run.googleapis.com/description'] = g.description
    if (g.launchStage !== undefined) annotations['run.googleapis.com/launch-stage'] = g.launchStage
    if (g.client !== undefined) annotations['run.googleapis.com/client-name'] = g.client
    const written = {
      apiVersion: 'serving.knative.dev/v1',
      kind: 'Service',
      metadata: {
        name: 'svc',
        namespace: PROJECT_NUMBER,
        labels: { ...g.labels, 'cloud.googleapis.com/location': REGION },
        annotations,
      },
      spec: {
        template: clean({
          metadata: g.templateMeta,
          spec: clean({
            containerConcurrency: g.concurrency,
            timeoutSeconds: g.timeout,
            serviceAccountName: g.serviceAccount,
            containers: g.containers,
          }),
        }),
        traffic: g.traffic,
      },
    }
    // What a read prints in the export view: booleans as 'true' only when true (never
    // 'false'), and without the client annotations the export printer removes.
    const printed = structuredClone(written)
    const pa = printed.metadata.annotations
    delete pa['run.googleapis.com/client-name']
    for (const k of [
      'run.googleapis.com/invoker-iam-disabled',
      'run.googleapis.com/default-url-disabled',
    ]) {
      const v = pa[k]
      if (typeof v === 'string') {
        if (v.toLowerCase() === 'true') pa[k] = 'true'
        else delete pa[k]
      }
    }
    return { written, printed }
  })

/** gcloud's export view, and without the annotations a read adds on its own. */
function exported(s: unknown): Json {
  const copy = structuredClone(s) as { metadata: Json & { annotations: Json }; status?: unknown }
  delete copy.status
  for (const k of EXPORT_OMITTED_METADATA) delete copy.metadata[k]
  for (const k of [
    ...EXPORT_OMITTED_ANNOTATIONS,
    'run.googleapis.com/ingress-status',
    'run.googleapis.com/urls',
  ]) {
    delete copy.metadata.annotations[k]
  }
  return copy
}

// ---------------------------------------------------------------------------------------------
// v2 services (canonical: what a v2 read answers for the mapped fields)

const v2Env = fc.oneof(
  fc.record({ name: word, value: text }),
  fc.record({ name: word }),
  fc
    .record({ name: word, secret: word, version: opt(fc.constantFrom('latest', '3')) })
    .map(({ name, secret, version }) => ({
      name,
      valueSource: { secretKeyRef: clean({ secret, version }) },
    })),
)
const v2Container = fc
  .record({
    name: opt(word),
    image: word,
    command: opt(strings),
    args: opt(strings),
    workingDir: opt(word),
    env: opt(fc.array(v2Env, { maxLength: 3 })),
    ports: opt(
      fc.array(
        fc
          .record({ name: opt(word), containerPort: opt(fc.integer({ min: 1, max: 65535 })) })
          .map(clean),
        { maxLength: 1 },
      ),
    ),
    resources: opt(fc.record({ limits: fc.dictionary(word, word, { maxKeys: 2 }) })),
  })
  .map(clean)
const v2Input: fc.Arbitrary<ServiceInput> = fc
  .record({
    labels: userMap,
    annotations: userMap,
    description: opt(text),
    client: opt(word),
    clientVersion: opt(word),
    ingress: fc.constantFrom(
      'INGRESS_TRAFFIC_ALL',
      'INGRESS_TRAFFIC_INTERNAL_ONLY',
      'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER',
      'INGRESS_TRAFFIC_NONE',
    ),
    launchStage: fc.constantFrom('GA', 'BETA', 'ALPHA'),
    invokerIamDisabled: opt(fc.constant(true)),
    defaultUriDisabled: opt(fc.constant(true)),
    iapEnabled: opt(fc.constant(true)),
    customAudiences: opt(fc.array(url, { minLength: 1, maxLength: 3 })),
    template: fc
      .record({
        revision: opt(word),
        labels: opt(nonEmptyUserMap),
        annotations: opt(nonEmptyUserMap),
        scaling: opt(
          fc
            .record({
              minInstanceCount: opt(fc.nat({ max: 10 })),
              maxInstanceCount: opt(fc.nat({ max: 100 })),
            })
            .map(clean)
            .filter((s) => Object.keys(s).length > 0),
        ),
        executionEnvironment: opt(
          fc.constantFrom('EXECUTION_ENVIRONMENT_GEN1', 'EXECUTION_ENVIRONMENT_GEN2'),
        ),
        maxInstanceRequestConcurrency: opt(fc.integer({ min: 0, max: 1000 })),
        timeout: opt(fc.integer({ min: 1, max: 3600 }).map((n) => `${n}s`)),
        serviceAccount: opt(word),
        containers: fc.array(v2Container, { minLength: 1, maxLength: 2 }),
      })
      .map(clean),
    traffic: fc.array(
      fc.oneof(
        fc
          .record({
            type: fc.constant('TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'),
            percent: opt(fc.integer({ min: 0, max: 100 })),
            tag: opt(word),
          })
          .map(clean),
        fc
          .record({
            type: fc.constant('TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION'),
            revision: word,
            percent: opt(fc.integer({ min: 0, max: 100 })),
            tag: opt(word),
          })
          .map(clean),
      ),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(clean)

/** A v2 input as read back (launchStage GA is the default a v1 read leaves unsaid). */
function canonicalV2(input: ServiceInput): ServiceInput {
  const out = { ...input }
  if (out['launchStage'] === 'GA') delete out['launchStage']
  return out
}

describe('the v1 ↔ v2 service mapping', () => {
  it('v1 → v2 → v1: a written v1 Service reads back the same (export view)', () => {
    fc.assert(
      fc.property(v1Service, ({ written, printed }) => {
        const w = readKnativeService(structuredClone(written))
        expect(w).toMatchObject({ serviceId: 'svc', namespace: PROJECT_NUMBER, region: REGION })
        const back = toKnativeService(stored(w.input), PROJECT_NUMBER)
        expect(exported(back)).toEqual(printed)
      }),
      { numRuns: 300 },
    )
  })

  it('v2 → v1 → v2: a stored service read as v1 and written back is the same v2 input', () => {
    fc.assert(
      fc.property(v2Input, (input) => {
        const view = toKnativeService(stored(input), PROJECT_NUMBER)
        const read = readKnativeService(JSON.parse(JSON.stringify(view)))
        expect(read.region).toBe(REGION)
        expect(canonicalV2(read.input)).toEqual(canonicalV2(input))
      }),
      { numRuns: 300 },
    )
  })

  it('a replace keeps the v2 fields v1 cannot say, and nothing v1 did say', () => {
    fc.assert(
      fc.property(v2Input, v2Input, (before, after) => {
        const current = {
          ...stored(before),
          binaryAuthorization: { useDefault: true },
          template: {
            ...(before['template'] as Json),
            vpcAccess: { connector: 'c' },
            scaling: {
              ...((before['template'] as Json)['scaling'] as Json),
              manualInstanceCount: 2,
            },
          },
        } as unknown as Json
        const v1Input = readKnativeService(
          JSON.parse(JSON.stringify(toKnativeService(stored(after), PROJECT_NUMBER))),
        ).input
        const merged = withUnmappedFields(v1Input, current)
        expect(merged['binaryAuthorization']).toEqual({ useDefault: true })
        const t = merged['template'] as Json
        expect(t['vpcAccess']).toEqual({ connector: 'c' })
        const afterScaling = ((after['template'] as Json)['scaling'] ?? {}) as Json
        expect(t['scaling']).toEqual({ manualInstanceCount: 2, ...afterScaling })
        const { scaling: _a, vpcAccess: _b, ...mapped } = t
        const { scaling: _c, ...expected } = (canonicalV2(after)['template'] ?? {}) as Json
        expect(mapped).toEqual(expected)
      }),
      { numRuns: 200 },
    )
  })
})
