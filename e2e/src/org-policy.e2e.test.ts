// Organization policies end to end: the organization's owner sets domain restricted sharing on the
// organization and requireInvokerIam on a project with `runiam org-policies set-policy`, then the
// writes they govern fail with Google's FAILED_PRECONDITION, through the CLI and a v2 REST PATCH.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { login, startServer, type ServerProcess, type User } from './harness.js'

const PROJECT = 'policy-prod'
const SVC = 'storefront'
const DRS = 'iam.allowedPolicyMemberDomains'
const RII = 'run.managed.requireInvokerIam'
let server: ServerProcess
let owner: User
let orgId: string
const files = mkdtempSync(join(tmpdir(), 'runiam-orgpolicy-files-'))

function file(name: string, text: string): string {
  const path = join(files, name)
  writeFileSync(path, text)
  return path
}

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  const created = await owner.run(['projects', 'create', PROJECT])
  expect(created.code, created.stderr).toBe(0)
  const deployed = await owner.run(['run', 'deploy', SVC, '--no-allow-unauthenticated'])
  expect(deployed.code, deployed.stderr).toBe(0)
  const described = await owner.run(['projects', 'describe', PROJECT, '--format=json'])
  orgId = (JSON.parse(described.stdout) as { parent: { id: string } }).parent.id
  expect(orgId).toMatch(/^\d+$/)
})

afterAll(async () => {
  await server?.stop()
})

describe('organization policies', () => {
  it('domain restricted sharing on the organization refuses allUsers but not a member of its domain', async () => {
    const drs = file(
      'drs.yaml',
      `name: organizations/${orgId}/policies/${DRS}\nspec:\n  rules:\n  - values:\n      allowedValues:\n      - is:C${orgId}\n`,
    )
    const set = await owner.run(['org-policies', 'set-policy', drs])
    expect(set.code, set.stderr).toBe(0)
    expect(set.stderr).toBe(`Created policy [organizations/${orgId}/policies/${DRS}].\n`)

    const effective = await owner.run([
      'org-policies',
      'describe',
      `constraints/${DRS}`,
      `--project=${PROJECT}`,
      '--effective',
    ])
    expect(effective.code, effective.stderr).toBe(0)
    expect(parseYaml(effective.stdout)).toMatchObject({
      spec: { rules: [{ values: { allowedValues: [`is:C${orgId}`] } }] },
    })

    const publicBinding = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      SVC,
      '--member=allUsers',
      '--role=roles/run.invoker',
    ])
    expect(publicBinding.code).toBe(1)
    expect(publicBinding.stderr).toBe(
      'ERROR: (runiam.run.services.add-iam-policy-binding) FAILED_PRECONDITION: One or more users named in the policy do not belong to a permitted customer,  perhaps due to an organization policy.\n',
    )

    const member = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      SVC,
      '--member=user:x@example.com',
      '--role=roles/run.invoker',
    ])
    expect(member.code, member.stderr).toBe(0)
    expect(member.stderr).toContain(`Updated IAM policy for service [${SVC}].`)
  })

  it('requireInvokerIam on the project refuses a v2 PATCH that disables the invoker check', async () => {
    const rii = file(
      'rii.yaml',
      `name: projects/${PROJECT}/policies/${RII}\nspec:\n  rules:\n  - enforce: true\n`,
    )
    const set = await owner.run(['org-policies', 'set-policy', rii])
    expect(set.code, set.stderr).toBe(0)

    const listed = await owner.run(['org-policies', 'list', `--project=${PROJECT}`])
    expect(listed.stdout).toMatch(
      new RegExp(`^constraints/${RII.replace(/\./g, '\\.')} +- +SET +\\S+$`, 'm'),
    )

    const token = (await owner.run(['auth', 'print-access-token'])).stdout.trim()
    const patch = () =>
      fetch(
        `${server.url}/v2/projects/${PROJECT}/locations/us-central1/services/${SVC}?updateMask=invokerIamDisabled`,
        {
          method: 'PATCH',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ invokerIamDisabled: true }),
        },
      )
    const refused = await patch()
    expect(refused.status).toBe(400)
    const body = (await refused.json()) as {
      error: {
        status: string
        message: string
        details: { '@type': string; violations?: { type: string }[] }[]
      }
    }
    expect(body.error.status).toBe('FAILED_PRECONDITION')
    expect(body.error.message).toContain(`constraints/${RII}`)
    expect(body.error.details).toContainEqual(
      expect.objectContaining({
        '@type': 'type.googleapis.com/google.rpc.PreconditionFailure',
        violations: [expect.objectContaining({ type: `constraints/${RII}` })],
      }),
    )

    const deleted = await owner.run(['org-policies', 'delete', RII, `--project=${PROJECT}`])
    expect(deleted.code, deleted.stderr).toBe(0)
    expect(deleted.stderr).toBe(`Deleted policy [projects/${PROJECT}/policies/${RII}].\n`)
    const allowed = await patch()
    expect(allowed.status).toBe(200)
  })
})
