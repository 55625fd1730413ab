// `runiam asset analyze-iam-policy` against a real `runiam serve`: who can invoke a service (a
// nested group expanded to its members, the organization's owner inherited), what a user can
// reach, and a caller without cloudasset.assets.analyzeIamPolicy refused with gcloud's ERROR line.
import { parse as parseYaml, parseAllDocuments } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'analyze-e2e'
const WEB = `//run.googleapis.com/projects/${PROJECT}/locations/us-central1/services/web`
let server: ServerProcess
let owner: User
let stranger: User
let orgId: string

async function ok(user: User, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await user.run(args)
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0)
  return r
}

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  stranger = await login(server, 'stranger@example.com', PROJECT)
  await ok(owner, ['projects', 'create', PROJECT])
  await ok(owner, ['run', 'deploy', 'web', '--no-allow-unauthenticated'])
  orgId = (
    await ok(owner, ['organizations', 'list', '--format=value(name.segment())'])
  ).stdout.trim()
  for (const g of ['eng@example.com', 'platform@example.com']) {
    await ok(owner, [
      'identity',
      'groups',
      'create',
      g,
      `--organization=${orgId}`,
      '--with-initial-owner=empty',
    ])
  }
  const add = (group: string, member: string) =>
    ok(owner, [
      'identity',
      'groups',
      'memberships',
      'add',
      `--group-email=${group}`,
      `--member-email=${member}`,
    ])
  await add('eng@example.com', 'platform@example.com')
  await add('platform@example.com', 'alice@example.com')
  await ok(owner, [
    'run',
    'services',
    'add-iam-policy-binding',
    'web',
    '--member=group:eng@example.com',
    '--role=roles/run.invoker',
  ])
}, 120_000)

afterAll(async () => {
  await server?.stop()
})

interface Entry {
  policy: { attachedResource: string; binding: { role: string; members: string[] } }
  ACLs: { identities: { name: string }[]; accesses: unknown[]; resources: unknown[] }[]
}

describe('asset analyze-iam-policy', () => {
  it('who can invoke web: the owner inherited, and eng expanded down to alice', async () => {
    const r = await ok(owner, [
      'asset',
      'analyze-iam-policy',
      `--organization=${orgId}`,
      `--full-resource-name=${WEB}`,
      '--permissions=run.routes.invoke',
      '--expand-groups',
    ])
    expect(r.stderr).toBe(
      'Your analysis request is fully explored. The ACLs matching your requests are listed per IAM policy binding, so there could be duplications.\n',
    )
    const entries = parseAllDocuments(r.stdout).map((d) => d.toJS() as Entry)
    const onWeb = entries.find((e) => e.policy.attachedResource === WEB)
    expect(onWeb?.policy.binding).toEqual({
      role: 'roles/run.invoker',
      members: ['group:eng@example.com'],
    })
    expect(onWeb?.ACLs[0]?.identities.map((i) => i.name)).toEqual([
      'group:eng@example.com',
      'group:platform@example.com',
      'user:alice@example.com',
    ])
    expect(entries.map((e) => e.policy.attachedResource)).toContain(
      `//cloudresourcemanager.googleapis.com/organizations/${orgId}`,
    )
  })

  it('what alice can reach in the project, and the whole response with --show-response', async () => {
    const r = await ok(owner, [
      'asset',
      'analyze-iam-policy',
      `--project=${PROJECT}`,
      '--identity=user:alice@example.com',
      '--show-response',
      '--output-group-edges',
    ])
    const response = parseYaml(r.stdout) as {
      mainAnalysis: { analysisResults: { identityList: { groupEdges: unknown[] } }[] }
      fullyExplored: boolean
    }
    expect(response.fullyExplored).toBe(true)
    expect(response.mainAnalysis.analysisResults).toHaveLength(1)
    expect(response.mainAnalysis.analysisResults[0]?.identityList.groupEdges).toEqual([
      { sourceNode: 'group:eng@example.com', targetNode: 'group:platform@example.com' },
      { sourceNode: 'group:platform@example.com', targetNode: 'user:alice@example.com' },
    ])
  })

  it("refuses a caller without the permission, and a bad query, with gcloud's ERROR lines", async () => {
    const denied = await stranger.run([
      'asset',
      'analyze-iam-policy',
      `--project=${PROJECT}`,
      '--identity=user:alice@example.com',
    ])
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain(
      "ERROR: (runiam.asset.analyze-iam-policy) PERMISSION_DENIED: Permission 'cloudasset.assets.analyzeIamPolicy' denied",
    )
    const bad = await owner.run([
      'asset',
      'analyze-iam-policy',
      `--project=${PROJECT}`,
      '--permissions=run.services.fly',
    ])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('INVALID_ARGUMENT: Invalid permission "run.services.fly"')
  })
})
