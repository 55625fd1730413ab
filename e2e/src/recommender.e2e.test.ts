// Recommendations against a real `runiam serve` with a 4 s observation window: after the window, a
// grant nobody used gets REMOVE_ROLE and the one alice invokes with gets nothing; the CLI claims
// it with its etag, applies it with an ordinary remove-iam-policy-binding (the policy changes, and
// the change is audited) and marks it succeeded; the recorded usage is in the store after the
// server stops.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'recommend-e2e'
const IAM = ['--location=global', '--recommender=google.iam.policy.Recommender']
let server: ServerProcess
let owner: User
let url: string

interface Rec {
  name: string
  etag: string
  recommenderSubtype: string
  stateInfo: { state: string }
  content: { overview: { member?: string; removedRole?: string } }
}

async function ok(user: User, args: string[]): Promise<string> {
  const r = await user.run(args)
  expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(0)
  return r.stdout
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function recommendations(): Promise<Rec[]> {
  return JSON.parse(
    await ok(owner, ['recommender', 'recommendations', 'list', ...IAM, '--format=json']),
  ) as Rec[]
}

beforeAll(async () => {
  server = await startServer(['--recommender-window', '4', '--usage-flush-interval', '1'], {
    keepData: true,
  })
  owner = await login(server, 'admin@example.com', PROJECT)
  await ok(owner, ['projects', 'create', PROJECT])
  await ok(owner, ['run', 'deploy', 'web', '--region=us-central1', '--no-allow-unauthenticated'])
  url = (
    await ok(owner, [
      'run',
      'services',
      'describe',
      'web',
      '--region=us-central1',
      '--format=value(status.url)',
    ])
  ).trim()
  for (const who of ['alice', 'bob']) {
    await ok(owner, [
      'run',
      'services',
      'add-iam-policy-binding',
      'web',
      '--region=us-central1',
      `--member=user:${who}@example.com`,
      '--role=roles/run.invoker',
    ])
  }
}, 120_000)

afterAll(async () => {
  await server?.stop()
})

describe('recommendations from recorded decisions', () => {
  it('none while the grants are younger than the window', async () => {
    const members = (await recommendations()).map((r) => r.content.overview.member)
    expect(members).not.toContain('user:alice@example.com')
    expect(members).not.toContain('user:bob@example.com')
  })

  it('after the window: bob unused gets REMOVE_ROLE, alice in use gets none; apply and succeed', async () => {
    await sleep(4_500)
    const token = await idToken(server, 'alice@example.com', url)
    for (let i = 0; i < 3; i++) {
      const r = await invokeService(server, url, '/', { authorization: `Bearer ${token}` })
      expect(r.status).toBe(200)
    }
    await sleep(1_500)
    const recs = await recommendations()
    const forBob = recs.filter((r) => r.content.overview.member === 'user:bob@example.com')
    expect(forBob.map((r) => [r.recommenderSubtype, r.content.overview.removedRole])).toEqual([
      ['REMOVE_ROLE', 'roles/run.invoker'],
    ])
    expect(recs.filter((r) => r.content.overview.member === 'user:alice@example.com')).toEqual([])
    const rec = forBob[0] as Rec
    const id = rec.name.split('/').pop() ?? ''
    const described = JSON.parse(
      await ok(owner, ['recommender', 'recommendations', 'describe', id, ...IAM, '--format=json']),
    ) as Rec
    expect(described.etag).toBe(rec.etag)
    const stale = await owner.run([
      'recommender',
      'recommendations',
      'mark-claimed',
      id,
      ...IAM,
      '--etag="0"',
    ])
    expect(stale.code).not.toBe(0)
    expect(stale.stderr).toContain('ABORTED')
    const claimed = JSON.parse(
      await ok(owner, [
        'recommender',
        'recommendations',
        'mark-claimed',
        id,
        ...IAM,
        `--etag=${rec.etag}`,
        '--state-metadata=ticket=SEC-7',
        '--format=json',
      ]),
    ) as Rec
    expect(claimed.stateInfo.state).toBe('CLAIMED')
    // Applying it is an ordinary setIamPolicy.
    await ok(owner, [
      'run',
      'services',
      'remove-iam-policy-binding',
      'web',
      '--region=us-central1',
      '--member=user:bob@example.com',
      '--role=roles/run.invoker',
    ])
    const policy = await ok(owner, [
      'run',
      'services',
      'get-iam-policy',
      'web',
      '--region=us-central1',
      '--format=json',
    ])
    expect(policy).not.toContain('bob@example.com')
    expect(policy).toContain('alice@example.com')
    // …and audited like any other: one Admin Activity entry removing exactly bob's grant.
    const entries = JSON.parse(
      await ok(owner, [
        'logging',
        'read',
        'protoPayload.methodName:"SetIamPolicy"',
        '--format=json',
      ]),
    ) as {
      protoPayload: {
        resourceName?: string
        serviceData?: {
          policyDelta?: { bindingDeltas?: { action: string; role: string; member: string }[] }
        }
      }
    }[]
    const applied = entries.filter((e) =>
      (e.protoPayload.serviceData?.policyDelta?.bindingDeltas ?? []).some(
        (d) => d.member === 'user:bob@example.com' && d.action === 'REMOVE',
      ),
    )
    expect(applied).toHaveLength(1)
    expect(applied[0]?.protoPayload.resourceName).toContain('services/web')
    expect(applied[0]?.protoPayload.serviceData?.policyDelta?.bindingDeltas).toEqual([
      { action: 'REMOVE', role: 'roles/run.invoker', member: 'user:bob@example.com' },
    ])
    const done = JSON.parse(
      await ok(owner, [
        'recommender',
        'recommendations',
        'mark-succeeded',
        id,
        ...IAM,
        `--etag=${claimed.etag}`,
        '--format=json',
      ]),
    ) as Rec
    expect(done.stateInfo.state).toBe('SUCCEEDED')
    const table = await ok(owner, ['recommender', 'recommendations', 'list', ...IAM])
    expect(table).toMatch(/RECOMMENDATION_ID\s+PRIMARY_IMPACT_CATEGORY\s+RECOMMENDATION_STATE/)
    expect(table).toContain(`${id}  SECURITY`)
  }, 60_000)

  it('a caller without the recommender permission is refused', async () => {
    const stranger = await login(server, 'stranger@example.com', PROJECT)
    const r = await stranger.run(['recommender', 'recommendations', 'list', ...IAM])
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain('recommender.iamPolicyRecommendations.list')
  })

  it('the usage survives the server: flushed to the store on shutdown', async () => {
    await server.stop()
    const db = new Database(join(server.dataDir, 'runiam.db'), { readonly: true })
    try {
      const rows = db
        .prepare(
          "SELECT member, permission FROM grant_usage WHERE member = 'user:alice@example.com'",
        )
        .all()
      expect(rows).toEqual([{ member: 'user:alice@example.com', permission: 'run.routes.invoke' }])
    } finally {
      db.close()
    }
  })
})
