// The console's troubleshooter in a real browser against a real `runiam serve --dev`: a principal
// who may invoke a service through a group, one refused, and one whose grant depends on the
// request path — the verdict in words and the deciding binding, from Policy Troubleshooter v3.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeConsole, openConsole, rest, type ConsoleSession } from './console-harness.js'

const ADMIN = 'admin@example.com'
const P = 'ts-console'
const SVC = `projects/${P}/locations/us-central1/services/web`
const FULL = `//run.googleapis.com/${SVC}`
const DISCUSSION = 'cloudidentity.googleapis.com/groups.discussion_forum'

describeConsole('console troubleshooter', () => {
  let c: ConsoleSession

  beforeAll(async () => {
    c = await openConsole(ADMIN, {
      setup: async (server) => {
        await rest(server, ADMIN, 'POST', '/v1/projects', { projectId: P })
        await rest(
          server,
          ADMIN,
          'POST',
          `/v2/projects/${P}/locations/us-central1/services?serviceId=web`,
          {
            template: { containers: [{ image: 'x' }] },
          },
        )
        const made = await rest<{ response: { name: string } }>(
          server,
          ADMIN,
          'POST',
          '/v1/groups?initialGroupConfig=EMPTY',
          {
            parent: 'customers/my_customer',
            groupKey: { id: 'eng@example.com' },
            labels: { [DISCUSSION]: '' },
          },
        )
        await rest(server, ADMIN, 'POST', `/v1/${made.response.name}/memberships`, {
          preferredMemberKey: { id: 'alice@example.com' },
          roles: [{ name: 'MEMBER' }],
        })
        const p = await rest<{ etag: string }>(server, ADMIN, 'GET', `/v2/${SVC}:getIamPolicy`)
        await rest(server, ADMIN, 'POST', `/v2/${SVC}:setIamPolicy`, {
          policy: {
            version: 3,
            etag: p.etag,
            bindings: [
              { role: 'roles/run.invoker', members: ['group:eng@example.com'] },
              {
                role: 'roles/run.invoker',
                members: ['user:bob@example.com'],
                condition: { title: 'admin', expression: 'request.path.startsWith("/admin")' },
              },
            ],
          },
        })
      },
    })
  }, 90_000)
  afterAll(async () => c?.close())

  it('explains a grant through a group, a refusal, and a condition on the path', async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/`)
    await page.getByRole('link', { name: 'Troubleshooter' }).click()
    await page.getByLabel('Principal email').fill('alice@example.com')
    await page.getByLabel('Resource').fill(FULL)
    await page.getByRole('button', { name: 'Troubleshoot' }).click()
    const status = page.getByRole('status')
    await status.getByText('has', { exact: false }).waitFor()
    await expect(status.getAttribute('data-verdict')).resolves.toBe('CAN_ACCESS')
    const granting = page
      .getByRole('table', { name: 'Bindings' })
      .getByRole('row')
      .filter({ hasText: 'Grants it' })
    await expect(granting.textContent()).resolves.toContain('group:eng@example.com')

    await page.getByLabel('Principal email').fill('eve@example.com')
    await page.getByRole('button', { name: 'Troubleshoot' }).click()
    await page.locator('[data-verdict="CANNOT_ACCESS"]').waitFor()

    await page.getByLabel('Principal email').fill('bob@example.com')
    await page.getByRole('button', { name: 'Troubleshoot' }).click()
    await page.locator('[data-verdict="UNKNOWN_CONDITIONAL"]').waitFor()
    await page.getByLabel('Request path').fill('/admin/x')
    await page.getByRole('button', { name: 'Troubleshoot' }).click()
    await page.locator('[data-verdict="CAN_ACCESS"]').waitFor()
    await expect(
      page
        .getByRole('table', { name: 'Bindings' })
        .getByRole('row')
        .filter({ hasText: 'Grants it' })
        .textContent(),
    ).resolves.toContain('request.path.startsWith("/admin")')
    expect(new URL(page.url()).searchParams.get('path')).toBe('/admin/x')
  })
})
