// The guide's YAML procedure with `runiam` in place of `gcloud`, against a real `runiam serve`:
// `run services describe SERVICE --format export > service.yaml`, edit the file (the
// run.googleapis.com/invoker-iam-disabled annotation, custom audiences), `run services replace
// service.yaml`, then check what the invoker gateway lets through. The permission rule
// (run.services.setIamPolicy) and constraints/run.managed.requireInvokerIam hold on this path too.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'yaml-prod'
const SVC = 'storefront'
const INVOKER_IAM_DISABLED = 'run.googleapis.com/invoker-iam-disabled'
let server: ServerProcess
let owner: User
let developer: User
let projectNumber: string
let serviceUrl: string
const files = mkdtempSync(join(tmpdir(), 'runiam-yaml-files-'))

type Doc = {
  apiVersion: string
  kind: string
  metadata: {
    name: string
    namespace: string
    labels: Record<string, string>
    annotations?: Record<string, string>
  } & Record<string, unknown>
  spec: Record<string, unknown>
} & Record<string, unknown>

function file(name: string, text: string): string {
  const path = join(files, name)
  writeFileSync(path, text)
  return path
}

async function exportOf(user: User, service = SVC): Promise<{ text: string; doc: Doc }> {
  const r = await user.run(['run', 'services', 'describe', service, '--format', 'export'])
  expect(r.code, r.stderr).toBe(0)
  return { text: r.stdout, doc: parseYaml(r.stdout) as Doc }
}

/** The export with the invoker check turned off, as the guide edits it. */
function madePublic(doc: Doc): string {
  const edited = structuredClone(doc)
  edited.metadata.annotations = { ...edited.metadata.annotations, [INVOKER_IAM_DISABLED]: 'true' }
  return stringifyYaml(edited)
}

const anonymous = () => invokeService(server, serviceUrl, '/')

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const deployed = await owner.run(['run', 'deploy', SVC, '--no-allow-unauthenticated'])
  expect(deployed.code, deployed.stderr).toBe(0)
  serviceUrl = /Service URL: (\S+)/.exec(deployed.stderr)?.[1] ?? ''
  expect(serviceUrl).toMatch(/^http:\/\//)
  const described = await owner.run(['projects', 'describe', PROJECT, '--format=json'])
  projectNumber = (JSON.parse(described.stdout) as { projectNumber: string }).projectNumber
  const granted = await owner.run([
    'projects',
    'add-iam-policy-binding',
    PROJECT,
    '--member=user:dev@example.com',
    '--role=roles/run.developer',
  ])
  expect(granted.code, granted.stderr).toBe(0)
  developer = await login(server, 'dev@example.com', PROJECT)
})

afterAll(async () => {
  await server?.stop()
})

describe('run services describe --format export', () => {
  it("prints the v1 Service as gcloud's export printer does", async () => {
    const { text, doc } = await exportOf(owner)
    expect(text.startsWith('apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\n')).toBe(
      true,
    )
    expect(text).toContain(`  namespace: '${projectNumber}'\n`)
    expect(doc.metadata).toMatchObject({
      name: SVC,
      namespace: projectNumber,
      labels: { 'cloud.googleapis.com/location': 'us-central1' },
    })
    for (const gone of ['uid', 'generation', 'resourceVersion', 'creationTimestamp', 'selfLink']) {
      expect(doc.metadata, gone).not.toHaveProperty(gone)
    }
    expect(doc).not.toHaveProperty('status')
    expect(Object.keys(doc.metadata.annotations ?? {})).not.toContain('serving.knative.dev/creator')
    expect(doc.metadata.annotations?.[INVOKER_IAM_DISABLED]).toBeUndefined()
    expect(doc.spec).toMatchObject({
      template: { spec: { containers: [{ image: expect.any(String) }] } },
      traffic: [{ latestRevision: true, percent: 100 }],
    })
  })

  it('replacing the unchanged export changes nothing a second export shows', async () => {
    const first = await exportOf(owner)
    const r = await owner.run(['run', 'services', 'replace', file('same.yaml', first.text)])
    expect(r.code, r.stderr).toBe(0)
    expect((await exportOf(owner)).text).toBe(first.text)
  })
})

describe('describe → edit → replace (the guide: make a service public with the annotation)', () => {
  it('run.developer is refused: changing the invoker check needs run.services.setIamPolicy', async () => {
    const { doc } = await exportOf(developer)
    const r = await developer.run(['run', 'services', 'replace', file('dev.yaml', madePublic(doc))])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `Applying new configuration to Cloud Run service [${SVC}] in project [${projectNumber}] region [us-central1]`,
    )
    expect(r.stderr).toContain(
      `ERROR: (runiam.run.services.replace) PERMISSION_DENIED: Permission 'run.services.setIamPolicy' denied on resource 'projects/${projectNumber}/locations/us-central1/services/${SVC}' (or it may not exist).`,
    )
    expect((await anonymous()).status).toBe(403)
  })

  it('refused under constraints/run.managed.requireInvokerIam, even for the owner', async () => {
    const rii = file(
      'rii.yaml',
      `name: projects/${PROJECT}/policies/run.managed.requireInvokerIam\nspec:\n  rules:\n  - enforce: true\n`,
    )
    expect((await owner.run(['org-policies', 'set-policy', rii])).code).toBe(0)
    try {
      const { doc } = await exportOf(owner)
      const r = await owner.run([
        'run',
        'services',
        'replace',
        file('rii-try.yaml', madePublic(doc)),
      ])
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('FAILED_PRECONDITION')
      expect(r.stderr).toContain('constraints/run.managed.requireInvokerIam')
      expect((await anonymous()).status).toBe(403)
    } finally {
      const d = await owner.run([
        'org-policies',
        'delete',
        'run.managed.requireInvokerIam',
        `--project=${PROJECT}`,
      ])
      expect(d.code, d.stderr).toBe(0)
    }
  })

  it('the owner makes the service public; the gateway then lets anyone in', async () => {
    expect((await anonymous()).status).toBe(403)
    const { doc } = await exportOf(owner)
    const r = await owner.run(['run', 'services', 'replace', file('public.yaml', madePublic(doc))])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `Applying new configuration to Cloud Run service [${SVC}] in project [${projectNumber}] region [us-central1]\n` +
        'Deploying... Done.\n' +
        `New configuration has been applied to service [${SVC}].\nURL: ${serviceUrl}\n`,
    )
    expect((await exportOf(owner)).doc.metadata.annotations?.[INVOKER_IAM_DISABLED]).toBe('true')
    const v2 = await owner.run(['run', 'services', 'describe', SVC, '--format=json'])
    expect((JSON.parse(v2.stdout) as { invokerIamDisabled?: boolean }).invokerIamDisabled).toBe(
      true,
    )
    expect((await anonymous()).status).toBe(200)
  })

  it("gcloud's 'True' spelling works too; removing the annotation makes it private again", async () => {
    const { doc } = await exportOf(owner)
    const edited = structuredClone(doc)
    delete edited.metadata.annotations?.[INVOKER_IAM_DISABLED]
    const r = await owner.run([
      'run',
      'services',
      'replace',
      file('private.yaml', stringifyYaml(edited)),
    ])
    expect(r.code, r.stderr).toBe(0)
    expect((await anonymous()).status).toBe(403)
    const gcloudStyle = structuredClone(doc)
    gcloudStyle.metadata.annotations = {
      ...gcloudStyle.metadata.annotations,
      [INVOKER_IAM_DISABLED]: 'True',
    }
    const again = await owner.run([
      'run',
      'services',
      'replace',
      file('true.yaml', stringifyYaml(gcloudStyle)),
    ])
    expect(again.code, again.stderr).toBe(0)
    expect((await anonymous()).status).toBe(200)
    const back = await owner.run([
      'run',
      'services',
      'replace',
      file('private2.yaml', stringifyYaml(edited)),
    ])
    expect(back.code, back.stderr).toBe(0)
    expect((await anonymous()).status).toBe(403)
  })
})

describe('custom audiences through the annotation', () => {
  it('an ID token for a custom audience passes once the annotation names it', async () => {
    const granted = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      SVC,
      '--member=user:caller@example.com',
      '--role=roles/run.invoker',
    ])
    expect(granted.code, granted.stderr).toBe(0)
    const token = await idToken(server, 'caller@example.com', 'https://shop.example.com')
    const call = () => invokeService(server, serviceUrl, '/', { authorization: `Bearer ${token}` })
    expect((await call()).status).toBe(401)
    const { doc } = await exportOf(owner)
    const edited = structuredClone(doc)
    edited.metadata.annotations = {
      ...edited.metadata.annotations,
      'run.googleapis.com/custom-audiences': '["https://shop.example.com"]',
    }
    const r = await developer.run([
      'run',
      'services',
      'replace',
      file('aud.yaml', stringifyYaml(edited)),
    ])
    expect(r.code, r.stderr).toBe(0)
    expect((await call()).status).toBe(200)
  })
})

describe('run services replace: creating, the namespace rule, the region', () => {
  it('creates a service that does not exist, in the region of its location label', async () => {
    const yaml = file(
      'new.yaml',
      [
        'apiVersion: serving.knative.dev/v1',
        'kind: Service',
        'metadata:',
        '  name: catalog',
        `  namespace: ${PROJECT}`,
        '  labels:',
        '    cloud.googleapis.com/location: europe-west1',
        'spec:',
        '  template:',
        '    spec:',
        '      containers:',
        '      - image: us-docker.pkg.dev/cloudrun/container/hello',
        '        env:',
        '        - name: MODE',
        '          value: prod',
        '',
      ].join('\n'),
    )
    const r = await developer.run(['run', 'services', 'replace', yaml])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(
      `Applying new configuration to Cloud Run service [catalog] in project [${PROJECT}] region [europe-west1]\nDeploying new service... Done.\n`,
    )
    expect(r.stderr).toMatch(/URL: http:\/\/catalog-\d+\.europe-west1\.run\.localhost:\d+\n$/)
    const listed = await developer.run([
      'run',
      'services',
      'list',
      '--region=europe-west1',
      '--format=value(name)',
    ])
    expect(listed.stdout).toContain(`/locations/europe-west1/services/catalog`)
    const got = await developer.run([
      'run',
      'services',
      'describe',
      'catalog',
      '--region=europe-west1',
      '--format=export',
    ])
    expect(got.code, got.stderr).toBe(0)
    expect(parseYaml(got.stdout)).toMatchObject({
      spec: { template: { spec: { containers: [{ env: [{ name: 'MODE', value: 'prod' }] }] } } },
    })
  })

  it("refuses a namespace that is not the project's id or number, with gcloud's message", async () => {
    const { doc } = await exportOf(owner)
    const other = structuredClone(doc)
    other.metadata.namespace = '123'
    const r = await owner.run(['run', 'services', 'replace', file('ns.yaml', stringifyYaml(other))])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `ERROR: (runiam.run.services.replace) Namespace must be project ID [${PROJECT}] or quoted number [${projectNumber}] for Cloud Run (fully managed).\n`,
    )
  })

  it('names a bad field of the file', async () => {
    const { doc } = await exportOf(owner)
    const bad = structuredClone(doc)
    ;(
      bad.spec as { template: { spec: { containers: Record<string, unknown>[] } } }
    ).template.spec.containers[0] = {
      imagee: 'typo',
    }
    const r = await owner.run(['run', 'services', 'replace', file('bad.yaml', stringifyYaml(bad))])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(
      `INVALID_ARGUMENT: Invalid JSON payload received. Unknown name "imagee" at 'spec.template.spec.containers[0]': Cannot find field.`,
    )
  })
})
