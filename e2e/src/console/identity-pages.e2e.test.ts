// Service accounts, groups and organization policies in a real browser against a real `runiam
// serve --dev`: create and disable a service account (checked through the IAM API), a group's
// members, and the constraints in effect on the organization and on a project.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { describeConsole, openConsole, rest, type ConsoleSession } from './console-harness.js'
import { screenshot } from './screenshots.js'

const ADMIN = 'admin@example.com'
const P = 'ident-prod'
const LOCKED = 'ident-locked'
const DISCUSSION = 'cloudidentity.googleapis.com/groups.discussion_forum'

interface Account {
  email: string
  disabled?: boolean
}

describeConsole('console service accounts, groups and organization policies', () => {
  let c: ConsoleSession

  beforeAll(async () => {
    c = await openConsole(ADMIN, {
      setup: async (server) => {
        await rest(server, ADMIN, 'POST', '/v1/projects', { projectId: P })
        await rest(server, ADMIN, 'POST', '/v1/projects', { projectId: LOCKED })
        await rest(server, ADMIN, 'POST', `/v1/projects/${P}/serviceAccounts`, {
          accountId: 'deployer',
          serviceAccount: { displayName: 'Deployer' },
        })
        const made = await rest<{ response: { name: string } }>(
          server,
          ADMIN,
          'POST',
          '/v1/groups?initialGroupConfig=EMPTY',
          {
            parent: 'customers/my_customer',
            groupKey: { id: 'eng@example.com' },
            displayName: 'Engineering',
            labels: { [DISCUSSION]: '' },
          },
        )
        for (const id of ['alice@example.com', `deployer@${P}.iam.gserviceaccount.com`]) {
          await rest(server, ADMIN, 'POST', `/v1/${made.response.name}/memberships`, {
            preferredMemberKey: { id },
            roles: [{ name: 'MEMBER' }],
          })
        }
        await rest(server, ADMIN, 'POST', `/v2/projects/${LOCKED}/policies`, {
          name: `projects/${LOCKED}/policies/run.managed.requireInvokerIam`,
          spec: { rules: [{ enforce: true }] },
        })
      },
    })
  }, 90_000)
  afterAll(async () => c?.close())

  it('lists, creates and disables service accounts', async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/projects/${P}/service-accounts`)
    const table = page.getByRole('table', { name: 'Service accounts' })
    await table.getByText(`deployer@${P}.iam.gserviceaccount.com`).waitFor()
    await page.getByRole('button', { name: 'Create service account' }).click()
    await page.getByLabel('Service account ID').fill('builder')
    await page.getByLabel('Display name').fill('Builds images')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    await page.getByText(`Created service account builder@${P}.iam.gserviceaccount.com.`).waitFor()
    await table.getByText(`builder@${P}.iam.gserviceaccount.com`).waitFor()
    await page
      .getByRole('button', { name: `Disable deployer@${P}.iam.gserviceaccount.com` })
      .click()
    await page
      .getByRole('button', { name: `Enable deployer@${P}.iam.gserviceaccount.com` })
      .waitFor()
    await screenshot(page, 'service-accounts')
    const list = await rest<{ accounts: Account[] }>(
      server,
      ADMIN,
      'GET',
      `/v1/projects/${P}/serviceAccounts`,
    )
    const byEmail = new Map(list.accounts.map((a) => [a.email, a]))
    expect(byEmail.get(`builder@${P}.iam.gserviceaccount.com`)?.disabled ?? false).toBe(false)
    expect(byEmail.get(`deployer@${P}.iam.gserviceaccount.com`)?.disabled).toBe(true)
  })

  it('shows a bad service account id refused by the server in words', async () => {
    const { page } = c
    await page.getByRole('button', { name: 'Create service account' }).click()
    await page.getByLabel('Service account ID').fill('deployer')
    await page.getByRole('button', { name: 'Create', exact: true }).click()
    // deployer exists already: 409 ALREADY_EXISTS, shown with the server's message.
    const alert = page.getByRole('alert')
    await alert.getByText('It already exists').waitFor()
    await expect(alert.textContent()).resolves.toContain('deployer')
  })

  it("lists the organization's groups and a group's members", async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/groups`)
    await page.getByRole('button', { name: 'eng@example.com' }).click()
    const members = page.getByRole('table', { name: 'Members of eng@example.com' })
    await members.getByText('alice@example.com').waitFor()
    await expect(members.getByRole('row').count()).resolves.toBe(3)
    await expect(
      members
        .getByRole('row')
        .filter({ hasText: `deployer@${P}` })
        .textContent(),
    ).resolves.toContain('service account')
    await screenshot(page, 'groups')
  })

  it('shows the organization policies in effect on a project and on the organization', async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/projects/${LOCKED}/policies`)
    const table = page.getByRole('table', { name: 'Organization policies' })
    const row = table
      .getByRole('row')
      .filter({ hasText: 'constraints/run.managed.requireInvokerIam' })
    await row.waitFor()
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe('Enforced')
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('Enforced')
    await screenshot(page, 'org-policies')
    await page.goto(`${server.url}/console/organization/policies`)
    const orgRow = page
      .getByRole('table', { name: 'Organization policies' })
      .getByRole('row')
      .filter({ hasText: 'constraints/run.managed.requireInvokerIam' })
    await orgRow.waitFor()
    await expect(orgRow.locator('td').nth(2).textContent()).resolves.not.toBe('Enforced')
  })

  it("shows an outsider's markup in names as text", async () => {
    const { page, server } = c
    const markup = '<img src=x onerror="window.__pwned=1">'
    await rest(server, ADMIN, 'POST', `/v1/projects/${P}/serviceAccounts`, {
      accountId: 'markup-test',
      serviceAccount: { displayName: markup },
    })
    await page.goto(`${server.url}/console/projects/${P}/service-accounts`)
    const row = page
      .getByRole('table', { name: 'Service accounts' })
      .getByRole('row')
      .filter({ hasText: 'markup-test@' })
    await expect(row.locator('td').nth(1).textContent()).resolves.toBe(markup)
    await expect(row.locator('img').count()).resolves.toBe(0)
    await expect(page.evaluate('window.__pwned')).resolves.toBeUndefined()
  })

  it("shows an outsider's markup in a group and in a condition as text", async () => {
    const { page, server } = c
    const markup = '<img src=x onerror="window.__pwned=2"><script>window.__pwned=3</script>'
    await rest(server, ADMIN, 'POST', '/v1/groups?initialGroupConfig=EMPTY', {
      parent: 'customers/my_customer',
      groupKey: { id: 'markup@example.com' },
      displayName: markup,
      description: `${markup} description`,
      labels: { [DISCUSSION]: '' },
    })
    const policy = await rest<{ etag: string; bindings?: unknown[] }>(
      server,
      ADMIN,
      'POST',
      `/v1/projects/${P}:getIamPolicy`,
      { options: { requestedPolicyVersion: 3 } },
    )
    await rest(server, ADMIN, 'POST', `/v1/projects/${P}:setIamPolicy`, {
      policy: {
        version: 3,
        etag: policy.etag,
        bindings: [
          ...(policy.bindings ?? []),
          {
            role: 'roles/run.viewer',
            members: ['user:carol@example.com'],
            condition: {
              title: markup,
              description: markup,
              expression: `request.time < timestamp("2999-01-01T00:00:00Z") || "${markup.replace(/"/g, "'")}" == ""`,
            },
          },
        ],
      },
    })
    await page.goto(`${server.url}/console/groups`)
    const group = page
      .getByRole('table', { name: 'Groups' })
      .getByRole('row')
      .filter({ hasText: 'markup@example.com' })
    await group.waitFor()
    await expect(group.locator('td').nth(1).textContent()).resolves.toBe(markup)
    await expect(group.locator('td').nth(2).textContent()).resolves.toBe(`${markup} description`)
    await page.goto(`${server.url}/console/projects/${P}/iam`)
    await page
      .getByRole('table', { name: 'Principals' })
      .locator('tr[data-member="user:carol@example.com"]')
      .getByText(`Condition: ${markup}`)
      .waitFor()
    await expect(page.locator('img[src="x"]').count()).resolves.toBe(0)
    await expect(page.evaluate('window.__pwned')).resolves.toBeUndefined()
  })
})
