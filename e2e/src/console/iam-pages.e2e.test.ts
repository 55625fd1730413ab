// The project and organization IAM pages in a real browser against a real `runiam serve --dev`:
// principals with their roles (inherited ones marked), the filter, the edit pencil with "Add
// another role", Grant access, Remove, a concurrent change (409) offered a reload, and a viewer who
// sees the policy but cannot change it. Every change is checked through the REST API.
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import {
  describeConsole,
  openConsole,
  rest,
  signInAs,
  type ConsoleSession,
} from './console-harness.js'
import { screenshot } from './screenshots.js'
import type { ServerProcess } from '../harness.js'

const ADMIN = 'admin@example.com'
const VIEWER = 'viewer@example.com'
const P = 'shop-prod'

interface Policy {
  bindings?: { role: string; members: string[]; condition?: unknown }[]
  etag?: string
}

async function policyOf(server: ServerProcess, resource: string): Promise<Policy> {
  return rest<Policy>(server, ADMIN, 'POST', `/v1/${resource}:getIamPolicy`, {
    options: { requestedPolicyVersion: 3 },
  })
}

function rolesOf(policy: Policy, member: string): string[] {
  return (policy.bindings ?? [])
    .filter((b) => b.members.includes(member))
    .map((b) => b.role)
    .sort()
}

async function grant(server: ServerProcess, resource: string, role: string, member: string) {
  const p = await policyOf(server, resource)
  await rest(server, ADMIN, 'POST', `/v1/${resource}:setIamPolicy`, {
    policy: { bindings: [...(p.bindings ?? []), { role, members: [member] }], etag: p.etag },
  })
}

async function orgName(server: ServerProcess): Promise<string> {
  const r = await rest<{ organizations: { name: string }[] }>(
    server,
    ADMIN,
    'POST',
    '/v1/organizations:search',
    {},
  )
  return r.organizations[0]?.name ?? ''
}

const row = (page: Page, member: string) =>
  page.getByRole('table', { name: 'Principals' }).locator(`tr[data-member="${member}"]`)

describeConsole('console project and organization IAM pages', () => {
  let c: ConsoleSession
  let org: string

  beforeAll(async () => {
    c = await openConsole(ADMIN, {
      setup: async (server) => {
        await rest(server, ADMIN, 'POST', '/v1/projects', { projectId: P, name: 'Shop' })
        org = await orgName(server)
        await grant(server, `projects/${P}`, 'roles/run.developer', 'user:dev@example.com')
        await grant(server, `projects/${P}`, 'roles/viewer', `user:${VIEWER}`)
        await grant(server, `projects/${P}`, 'roles/run.invoker', 'group:eng@example.com')
        await grant(server, org, 'roles/run.viewer', 'user:dev@example.com')
      },
    })
  }, 90_000)
  afterAll(async () => c?.close())

  it('lists the principals with their roles, inherited ones marked, and filters them', async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/projects/${P}/iam`)
    await row(page, 'user:dev@example.com').waitFor()
    const dev = row(page, 'user:dev@example.com')
    await expect(dev.textContent()).resolves.toContain('Cloud Run Developer')
    await expect(dev.locator('li.inherited').textContent()).resolves.toContain(
      'Inherited from organization',
    )
    // The organization's owner is shown on the project too, as inherited.
    await expect(
      row(page, `user:${ADMIN}`).locator('li.inherited').count(),
    ).resolves.toBeGreaterThan(0)
    await expect(page.title()).resolves.toBe(`IAM – ${P} – runiam`)
    await screenshot(page, 'project-iam')

    await page.getByLabel('Filter by principal or role').fill('invoker')
    await expect(
      page.getByRole('table', { name: 'Principals' }).locator('tbody tr').count(),
    ).resolves.toBe(1)
    await row(page, 'group:eng@example.com').waitFor()
    await page.getByLabel('Filter by principal or role').fill('')
  })

  it('edits a principal: Add another role, Save', async () => {
    const { page, server } = c
    await page.getByRole('button', { name: 'Edit principal user:dev@example.com' }).click()
    const dialog = page.getByRole('dialog', { name: `Edit access to project ${P}` })
    await dialog.getByRole('button', { name: '+ Add another role' }).click()
    await dialog.getByLabel('Role 2', { exact: true }).selectOption('roles/run.admin')
    await expect(dialog.locator('#role-1-desc').textContent()).resolves.not.toBe('')
    await screenshot(page, 'project-iam-edit')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Updated the roles of user:dev@example.com.').waitFor()
    const p = await policyOf(server, `projects/${P}`)
    expect(rolesOf(p, 'user:dev@example.com')).toEqual(['roles/run.admin', 'roles/run.developer'])
  })

  it('grants roles to new principals, checking their syntax as typed', async () => {
    const { page, server } = c
    await page.getByRole('button', { name: 'Grant access' }).click()
    const dialog = page.getByRole('dialog', { name: `Grant access to project ${P}` })
    await dialog.getByLabel('New principals').fill('alice@example.com')
    await dialog.getByText('Add a type: user:alice@example.com').waitFor()
    await dialog
      .getByLabel('New principals')
      .fill('user:alice@example.com, serviceAccount:ci@shop-prod.iam.gserviceaccount.com')
    await dialog.getByLabel('Role', { exact: true }).selectOption('roles/run.viewer')
    await dialog.getByRole('button', { name: '+ Add another role' }).click()
    await dialog.getByLabel('Role 2', { exact: true }).selectOption('roles/run.invoker')
    await screenshot(page, 'project-iam-grant')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.getByText(/^Granted 2 roles to user:alice@example.com/).waitFor()
    const p = await policyOf(server, `projects/${P}`)
    expect(rolesOf(p, 'user:alice@example.com')).toEqual(['roles/run.invoker', 'roles/run.viewer'])
    expect(rolesOf(p, 'serviceAccount:ci@shop-prod.iam.gserviceaccount.com')).toEqual([
      'roles/run.invoker',
      'roles/run.viewer',
    ])
  })

  it('shows the server refusing a grant in words, and keeps the form', async () => {
    const { page } = c
    await page.getByRole('button', { name: 'Grant access' }).click()
    const dialog = page.getByRole('dialog', { name: `Grant access to project ${P}` })
    // allUsers passes the syntax check; the server refuses public members on a project.
    await dialog.getByLabel('New principals').fill('allUsers')
    await dialog.getByLabel('Role', { exact: true }).selectOption('roles/run.invoker')
    await dialog.getByRole('button', { name: 'Save' }).click()
    const alert = dialog.getByRole('alert')
    await alert.waitFor()
    await expect(alert.textContent()).resolves.toMatch(/allUsers/)
    await dialog.getByRole('button', { name: 'Cancel' }).click()
  })

  it('removes a principal from every role after a confirmation', async () => {
    const { page, server } = c
    await page.getByRole('button', { name: 'Remove principal user:alice@example.com' }).click()
    const confirm = page.getByRole('alertdialog', { name: 'Remove user:alice@example.com?' })
    await confirm.getByRole('button', { name: 'Remove' }).click()
    await page.getByText(`Removed user:alice@example.com from project ${P}.`).waitFor()
    // The table reads the policy again after the message: wait for the row to go.
    await expect.poll(() => row(page, 'user:alice@example.com').count()).toBe(0)
    const p = await policyOf(server, `projects/${P}`)
    expect(rolesOf(p, 'user:alice@example.com')).toEqual([])
    expect(rolesOf(p, 'serviceAccount:ci@shop-prod.iam.gserviceaccount.com')).toHaveLength(2)
  })

  it('works from the keyboard: a form opens focused, Escape closes it, focus goes back', async () => {
    const { page } = c
    await page.getByRole('button', { name: 'Grant access' }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: `Grant access to project ${P}` })
    await dialog.waitFor()
    await expect(page.evaluate('document.activeElement.id')).resolves.toBe('new-principals')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })
    await expect(page.evaluate('document.activeElement.textContent')).resolves.toBe('Grant access')
  })

  it('on a concurrent change (409) offers to reload and apply the change again', async () => {
    const { page, server } = c
    await page.reload()
    await row(page, 'user:dev@example.com').waitFor()
    // Someone else writes after the page read the policy: the page's etag is now stale.
    await grant(server, `projects/${P}`, 'roles/run.viewer', 'user:someone@example.com')
    await page.getByRole('button', { name: 'Edit principal group:eng@example.com' }).click()
    const dialog = page.getByRole('dialog', { name: `Edit access to project ${P}` })
    await dialog.getByRole('button', { name: '+ Add another role' }).click()
    await dialog.getByLabel('Role 2', { exact: true }).selectOption('roles/run.viewer')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.getByText('Someone else changed this policy while you were editing it.').waitFor()
    let p = await policyOf(server, `projects/${P}`)
    expect(rolesOf(p, 'group:eng@example.com')).toEqual(['roles/run.invoker'])
    await dialog.getByRole('button', { name: 'Reload and apply my change again' }).click()
    await page.getByText('Applied your change to the newest policy.').waitFor()
    p = await policyOf(server, `projects/${P}`)
    expect(rolesOf(p, 'group:eng@example.com')).toEqual(['roles/run.invoker', 'roles/run.viewer'])
    expect(rolesOf(p, 'user:someone@example.com')).toEqual(['roles/run.viewer'])
  })

  it('grants a role on the organization from its IAM page', async () => {
    const { page, server } = c
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Organization IAM' })
      .click()
    await row(page, `user:${ADMIN}`).waitFor()
    await expect(page.locator('li.inherited').count()).resolves.toBe(0)
    await page.getByRole('button', { name: 'Grant access' }).click()
    const dialog = page.getByRole('dialog', { name: /^Grant access to organization/ })
    await dialog.getByLabel('New principals').fill('group:eng@example.com')
    await dialog.getByLabel('Role', { exact: true }).selectOption('roles/run.viewer')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await page.getByText('Granted a role to group:eng@example.com.').waitFor()
    expect(rolesOf(await policyOf(server, org), 'group:eng@example.com')).toEqual([
      'roles/run.viewer',
    ])
  })

  it('shows a viewer the policy with the controls disabled, saying why', async () => {
    const { browser, server } = c
    const page = await browser.newPage()
    page.setDefaultTimeout(10_000)
    try {
      await signInAs(page, server, VIEWER)
      await page.goto(`${server.url}/console/projects/${P}/iam`)
      await row(page, 'user:dev@example.com').waitFor()
      await page
        .getByText(
          'You can view this policy but not change it. You need resourcemanager.projects.setIamPolicy',
        )
        .waitFor()
      await expect(page.getByRole('button', { name: 'Grant access' }).isDisabled()).resolves.toBe(
        true,
      )
      await expect(
        page.getByRole('button', { name: 'Edit principal user:dev@example.com' }).isDisabled(),
      ).resolves.toBe(true)
      // A project viewer cannot read the organization's policy: the page says so.
      await page.getByText('Roles inherited from the organization are not shown').waitFor()
    } catch (err) {
      console.log(await page.locator('main').innerText())
      throw err
    } finally {
      await page.close()
    }
  })

  it('has no errors in the browser console', () => {
    expect(
      c.browser.errors.filter((e) => !e.includes('the server responded with a status of')),
    ).toEqual([])
  })
})
