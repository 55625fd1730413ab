// The guide's service-IAM command lines, with `runiam` in place of `gcloud`, run as different
// users against a real `runiam serve` on SQLite: role semantics, policy files, concurrency.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'shop-prod'
const SVC = 'checkout'
let server: ServerProcess
let owner: User
const files = mkdtempSync(join(tmpdir(), 'runiam-files-'))

function policyOf(stdout: string): {
  bindings?: { role: string; members: string[] }[]
  etag?: string
  version?: number
} {
  return parseYaml(stdout) as never
}

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  const created = await owner.run(['projects', 'create', PROJECT])
  expect(created.code, created.stderr).toBe(0)
  const deployed = await owner.run([
    'run',
    'deploy',
    SVC,
    '--upstream',
    'http://127.0.0.1:9',
    '--no-allow-unauthenticated',
  ])
  expect(deployed.code, deployed.stderr).toBe(0)
})

afterAll(async () => {
  await server?.stop()
})

describe('service IAM through the CLI', () => {
  it('add-iam-policy-binding and get-iam-policy (YAML by default, JSON on request)', async () => {
    const r = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      SVC,
      '--member=user:viewer@example.com',
      '--role=roles/run.viewer',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toContain(`Updated IAM policy for service [${SVC}].`)
    expect(policyOf(r.stdout).bindings).toContainEqual({
      members: ['user:viewer@example.com'],
      role: 'roles/run.viewer',
    })
    const g = await owner.run(['run', 'services', 'get-iam-policy', SVC, '--format=json'])
    expect(g.code, g.stderr).toBe(0)
    const p = JSON.parse(g.stdout) as { etag: string; bindings: unknown[] }
    expect(p.etag).toMatch(/^[A-Za-z0-9+/]+=*$/)
    expect(p.bindings).toContainEqual({
      members: ['user:viewer@example.com'],
      role: 'roles/run.viewer',
    })
  })

  it("remove-iam-policy-binding, and gcloud's error when the binding is absent", async () => {
    await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      SVC,
      '--member=user:temp@example.com',
      '--role=roles/run.invoker',
    ])
    const r = await owner.run([
      'run',
      'services',
      'remove-iam-policy-binding',
      SVC,
      '--member=user:temp@example.com',
      '--role=roles/run.invoker',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.stringify(policyOf(r.stdout))).not.toContain('temp@example.com')
    const again = await owner.run([
      'run',
      'services',
      'remove-iam-policy-binding',
      SVC,
      '--member=user:temp@example.com',
      '--role=roles/run.invoker',
    ])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(
      'Policy binding with the specified principal, role, and condition not found!',
    )
  })

  it('set-iam-policy from a JSON file and from a YAML file', async () => {
    const current = JSON.parse(
      (await owner.run(['run', 'services', 'get-iam-policy', SVC, '--format=json'])).stdout,
    ) as { etag: string }
    const json = join(files, 'policy.json')
    writeFileSync(
      json,
      JSON.stringify({
        bindings: [
          { role: 'roles/run.invoker', members: ['user:json@example.com'] },
          { role: 'roles/run.viewer', members: ['user:viewer@example.com'] },
        ],
        etag: current.etag,
      }),
    )
    const a = await owner.run(['run', 'services', 'set-iam-policy', SVC, json])
    expect(a.code, a.stderr).toBe(0)
    expect(a.stderr).toContain(`Updated IAM policy for service [${SVC}].`)
    expect(a.stdout).toContain('user:json@example.com')
    const yamlFile = join(files, 'policy.yaml')
    writeFileSync(
      yamlFile,
      'bindings:\n- members:\n  - user:yaml@example.com\n  role: roles/run.invoker\n- members:\n  - user:viewer@example.com\n  role: roles/run.viewer\n',
    )
    const b = await owner.run(['run', 'services', 'set-iam-policy', SVC, yamlFile, '--quiet'])
    expect(b.code, b.stderr).toBe(0)
    const now = policyOf((await owner.run(['run', 'services', 'get-iam-policy', SVC])).stdout)
    expect(now.bindings).toContainEqual({
      members: ['user:yaml@example.com'],
      role: 'roles/run.invoker',
    })
    expect(JSON.stringify(now)).not.toContain('json@example.com')
    // A stale etag is refused with ABORTED.
    writeFileSync(json, JSON.stringify({ bindings: [], etag: current.etag }))
    const stale = await owner.run(['run', 'services', 'set-iam-policy', SVC, json])
    expect(stale.code).toBe(1)
    expect(stale.stderr).toMatch(/ABORTED: There were concurrent policy changes/)
  })

  it('role semantics: developer reads but cannot set, viewer reads, run.admin and owner set, strangers are refused alike', async () => {
    for (const [email, role] of [
      ['dev@example.com', 'roles/run.developer'],
      ['runadmin@example.com', 'roles/run.admin'],
      ['projowner@example.com', 'roles/owner'],
      ['pviewer@example.com', 'roles/run.viewer'],
    ] as const) {
      const r = await owner.run([
        'projects',
        'add-iam-policy-binding',
        PROJECT,
        `--member=user:${email}`,
        `--role=${role}`,
      ])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stderr).toContain(`Updated IAM policy for project [${PROJECT}].`)
    }
    const dev = await login(server, 'dev@example.com', PROJECT)
    const viewer = await login(server, 'pviewer@example.com', PROJECT)
    const runAdmin = await login(server, 'runadmin@example.com', PROJECT)
    const projOwner = await login(server, 'projowner@example.com', PROJECT)
    const stranger = await login(server, 'stranger@example.com', PROJECT)

    expect((await dev.run(['run', 'services', 'get-iam-policy', SVC])).code).toBe(0)
    expect((await viewer.run(['run', 'services', 'get-iam-policy', SVC])).code).toBe(0)
    const denied = await dev.run([
      'run',
      'services',
      'add-iam-policy-binding',
      SVC,
      '--member=user:x@example.com',
      '--role=roles/run.invoker',
    ])
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain('PERMISSION_DENIED')
    expect(denied.stderr).toContain("Permission 'run.services.setIamPolicy' denied on resource")
    const vdenied = await viewer.run([
      'run',
      'services',
      'add-iam-policy-binding',
      SVC,
      '--member=user:x@example.com',
      '--role=roles/run.invoker',
    ])
    expect(vdenied.stderr).toContain("'run.services.setIamPolicy'")

    for (const who of [runAdmin, projOwner]) {
      const ok = await who.run([
        'run',
        'services',
        'add-iam-policy-binding',
        SVC,
        `--member=user:by-${who.email}`,
        '--role=roles/run.invoker',
      ])
      expect(ok.code, ok.stderr).toBe(0)
    }

    const existing = await stranger.run(['run', 'services', 'get-iam-policy', SVC])
    const missing = await stranger.run(['run', 'services', 'get-iam-policy', 'no-such-service'])
    expect(existing.code).toBe(1)
    expect(missing.code).toBe(1)
    const norm = (s: string) => s.replaceAll('no-such-service', SVC)
    expect(norm(missing.stderr)).toBe(existing.stderr)
    expect(existing.stderr).toContain("Permission 'run.services.getIamPolicy' denied")
  })

  it('refuses allUsers on a project', async () => {
    const r = await owner.run([
      'projects',
      'add-iam-policy-binding',
      PROJECT,
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('INVALID_ARGUMENT')
    expect(r.stderr).toContain('allUsers')
  })

  it('50 concurrent add-iam-policy-binding calls for 50 members all land', async () => {
    const members = Array.from({ length: 50 }, (_, i) => `user:concurrent-${i}@example.com`)
    const results = await Promise.all(
      members.map((m) =>
        owner.run([
          'run',
          'services',
          'add-iam-policy-binding',
          SVC,
          `--member=${m}`,
          '--role=roles/run.invoker',
        ]),
      ),
    )
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const p = JSON.parse(
      (await owner.run(['run', 'services', 'get-iam-policy', SVC, '--format=json'])).stdout,
    ) as {
      bindings: { role: string; members: string[] }[]
    }
    const invokers = p.bindings
      .filter((b) => b.role === 'roles/run.invoker')
      .flatMap((b) => b.members)
    for (const m of members) expect(invokers).toContain(m)
  }, 120_000)
})
