// The v1 ↔ v2 job mapping round-trips: any v1 Job a user writes reads back the same through the
// stored v2 job (export view: what `run jobs describe --format export` prints, with Cloud Run's
// defaults filled in), and any v2 job read as v1 and written back is the same v2 job. A replace
// keeps the v2 fields v1 cannot say. Generators of both shapes are independent of the mapping,
// so a field dropped or renamed on one side fails. fast-check prints the seed.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { EXPORT_OMITTED_ANNOTATIONS, EXPORT_OMITTED_METADATA, type Job } from '@runiam/api'
import { buildJob, readJobInput, writableOfJob, type JobInput } from './job-body.js'
import { readKnativeJob, toKnativeJob, withUnmappedJobFields } from './knative-job.js'

type Json = Record<string, unknown>

const PROJECT_NUMBER = '123456789012'
const REGION = 'europe-west1'

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
const strings = fc.array(text, { maxLength: 3 })
// Cloud Run sets these itself; a job may not (knative-job.ts refuses them).
const envName = word.filter((w) => !w.toUpperCase().startsWith('CLOUD_RUN_'))

/** A stored job, as the v2 create builds it from a validated input. */
function stored(input: JobInput): Job {
  return buildJob({
    name: `projects/p/locations/${REGION}/jobs/nightly`,
    input: readJobInput(input),
    actor: 'owner@example.com',
    nowMs: Date.parse('2026-01-01T00:00:00Z'),
  }) as unknown as Job
}

// ---------------------------------------------------------------------------------------------
// v1 documents, as a user writes them

const v1Env = fc.oneof(
  fc.record({ name: envName, value: text }),
  fc.record({ name: envName }),
  fc
    .record({ name: envName, secret: word, key: opt(fc.constantFrom('latest', '1')) })
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
    resources: opt(fc.record({ limits: fc.dictionary(fc.constantFrom('cpu', 'memory'), word) })),
  })
  .map(clean)

const v1Job = fc
  .record({
    labels: userMap,
    annotations: userMap,
    launchStage: opt(fc.constantFrom('ALPHA', 'BETA')),
    client: opt(word),
    binauthz: opt(
      fc.oneof(
        fc.constant('default'),
        word.map((w) => `projects/p/platforms/${w}`),
      ),
    ),
    breakglass: opt(text),
    templateLabels: opt(nonEmptyUserMap),
    templateAnnotations: userMap,
    executionEnvironment: opt(fc.constantFrom('gen1', 'gen2')),
    parallelism: opt(fc.integer({ min: 0, max: 50 })),
    taskCount: opt(fc.integer({ min: 0, max: 100 })),
    maxRetries: opt(fc.integer({ min: 0, max: 10 })),
    // int64 in JSON: a string, though YAML users write numbers too.
    timeout: opt(fc.integer({ min: 1, max: 86400 })),
    timeoutAsNumber: fc.boolean(),
    serviceAccount: opt(word.map((w) => `${w}@p.iam.gserviceaccount.com`)),
    containers: fc.array(v1Container, { minLength: 1, maxLength: 2 }),
  })
  .map((g) => {
    const annotations: Json = { ...g.annotations }
    if (g.launchStage !== undefined) annotations['run.googleapis.com/launch-stage'] = g.launchStage
    if (g.client !== undefined) annotations['run.googleapis.com/client-name'] = g.client
    if (g.binauthz !== undefined)
      annotations['run.googleapis.com/binary-authorization'] = g.binauthz
    if (g.breakglass !== undefined)
      annotations['run.googleapis.com/binary-authorization-breakglass'] = g.breakglass
    const templateAnnotations: Json = { ...g.templateAnnotations }
    if (g.executionEnvironment !== undefined)
      templateAnnotations['run.googleapis.com/execution-environment'] = g.executionEnvironment
    const templateMeta = clean({
      labels: g.templateLabels,
      annotations: Object.keys(templateAnnotations).length > 0 ? templateAnnotations : undefined,
    })
    const written = {
      apiVersion: 'run.googleapis.com/v1',
      kind: 'Job',
      metadata: {
        name: 'nightly',
        namespace: PROJECT_NUMBER,
        labels: { ...g.labels, 'cloud.googleapis.com/location': REGION },
        annotations,
      },
      spec: {
        template: clean({
          metadata: Object.keys(templateMeta).length > 0 ? templateMeta : undefined,
          spec: clean({
            parallelism: g.parallelism,
            taskCount: g.taskCount,
            template: {
              spec: clean({
                containers: g.containers,
                maxRetries: g.maxRetries,
                timeoutSeconds:
                  g.timeout === undefined
                    ? undefined
                    : g.timeoutAsNumber
                      ? g.timeout
                      : String(g.timeout),
                serviceAccountName: g.serviceAccount,
              }),
            },
          }),
        }),
      },
    }
    // What a read prints in the export view: Cloud Run's defaults filled in (1 task, 3
    // retries, 600 s), zero counts left out as proto3 JSON does, int64 as a string, and without
    // the client annotation the export printer removes.
    const printed = structuredClone(written) as unknown as {
      metadata: { annotations: Json }
      spec: { template: { spec: Json & { template: { spec: Json } } } }
    }
    delete printed.metadata.annotations['run.googleapis.com/client-name']
    const es = printed.spec.template.spec
    if (es['parallelism'] === 0) delete es['parallelism']
    if (es['taskCount'] === undefined || es['taskCount'] === 0) es['taskCount'] = 1
    const ts = es.template.spec
    ts['maxRetries'] ??= 3
    ts['timeoutSeconds'] = String(ts['timeoutSeconds'] ?? 600)
    return { written, printed: printed as unknown as Json }
  })

/** gcloud's export view, without the annotations a read adds on its own (creator…). */
function exported(j: unknown): Json {
  const copy = structuredClone(j) as { metadata: Json & { annotations: Json }; status?: unknown }
  delete copy.status
  for (const k of EXPORT_OMITTED_METADATA) delete copy.metadata[k]
  for (const k of [
    ...EXPORT_OMITTED_ANNOTATIONS,
    'run.googleapis.com/creator',
    'run.googleapis.com/lastModifier',
  ]) {
    delete copy.metadata.annotations[k]
  }
  return copy
}

// ---------------------------------------------------------------------------------------------
// v2 jobs (canonical: what a v2 read answers for the mapped fields)

const v2Env = fc.oneof(
  fc.record({ name: envName, value: text }),
  fc.record({ name: envName }),
  fc
    .record({ name: envName, secret: word, version: opt(fc.constantFrom('latest', '3')) })
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
    resources: opt(fc.record({ limits: fc.dictionary(word, word, { maxKeys: 2 }) })),
  })
  .map(clean)
const v2Input: fc.Arbitrary<JobInput> = fc
  .record({
    labels: userMap,
    annotations: userMap,
    client: opt(word),
    clientVersion: opt(word),
    launchStage: fc.constantFrom('GA', 'BETA', 'ALPHA'),
    binaryAuthorization: opt(
      fc.oneof(
        fc.record({ useDefault: fc.constant(true) }),
        fc.record({ policy: word }),
        fc
          .record({ useDefault: fc.constant(true), breakglassJustification: text })
          .map((b) => b as Json),
      ),
    ),
    template: fc
      .record({
        labels: opt(nonEmptyUserMap),
        annotations: opt(nonEmptyUserMap),
        parallelism: opt(fc.integer({ min: 1, max: 50 })),
        taskCount: fc.integer({ min: 1, max: 100 }),
        template: fc
          .record({
            containers: fc.array(v2Container, { minLength: 1, maxLength: 2 }),
            maxRetries: fc.integer({ min: 0, max: 10 }),
            timeout: fc.integer({ min: 1, max: 86400 }).map((n) => `${n}s`),
            serviceAccount: opt(word),
            executionEnvironment: opt(
              fc.constantFrom('EXECUTION_ENVIRONMENT_GEN1', 'EXECUTION_ENVIRONMENT_GEN2'),
            ),
          })
          .map(clean),
      })
      .map(clean),
  })
  .map(clean)

/** A v2 input as read back (launchStage GA is the default a v1 read leaves unsaid). */
function canonicalV2(input: JobInput): JobInput {
  const out = { ...input }
  if (out['launchStage'] === 'GA') delete out['launchStage']
  return out
}

describe('the v1 ↔ v2 job mapping', () => {
  it('v1 → v2 → v1: a written v1 Job reads back the same (export view, defaults filled)', () => {
    fc.assert(
      fc.property(v1Job, ({ written, printed }) => {
        const w = readKnativeJob(structuredClone(written))
        expect(w).toMatchObject({ jobId: 'nightly', namespace: PROJECT_NUMBER, region: REGION })
        const back = toKnativeJob(stored(w.input), PROJECT_NUMBER)
        expect(exported(back)).toEqual(printed)
      }),
      { numRuns: 300 },
    )
  })

  it('v2 → v1 → v2: a stored job read as v1 and written back is the same v2 job', () => {
    fc.assert(
      fc.property(v2Input, (input) => {
        const job = stored(input)
        const view = toKnativeJob(job, PROJECT_NUMBER)
        expect(view.metadata).toMatchObject({
          name: 'nightly',
          namespace: PROJECT_NUMBER,
          generation: 1,
          labels: { 'cloud.googleapis.com/location': REGION },
          annotations: { 'run.googleapis.com/creator': 'owner@example.com' },
        })
        const read = readKnativeJob(JSON.parse(JSON.stringify(view)))
        expect(read.region).toBe(REGION)
        expect(read.resourceVersion).toBe(job.etag)
        expect(canonicalV2(read.input)).toEqual(canonicalV2(writableOfJob(job as unknown as Json)))
      }),
      { numRuns: 300 },
    )
  })

  it('a replace keeps the v2 fields v1 cannot say, and nothing v1 did say', () => {
    fc.assert(
      fc.property(v2Input, v2Input, (before, after) => {
        const job = stored(before) as unknown as Json
        const bt = job['template'] as Json
        const btt = bt['template'] as Json & { containers: Json[] }
        const current: Json = {
          ...job,
          template: {
            ...bt,
            template: {
              ...btt,
              vpcAccess: { connector: 'c' },
              volumes: [{ name: 'v', emptyDir: {} }],
              containers: btt.containers.map((c, i) =>
                i === 0
                  ? {
                      ...c,
                      volumeMounts: [{ name: 'v', mountPath: '/v' }],
                      resources: { ...(c['resources'] as Json), cpuIdle: true },
                    }
                  : c,
              ),
            },
          },
        }
        const v1Input = readKnativeJob(
          JSON.parse(JSON.stringify(toKnativeJob(stored(after), PROJECT_NUMBER))),
        ).input
        const merged = withUnmappedJobFields(v1Input, current)
        const tt = (merged['template'] as Json)['template'] as Json & { containers: Json[] }
        expect(tt['vpcAccess']).toEqual({ connector: 'c' })
        expect(tt['volumes']).toEqual([{ name: 'v', emptyDir: {} }])
        const first = tt.containers[0] as Json
        expect(first['volumeMounts']).toEqual([{ name: 'v', mountPath: '/v' }])
        expect((first['resources'] as Json)['cpuIdle']).toBe(true)
        // What v1 says wins: strip what was kept and it is the v1 input itself.
        const { vpcAccess: _a, volumes: _b, ...mapped } = tt
        const containers = mapped['containers'] as Json[]
        const { volumeMounts: _c, ...c0 } = containers[0] as Json
        const r0 = c0['resources'] as Json
        const { cpuIdle: _d, ...restResources } = r0
        if (Object.keys(restResources).length > 0) c0['resources'] = restResources
        else delete c0['resources']
        const expected = (v1Input['template'] as Json)['template'] as Json
        expect({ ...mapped, containers: [c0, ...containers.slice(1)] }).toEqual(expected)
        // Mapped fields of the merged body validate as a v2 job.
        expect(() => readJobInput(merged)).not.toThrow()
      }),
      { numRuns: 200 },
    )
  })
})
