// The Console procedures of Google's Cloud Run access-control guide on a resource list, in a real
// browser against a real server: navigate organization → project → Services / Jobs / Worker
// pools, select a resource with its check box, the info panel's Permissions tab (by role, by
// principal, the filter), Add principal (several principals, several roles, a condition), the
// trash can and its "remove from all roles" confirmation. Every change is checked through the
// REST API, and a viewer sees the policy without being able to change it.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { invokeService, type ServerProcess } from '../harness.js'
import {
  describeConsole,
  launchBrowser,
  openConsole,
  rest,
  signInAs,
  type ConsoleSession,
} from './console-harness.js'
import { screenshot } from './screenshots.js'

const ADMIN = 'admin@example.com'
const VIEWER = 'vera@example.com'
const P = 'perm-proj'
const LOC = `projects/${P}/locations/us-central1`
const XSS_TITLE = '<img src=x onerror="document.title=\'pwned\'">'

interface Binding {
  role: string
  members: string[]
  condition?: { title?: string; expression: string }
}

async function policyOf(server: ServerProcess, path: string): Promise<Binding[]> {
  const p = await rest<{ bindings?: Binding[] }>(
    server,
    ADMIN,
    'GET',
    `/v2/${path}:getIamPolicy?options.requestedPolicyVersion=3`,
  )
  return p.bindings ?? []
}

const membersOf = (bindings: Binding[], role: string): string[] =>
  bindings.filter((b) => b.role === role && b.condition === undefined).flatMap((b) => b.members)

async function setup(server: ServerProcess): Promise<void> {
  await rest(server, ADMIN, 'POST', '/v1/projects', { projectId: P, name: 'Permissions' })
  const container = { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] }
  for (const id of ['hello', 'other'])
    await rest(server, ADMIN, 'POST', `/v2/${LOC}/services?serviceId=${id}`, {
      template: container,
    })
  await rest(server, ADMIN, 'POST', `/v2/${LOC}/jobs?jobId=nightly`, {
    template: { template: container },
  })
  await rest(server, ADMIN, 'POST', `/v2/${LOC}/workerPools?workerPoolId=pool`, {
    template: container,
  })
  await rest(server, ADMIN, 'POST', `/v1/projects/${P}/roles`, {
    roleId: 'invokerLite',
    role: {
      title: 'Invoker lite',
      description: 'Calls services, nothing else.',
      includedPermissions: ['run.routes.invoke'],
      stage: 'GA',
    },
  })
  // An outsider's markup where a console shows names: it must stay text.
  await rest(server, ADMIN, 'POST', `/v1/projects/${P}/roles`, {
    roleId: 'markup',
    role: {
      title: XSS_TITLE,
      description: '<script>document.title = "pwned"</script>',
      includedPermissions: ['run.routes.invoke'],
      stage: 'GA',
    },
  })
  // vera may view the project's Cloud Run resources, and nothing more.
  await rest(server, ADMIN, 'POST', `/v1/projects/${P}:setIamPolicy`, {
    policy: {
      bindings: [
        { role: 'roles/owner', members: [`user:${ADMIN}`] },
        { role: 'roles/run.viewer', members: [`user:${VIEWER}`] },
      ],
    },
  })
}

/** Opens the project's list of `tab` and selects `name` with its check box. */
async function select(page: Page, tab: 'Services' | 'Jobs' | 'Worker pools', name: string) {
  await page
    .getByRole('navigation', { name: 'Cloud Run resources' })
    .getByRole('link', { name: tab })
    .click()
  const singular = { Services: 'service', Jobs: 'job', 'Worker pools': 'worker pool' }[tab]
  await page.getByRole('checkbox', { name: `Select ${singular} ${name}`, exact: true }).check()
  await page.getByRole('tabpanel').getByRole('button', { name: 'Add principal' }).waitFor()
}

describeConsole('console: resource lists and the Permissions tab', () => {
  let c: ConsoleSession
  let page: Page

  beforeAll(async () => {
    c = await openConsole(ADMIN, { setup })
    page = c.page
  }, 90_000)
  afterAll(async () => c?.close())

  it('navigates from the projects to Services, Jobs and Worker pools', async () => {
    await page.getByRole('link', { name: P }).click()
    const services = page.getByRole('table', { name: 'Services' })
    await services.getByRole('link', { name: 'hello' }).waitFor()
    await expect(services.getByRole('link', { name: 'other' }).count()).resolves.toBe(1)
    const tabs = page.getByRole('navigation', { name: 'Cloud Run resources' })
    await tabs.getByRole('link', { name: 'Jobs' }).click()
    await page.getByRole('table', { name: 'Jobs' }).getByRole('link', { name: 'nightly' }).waitFor()
    await tabs.getByRole('link', { name: 'Worker pools' }).click()
    await page
      .getByRole('table', { name: 'Worker pools' })
      .getByRole('link', { name: 'pool' })
      .waitFor()
    await tabs.getByRole('link', { name: 'Services' }).click()
    await services.waitFor()
  })

  it('selects with the check box, and shows and hides the info panel', async () => {
    const panel = page.getByRole('complementary', { name: 'Info panel' })
    await panel.getByText('Select a service with its check box').waitFor()
    await page.getByRole('checkbox', { name: 'Select service hello', exact: true }).check()
    await panel.getByRole('heading', { name: 'Service hello' }).waitFor()
    await panel.getByRole('tab', { name: 'Permissions', selected: true }).waitFor()
    await panel.getByRole('button', { name: 'Add principal' }).waitFor()
    await page.getByRole('button', { name: 'Hide info panel' }).click()
    await expect(panel.count()).resolves.toBe(0)
    await page.getByRole('button', { name: 'Show info panel' }).click()
    await panel.getByRole('heading', { name: 'Service hello' }).waitFor()
    await panel.getByRole('button', { name: 'Add principal' }).waitFor()
    await screenshot(page, 'services-info-panel')
  })

  it('adds several principals with several roles in one Save', async () => {
    await page.getByRole('button', { name: 'Add principal' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add principals to service "hello"' })
    await dialog.waitFor()
    // Keyboard: the dialog opens on its first field.
    await expect(
      dialog.getByLabel('New principals').evaluate((el) => el === el.ownerDocument.activeElement),
    ).resolves.toBe(true)
    // Validated as typed: a bad identity is named, and Save stays disabled.
    await dialog.getByLabel('New principals').fill('alice@example.com, user:bob@, ')
    await dialog.getByText('Got: "user:bob@"').waitFor()
    await expect(dialog.getByRole('button', { name: 'Save' }).isDisabled()).resolves.toBe(true)
    await dialog.getByLabel('New principals').fill('alice@example.com, group:team@example.com')
    await dialog.getByLabel('Role 1', { exact: true }).selectOption({ label: 'Cloud Run Invoker' })
    await dialog.getByText('roles/run.invoker: ').waitFor()
    await dialog.getByRole('button', { name: '+ Add another role' }).click()
    await dialog.getByLabel('Role 2', { exact: true }).selectOption({ label: 'Cloud Run Viewer' })
    // The project's custom role is offered too, with its description.
    await expect(
      dialog
        .getByLabel('Role 2', { exact: true })
        .locator('option', { hasText: 'Invoker lite' })
        .count(),
    ).resolves.toBe(1)
    await screenshot(page, 'add-principal')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'detached' })

    const bindings = await policyOf(c.server, `${LOC}/services/hello`)
    for (const role of ['roles/run.invoker', 'roles/run.viewer']) {
      expect(membersOf(bindings, role).sort()).toEqual([
        'group:team@example.com',
        'user:alice@example.com',
      ])
    }
    const groups = page.getByRole('list', { name: 'Principals by role' })
    await groups.getByText('user:alice@example.com').first().waitFor()
    await groups.getByText('Cloud Run Invoker').waitFor()
    await screenshot(page, 'permissions-tab')
  })

  it('adds one role under a condition and another without, and shows the server’s refusal of a bad condition', async () => {
    await page.getByRole('button', { name: 'Add principal' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('New principals').fill('carol@example.com')
    await dialog.getByLabel('Role 1', { exact: true }).selectOption({ label: 'Cloud Run Invoker' })
    await dialog.getByRole('button', { name: '+ Add IAM condition to role 1' }).click()
    await dialog.getByLabel('Condition title (role 1)').fill('public paths')
    await dialog.getByLabel('Condition expression (role 1)').fill('request.path.startsWith(')
    await dialog.getByRole('button', { name: '+ Add another role' }).click()
    await dialog
      .getByLabel('Role 2', { exact: true })
      .selectOption({ label: 'Cloud Run Developer' })
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.getByRole('alert').waitFor()
    expect(JSON.stringify(await policyOf(c.server, `${LOC}/services/hello`))).not.toContain('carol')
    await dialog
      .getByLabel('Condition expression (role 1)')
      .fill('request.path.startsWith("/public/")')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'detached' })
    const bindings = await policyOf(c.server, `${LOC}/services/hello`)
    expect(bindings.filter((b) => b.condition !== undefined)).toEqual([
      {
        role: 'roles/run.invoker',
        members: ['user:carol@example.com'],
        condition: { title: 'public paths', expression: 'request.path.startsWith("/public/")' },
      },
    ])
    expect(membersOf(bindings, 'roles/run.developer')).toEqual(['user:carol@example.com'])
    expect(membersOf(bindings, 'roles/run.invoker')).not.toContain('user:carol@example.com')
    await page.getByText('Condition: public paths').waitFor()
  })

  it('keeps a change made elsewhere while the dialog was open (Save reads, then writes with the etag)', async () => {
    await page.getByRole('button', { name: 'Add principal' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('New principals').fill('erin@example.com')
    await dialog.getByLabel('Role 1', { exact: true }).selectOption({ label: 'Cloud Run Invoker' })
    // Meanwhile, someone else grants a role through the API.
    const path = `${LOC}/services/hello`
    const current = await rest<{ bindings?: Binding[]; etag: string }>(
      c.server,
      ADMIN,
      'GET',
      `/v2/${path}:getIamPolicy?options.requestedPolicyVersion=3`,
    )
    await rest(c.server, ADMIN, 'POST', `/v2/${path}:setIamPolicy`, {
      policy: {
        ...current,
        bindings: [
          ...(current.bindings ?? []),
          { role: 'roles/run.sourceViewer', members: ['user:frank@example.com'] },
        ],
      },
    })
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'detached' })
    const bindings = await policyOf(c.server, path)
    expect(membersOf(bindings, 'roles/run.sourceViewer')).toEqual(['user:frank@example.com'])
    expect(membersOf(bindings, 'roles/run.invoker')).toContain('user:erin@example.com')
    // The panel shows the policy as saved, the other change included.
    await page
      .getByRole('list', { name: 'Principals by role' })
      .getByText('user:frank@example.com')
      .waitFor()
  })

  it('filters by principal or role, and shows the by-principal view', async () => {
    const panel = page.getByRole('tabpanel')
    const filter = panel.getByRole('searchbox', { name: 'Filter by principal or role' })
    await filter.fill('team@')
    const groups = panel.getByRole('list', { name: 'Principals by role' })
    await expect(groups.getByText('user:alice@example.com').count()).resolves.toBe(0)
    await expect(groups.getByText('group:team@example.com').count()).resolves.toBe(2)
    await filter.fill('Cloud Run Viewer')
    await expect(
      groups.getByRole('listitem').filter({ hasText: 'Cloud Run Invoker' }).count(),
    ).resolves.toBe(0)
    await filter.fill('')
    await panel.getByRole('button', { name: 'By principal' }).click()
    const table = panel.getByRole('table', { name: 'Principals and their roles' })
    const alice = table.getByRole('row').filter({ hasText: 'user:alice@example.com' })
    await expect(alice.textContent()).resolves.toContain('Cloud Run Invoker')
    await expect(alice.textContent()).resolves.toContain('Cloud Run Viewer')
    await panel.getByRole('button', { name: 'By role' }).click()
  })

  it('removes a principal from one role, then from all roles', async () => {
    await page
      .getByRole('button', { name: 'Remove user:alice@example.com from Cloud Run Invoker' })
      .click()
    const dialog = page.getByRole('dialog', { name: 'Remove principal?' })
    await dialog.getByText('Remove this principal from all roles on this resource').waitFor()
    await dialog.getByRole('button', { name: 'Remove' }).click()
    await dialog.waitFor({ state: 'detached' })
    let bindings = await policyOf(c.server, `${LOC}/services/hello`)
    expect(membersOf(bindings, 'roles/run.invoker')).not.toContain('user:alice@example.com')
    expect(membersOf(bindings, 'roles/run.invoker')).toContain('group:team@example.com')
    expect(membersOf(bindings, 'roles/run.viewer')).toContain('user:alice@example.com')

    await page
      .getByRole('button', { name: 'Remove group:team@example.com from Cloud Run Viewer' })
      .click()
    await dialog.getByLabel('Remove this principal from all roles on this resource').check()
    await dialog.getByRole('button', { name: 'Remove' }).click()
    await dialog.waitFor({ state: 'detached' })
    bindings = await policyOf(c.server, `${LOC}/services/hello`)
    expect(JSON.stringify(bindings)).not.toContain('group:team@example.com')
    expect(membersOf(bindings, 'roles/run.viewer')).toEqual(['user:alice@example.com'])
  })

  it('closes a dialog with Escape and gives the focus back', async () => {
    const add = page.getByRole('tabpanel').getByRole('button', { name: 'Add principal' })
    await add.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('dialog').waitFor()
    await page.keyboard.press('Escape')
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    await expect(add.evaluate((el) => el === el.ownerDocument.activeElement)).resolves.toBe(true)
  })

  it('does Add principal with the keyboard alone', async () => {
    const other = page.getByRole('checkbox', { name: 'Select service other', exact: true })
    const hello = page.getByRole('checkbox', { name: 'Select service hello', exact: true })
    await other.setChecked(false)
    await hello.setChecked(false)
    await other.focus()
    await page.keyboard.press('Space')
    await hello.focus()
    await page.keyboard.press('Space')
    await page.getByRole('complementary').getByText('2 services selected').waitFor()
    await other.focus()
    await page.keyboard.press('Space')
    await page.getByRole('complementary').getByRole('heading', { name: 'Service hello' }).waitFor()
    const add = page.getByRole('tabpanel').getByRole('button', { name: 'Add principal' })
    await add.focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    await page.keyboard.type('gina@example.com') // the dialog opened on New principals
    await page.keyboard.press('Tab')
    const role = dialog.getByLabel('Role 1', { exact: true })
    await expect(role.evaluate((el) => el === el.ownerDocument.activeElement)).resolves.toBe(true)
    // A closed <select> takes the arrow keys: the first role offered is Cloud Run Admin.
    await page.keyboard.press('ArrowDown')
    await expect(role.inputValue()).resolves.toBe('roles/run.admin')
    // Tab on: + Add another role, the condition's check box, Cancel, Save; Enter saves.
    for (let i = 0; i < 4; i++) await page.keyboard.press('Tab')
    const save = dialog.getByRole('button', { name: 'Save' })
    await expect(save.evaluate((el) => el === el.ownerDocument.activeElement)).resolves.toBe(true)
    await page.keyboard.press('Enter')
    await dialog.waitFor({ state: 'detached' })
    expect(membersOf(await policyOf(c.server, `${LOC}/services/hello`), 'roles/run.admin')).toEqual(
      ['user:gina@example.com'],
    )
  })

  it('changes the permissions of a job and of a worker pool', async () => {
    for (const [tab, name, path] of [
      ['Jobs', 'nightly', `${LOC}/jobs/nightly`],
      ['Worker pools', 'pool', `${LOC}/workerPools/pool`],
    ] as const) {
      await select(page, tab, name)
      await page.getByRole('tabpanel').getByRole('button', { name: 'Add principal' }).click()
      const dialog = page.getByRole('dialog')
      await dialog.getByLabel('New principals').fill('dave@example.com')
      await dialog
        .getByLabel('Role 1', { exact: true })
        .selectOption({ label: 'Cloud Run Developer' })
      await dialog.getByRole('button', { name: 'Save' }).click()
      await dialog.waitFor({ state: 'detached' })
      expect(membersOf(await policyOf(c.server, path), 'roles/run.developer'), tab).toEqual([
        'user:dave@example.com',
      ])
    }
  })

  it('opens a resource from its name, with its permissions', async () => {
    await page
      .getByRole('navigation', { name: 'Cloud Run resources' })
      .getByRole('link', { name: 'Services' })
      .click()
    await page.getByRole('table', { name: 'Services' }).getByRole('link', { name: 'hello' }).click()
    await page.getByRole('heading', { name: 'Service hello' }).waitFor()
    await page
      .getByRole('list', { name: 'Principals by role' })
      .getByText('user:alice@example.com')
      .waitFor()
  })

  it('shows a viewer the lists and the policy, read-only, saying why', async () => {
    const browser = await launchBrowser()
    try {
      const viewer = await browser.newPage()
      await signInAs(viewer, c.server, VIEWER)
      await viewer.getByRole('link', { name: P }).click()
      await viewer.getByRole('checkbox', { name: 'Select service hello', exact: true }).check()
      const panel = viewer.getByRole('tabpanel')
      await panel.getByText('user:alice@example.com').waitFor()
      await expect(panel.getByRole('button', { name: 'Add principal' }).isDisabled()).resolves.toBe(
        true,
      )
      await panel
        .getByText(
          'You need the permission run.services.setIamPolicy on this service to change its permissions.',
        )
        .waitFor()
      await expect(
        panel
          .getByRole('button', { name: 'Remove user:alice@example.com from Cloud Run Viewer' })
          .isDisabled(),
      ).resolves.toBe(true)
      expect(browser.errors).toEqual([])
    } finally {
      await browser.close()
    }
  })

  it('asks before granting a role to allUsers, as Google does', async () => {
    await page.goto(`${c.server.url}/console/projects/${P}`)
    await select(page, 'Services', 'other')
    const path = `${LOC}/services/other`
    const { uri } = await rest<{ uri: string }>(c.server, ADMIN, 'GET', `/v2/${path}`)
    expect((await invokeService(c.server, uri, '/')).status).toBe(403)
    await page.getByRole('tabpanel').getByRole('button', { name: 'Add principal' }).click()
    const dialog = page.getByRole('dialog', { name: 'Add principals to service "other"' })
    await dialog.getByLabel('New principals').fill('allUsers')
    await dialog.getByLabel('Role 1', { exact: true }).selectOption({ label: 'Cloud Run Invoker' })
    await dialog.getByRole('button', { name: 'Save' }).click()
    const confirm = page.getByRole('dialog', { name: 'Allow public access?' })
    await confirm.getByText('Anyone on the internet').waitFor()
    await confirm.getByRole('button', { name: 'Cancel' }).click()
    await confirm.waitFor({ state: 'detached' })
    expect(JSON.stringify(await policyOf(c.server, path))).not.toContain('allUsers')
    await dialog.getByRole('button', { name: 'Save' }).click()
    await confirm.getByRole('button', { name: 'Allow public access' }).click()
    await dialog.waitFor({ state: 'detached' })
    expect(membersOf(await policyOf(c.server, path), 'roles/run.invoker')).toEqual(['allUsers'])
    // Through the gateway, with no token at all.
    expect((await invokeService(c.server, uri, '/')).status).toBe(200)
  })

  it('shows markup an outsider put in a role title as text, never as markup', async () => {
    await page.goto(`${c.server.url}/console/projects/${P}`)
    await select(page, 'Services', 'other')
    await page.getByRole('tabpanel').getByRole('button', { name: 'Add principal' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByLabel('New principals').fill('mallory@example.com')
    await dialog.getByLabel('Role 1', { exact: true }).selectOption({ label: XSS_TITLE })
    await dialog.getByText('<script>document.title = "pwned"</script>').waitFor()
    await dialog.getByRole('button', { name: 'Save' }).click()
    await dialog.waitFor({ state: 'detached' })
    await page.getByRole('list', { name: 'Principals by role' }).getByText(XSS_TITLE).waitFor()
    await expect(page.locator('img[src="x"]').count()).resolves.toBe(0)
    await expect(page.title()).resolves.not.toBe('pwned')
  })

  it('printed no error in the browser other than the refused condition', () => {
    expect(c.browser.errors.filter((e) => !e.includes('400'))).toEqual([])
  })
})
