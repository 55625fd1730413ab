// The console's actions in a real browser against a real `runiam serve --dev`, each checked through
// the REST API and the invoker gateway: bulk grant and removal on several services and jobs with a
// result per resource (a concurrent change retried, a vanished resource reported, a role the
// server refuses reported); the allUsers confirmation; the Security tab making a service public
// (an unauthenticated request gets 200) and private again (403); a 409 on the Security tab and
// its "Reload and retry"; an organization policy's refusal in words; a viewer who sees but cannot
// change, told why.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { invokeService, type ServerProcess } from '../harness.js'
import {
  describeConsole,
  openConsole,
  rest,
  signInAs,
  type ConsoleSession,
} from './console-harness.js'
import { screenshot } from './screenshots.js'

const ADMIN = 'admin@example.com'
const VIEWER = 'vera@example.com'
const MIA = 'mia@example.com'
const P = 'acts-proj'
const L = 'us-central1'
const LOC = `projects/${P}/locations/${L}`
const SERVICES = ['alpha', 'beta', 'gamma', 'delta', 'omega', 'kappa', 'lambda']

interface Binding {
  role: string
  members: string[]
  condition?: unknown
}
interface Policy {
  bindings?: Binding[]
  etag?: string
}

const policyOf = (server: ServerProcess, path: string): Promise<Policy> =>
  rest<Policy>(server, ADMIN, 'GET', `/v2/${path}:getIamPolicy?options.requestedPolicyVersion=3`)

const membersOf = (p: Policy, role: string): string[] =>
  (p.bindings ?? []).filter((b) => b.role === role).flatMap((b) => b.members)

/** Adds `member` in `role` on a resource through the API (a change made behind the page's back). */
async function grantBehind(server: ServerProcess, path: string, role: string, member: string) {
  const p = await policyOf(server, path)
  const bindings = [...(p.bindings ?? []), { role, members: [member] }]
  await rest(server, ADMIN, 'POST', `/v2/${path}:setIamPolicy`, {
    policy: { bindings, etag: p.etag },
  })
}

async function uriOf(server: ServerProcess, service: string): Promise<string> {
  return (await rest<{ uri: string }>(server, ADMIN, 'GET', `/v2/${LOC}/services/${service}`)).uri
}

/** An unauthenticated request to the service through the gateway (Host = the service's). */
async function anonymousStatus(server: ServerProcess, service: string): Promise<number> {
  return (await invokeService(server, await uriOf(server, service), '/')).status
}

async function setup(server: ServerProcess): Promise<void> {
  await rest(server, ADMIN, 'POST', '/v1/projects', { projectId: P, name: 'Actions' })
  const container = { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] }
  for (const id of SERVICES)
    await rest(server, ADMIN, 'POST', `/v2/${LOC}/services?serviceId=${id}`, {
      template: container,
    })
  for (const id of ['nightly', 'weekly'])
    await rest(server, ADMIN, 'POST', `/v2/${LOC}/jobs?jobId=${id}`, {
      template: { template: container },
    })
  for (const id of ['pool-a', 'pool-b'])
    await rest(server, ADMIN, 'POST', `/v2/${LOC}/workerPools?workerPoolId=${id}`, {
      template: container,
    })
  for (const [roleId, permission] of [
    ['invokerLite', 'run.routes.invoke'],
    ['peekOnly', 'run.services.get'],
  ] as const)
    await rest(server, ADMIN, 'POST', `/v1/projects/${P}/roles`, {
      roleId,
      role: { title: roleId, includedPermissions: [permission], stage: 'GA' },
    })
  await rest(server, ADMIN, 'POST', `/v1/projects/${P}:setIamPolicy`, {
    policy: {
      bindings: [
        { role: 'roles/owner', members: [`user:${ADMIN}`] },
        { role: 'roles/run.viewer', members: [`user:${VIEWER}`] },
        { role: 'roles/run.admin', members: [`user:${MIA}`] },
      ],
    },
  })
}

async function openList(page: Page, server: ServerProcess, tab = 'services'): Promise<void> {
  await page.goto(`${server.url}/console/projects/${P}/run/${tab}`)
  const table = { services: 'Services', jobs: 'Jobs', 'worker-pools': 'Worker pools' }[tab]
  await page.getByRole('table', { name: table ?? tab }).waitFor()
}

async function selectRows(page: Page, noun: string, names: readonly string[]): Promise<void> {
  for (const n of names) await page.getByLabel(`Select ${noun} ${n}`, { exact: true }).check()
}

const roleBox = (page: Page, title: string, role: string) =>
  page.getByRole('checkbox', { name: new RegExp(`^${title} ${role.replace(/\./g, '\\.')}\\b`) })

const resultOf = (page: Page, name: string) =>
  page.getByRole('table', { name: 'Results' }).getByRole('row').filter({ hasText: name })

describeConsole('console actions: bulk, Security tab, errors, read-only', () => {
  let c: ConsoleSession

  beforeAll(async () => {
    c = await openConsole(ADMIN, { setup })
  }, 120_000)
  afterAll(async () => c?.close())

  it('adds several principals in several roles to several services at once', async () => {
    const { page, server } = c
    await openList(page, server)
    await selectRows(page, 'service', ['alpha', 'beta', 'gamma'])
    await page.getByRole('button', { name: 'Grant access to 3 services' }).click()
    const panel = page.getByRole('region', { name: 'Add principals to 3 services' })
    await panel.getByLabel('New principals').fill('ann@example.com, group:ops@example.com')
    await roleBox(page, 'Cloud Run Invoker', 'roles/run.invoker').check()
    await roleBox(page, 'Cloud Run Viewer', 'roles/run.viewer').check()
    await panel.getByRole('button', { name: 'Save', exact: true }).click()
    await panel.getByRole('status').filter({ hasText: 'Done: all 3 saved.' }).waitFor()
    await screenshot(page, 'bulk-results')
    for (const s of ['alpha', 'beta', 'gamma']) {
      await expect(resultOf(page, s).textContent()).resolves.toContain('Updated')
      const p = await policyOf(server, `${LOC}/services/${s}`)
      for (const role of ['roles/run.invoker', 'roles/run.viewer'])
        expect(membersOf(p, role).sort()).toEqual(['group:ops@example.com', 'user:ann@example.com'])
    }
    // delta was not selected, and is untouched.
    expect((await policyOf(server, `${LOC}/services/delta`)).bindings ?? []).toEqual([])
    await panel.getByRole('button', { name: 'Close' }).click()
  })

  it('retries a resource whose policy changed between its read and its write, losing nothing', async () => {
    const { page, server } = c
    await openList(page, server)
    await selectRows(page, 'service', ['alpha', 'beta'])
    let raced = 0
    // The first write to beta: someone else changes beta's policy just before it arrives, so it
    // carries a stale etag and the server answers 409 ABORTED.
    await page.route(
      (url) => url.pathname.endsWith('/services/beta:setIamPolicy'),
      async (route) => {
        if (raced++ === 0)
          await grantBehind(
            server,
            `${LOC}/services/beta`,
            'roles/run.developer',
            'user:zed@example.com',
          )
        await route.continue()
      },
    )
    await page.getByRole('button', { name: 'Grant access to 2 services' }).click()
    const panel = page.getByRole('region', { name: 'Add principals to 2 services' })
    await panel.getByLabel('New principals').fill('user:bo@example.com')
    await roleBox(page, 'Cloud Run Invoker', 'roles/run.invoker').check()
    await panel.getByRole('button', { name: 'Save', exact: true }).click()
    await panel.getByRole('status').filter({ hasText: 'Done: all 2 saved.' }).waitFor()
    await page.unroute((url) => url.pathname.endsWith('/services/beta:setIamPolicy'))
    expect(raced).toBe(2)
    await expect(resultOf(page, 'beta').textContent()).resolves.toContain('attempt 2')
    const beta = await policyOf(server, `${LOC}/services/beta`)
    expect(membersOf(beta, 'roles/run.developer')).toEqual(['user:zed@example.com'])
    expect(membersOf(beta, 'roles/run.invoker')).toContain('user:bo@example.com')
    expect(
      membersOf(await policyOf(server, `${LOC}/services/alpha`), 'roles/run.invoker'),
    ).toContain('user:bo@example.com')
    await panel.getByRole('button', { name: 'Close' }).click()
  })

  it('removes a principal from several services, and reports one that vanished', async () => {
    const { page, server } = c
    await openList(page, server)
    await rest(server, ADMIN, 'POST', `/v2/${LOC}/services?serviceId=doomed`, {
      template: { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] },
    })
    await openList(page, server)
    await selectRows(page, 'service', ['alpha', 'beta', 'doomed', 'gamma'])
    await page.getByRole('button', { name: 'Remove access from 4 services' }).click()
    const panel = page.getByRole('region', { name: 'Remove principals from 4 services' })
    await panel.getByLabel('Principals to remove').fill('group:ops@example.com')
    await roleBox(page, 'Cloud Run Invoker', 'roles/run.invoker').check()
    // Deleted after the page listed it: its result says so, the others are changed.
    await rest(server, ADMIN, 'DELETE', `/v2/${LOC}/services/doomed`)
    await panel.getByRole('button', { name: 'Remove', exact: true }).click()
    await panel
      .getByRole('status')
      .filter({ hasText: 'Done: 1 of 4 could not be changed' })
      .waitFor()
    await expect(resultOf(page, 'doomed').textContent()).resolves.toMatch(/Not found: .*doomed/)
    for (const s of ['alpha', 'beta', 'gamma']) {
      await expect(resultOf(page, s).textContent()).resolves.toContain('Updated')
      const p = await policyOf(server, `${LOC}/services/${s}`)
      expect(membersOf(p, 'roles/run.invoker')).not.toContain('group:ops@example.com')
      expect(membersOf(p, 'roles/run.invoker')).toContain('user:ann@example.com')
      // Only the chosen role lost it.
      expect(membersOf(p, 'roles/run.viewer')).toContain('group:ops@example.com')
    }
    await panel.getByRole('button', { name: 'Close' }).click()
  })

  it('checks principals as typed, and shows a role the server refuses on each job', async () => {
    const { page, server } = c
    await openList(page, server, 'jobs')
    await selectRows(page, 'job', ['nightly', 'weekly'])
    await page.getByRole('button', { name: 'Grant access to 2 jobs' }).click()
    const panel = page.getByRole('region', { name: 'Add principals to 2 jobs' })
    const save = panel.getByRole('button', { name: 'Save', exact: true })
    await panel.getByLabel('New principals').fill('user:ann@example.com, domain:bad_domain')
    await panel.getByText('"bad_domain" is not a valid domain.').waitFor()
    // Markup in what is typed is shown as text, never run.
    await panel.getByLabel('New principals').fill('user:<img src=x onerror="window.pwned=1">')
    await panel.getByText('user:<img src=x onerror="window.pwned=1">', { exact: false }).waitFor()
    await expect(page.evaluate('typeof window.pwned')).resolves.toBe('undefined')
    await expect(panel.locator('img').count()).resolves.toBe(0)
    await panel.getByLabel('New principals').fill('user:ann@example.com, domain:bad_domain')
    await roleBox(page, 'Cloud Run Invoker', 'roles/run.invoker').check()
    await expect(save.isDisabled()).resolves.toBe(true)

    // A role that cannot be granted on a job: the server's 400, on every job, in words.
    await panel.getByLabel('New principals').fill('user:ann@example.com')
    await roleBox(page, 'Cloud Run Service Invoker', 'roles/run.servicesInvoker').check()
    await save.click()
    await panel.getByRole('status').filter({ hasText: '2 of 2 could not be changed' }).waitFor()
    for (const j of ['nightly', 'weekly'])
      await expect(resultOf(page, j).textContent()).resolves.toMatch(
        /The server did not accept this: .*roles\/run\.servicesInvoker/,
      )
    expect((await policyOf(server, `${LOC}/jobs/nightly`)).bindings ?? []).toEqual([])

    // Without it, both jobs are changed.
    await roleBox(page, 'Cloud Run Service Invoker', 'roles/run.servicesInvoker').uncheck()
    await save.click()
    await panel.getByRole('status').filter({ hasText: 'Done: all 2 saved.' }).waitFor()
    for (const j of ['nightly', 'weekly'])
      expect(membersOf(await policyOf(server, `${LOC}/jobs/${j}`), 'roles/run.invoker')).toEqual([
        'user:ann@example.com',
      ])
  })

  it('grants on several worker pools at once', async () => {
    const { page, server } = c
    await openList(page, server, 'worker-pools')
    await selectRows(page, 'worker pool', ['pool-a', 'pool-b'])
    await page.getByRole('button', { name: 'Grant access to 2 worker pools' }).click()
    const panel = page.getByRole('region', { name: 'Add principals to 2 worker pools' })
    await panel.getByLabel('New principals').fill('sa-1@acts-proj.iam.gserviceaccount.com')
    await roleBox(page, 'Cloud Run Developer', 'roles/run.developer').check()
    await panel.getByRole('button', { name: 'Save', exact: true }).click()
    await panel.getByRole('status').filter({ hasText: 'Done: all 2 saved.' }).waitFor()
    for (const w of ['pool-a', 'pool-b'])
      expect(
        membersOf(await policyOf(server, `${LOC}/workerPools/${w}`), 'roles/run.developer'),
      ).toEqual(['serviceAccount:sa-1@acts-proj.iam.gserviceaccount.com'])
  })

  it('asks for the "Allow public access" confirmation before granting allUsers; the list shows it', async () => {
    const { page, server } = c
    expect(await anonymousStatus(server, 'delta')).toBe(403)
    await openList(page, server)
    await selectRows(page, 'service', ['delta', 'omega'])
    await page.getByRole('button', { name: 'Grant access to 2 services' }).click()
    const panel = page.getByRole('region', { name: 'Add principals to 2 services' })
    await panel.getByLabel('New principals').fill('allUsers')
    await roleBox(page, 'Cloud Run Invoker', 'roles/run.invoker').check()
    await panel.getByRole('button', { name: 'Save', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Allow public access?' })
    await dialog.getByText('anyone on the internet').waitFor()
    // Cancel (Escape): nothing is saved.
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect((await policyOf(server, `${LOC}/services/delta`)).bindings ?? []).toEqual([])

    await panel.getByRole('button', { name: 'Save', exact: true }).click()
    await dialog.getByRole('button', { name: 'Allow public access' }).click()
    await panel.getByRole('status').filter({ hasText: 'Done: all 2 saved.' }).waitFor()
    for (const s of ['delta', 'omega']) {
      expect(
        membersOf(await policyOf(server, `${LOC}/services/${s}`), 'roles/run.invoker'),
      ).toEqual(['allUsers'])
      expect(await anonymousStatus(server, s)).toBe(200)
    }
    const table = page.getByRole('table', { name: 'Services' })
    await table
      .getByRole('row')
      .filter({ hasText: 'delta' })
      .getByText('Public (allUsers)')
      .waitFor()
    await table
      .getByRole('row')
      .filter({ hasText: 'gamma' })
      .getByText('Require authentication')
      .waitFor()
  })

  it('Security tab: Allow public access (confirmed) makes the service public, Require authentication private', async () => {
    const { page, server } = c
    expect(await anonymousStatus(server, 'gamma')).toBe(403)
    await openList(page, server)
    await page.getByRole('link', { name: 'gamma', exact: true }).click()
    // The service's page, then its Security tab.
    await page.getByRole('link', { name: 'Security', exact: true }).click()
    await page.waitForURL(/\/services\/gamma\/security$/)
    await page.getByRole('heading', { name: 'Authentication' }).waitFor()
    const state = page.getByLabel('Public access state')
    await expect(state.textContent()).resolves.toBe('Authentication required (IAM)')
    await page.getByLabel('Allow public access').check()
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    const dialog = page.getByRole('dialog', { name: 'Allow public access?' })
    await dialog.getByRole('button', { name: 'Allow public access' }).click()
    await page.getByRole('status').filter({ hasText: 'Saved: the service is public' }).waitFor()
    const svc = await rest<{ invokerIamDisabled?: boolean }>(
      server,
      ADMIN,
      'GET',
      `/v2/${LOC}/services/gamma`,
    )
    expect(svc.invokerIamDisabled).toBe(true)
    expect(await anonymousStatus(server, 'gamma')).toBe(200)
    await state.filter({ hasText: 'invoker IAM check is disabled' }).waitFor()
    await screenshot(page, 'security-tab')

    await page.getByLabel('Require authentication').check()
    await expect(page.getByLabel('Identity and Access Management (IAM)').isChecked()).resolves.toBe(
      true,
    )
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page
      .getByRole('status')
      .filter({ hasText: 'Saved: callers must be authenticated' })
      .waitFor()
    expect(await anonymousStatus(server, 'gamma')).toBe(403)

    // The list shows each service's state.
    await openList(page, server)
    await page
      .getByRole('table', { name: 'Services' })
      .getByRole('row')
      .filter({ hasText: 'gamma' })
      .getByText('Require authentication')
      .waitFor()
  })

  it('Security tab: a policy changed between load and save is a 409, and "Reload and retry" applies on top', async () => {
    const { page, server } = c
    // delta is public through allUsers (above); requiring authentication also takes allUsers out.
    await page.goto(`${server.url}/console/projects/${P}/locations/${L}/services/delta/security`)
    const state = page.getByLabel('Public access state')
    await state.filter({ hasText: 'allUsers can invoke it' }).waitFor()
    await expect(
      page.getByLabel('Also remove allUsers from the invoker roles').isChecked(),
    ).resolves.toBe(true)
    await grantBehind(server, `${LOC}/services/delta`, 'roles/run.viewer', 'user:kim@example.com')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    const alert = page
      .getByRole('alert')
      .filter({ hasText: 'Someone else changed this at the same time' })
    await alert.waitFor()
    // Nothing was overwritten: still public, kim's grant there.
    expect(await anonymousStatus(server, 'delta')).toBe(200)
    await alert.getByRole('button', { name: 'Reload and retry' }).click()
    await page
      .getByRole('status')
      .filter({ hasText: 'Saved: callers must be authenticated' })
      .waitFor()
    const p = await policyOf(server, `${LOC}/services/delta`)
    expect(membersOf(p, 'roles/run.invoker')).toEqual([])
    expect(membersOf(p, 'roles/run.viewer')).toEqual(['user:kim@example.com'])
    expect(await anonymousStatus(server, 'delta')).toBe(403)
    await state.filter({ hasText: 'Authentication required (IAM)' }).waitFor()
  })

  it('counts a custom role that carries run.routes.invoke as public, and one that does not as private', async () => {
    const { page, server } = c
    await grantBehind(
      server,
      `${LOC}/services/kappa`,
      `projects/${P}/roles/invokerLite`,
      'allUsers',
    )
    await grantBehind(server, `${LOC}/services/lambda`, `projects/${P}/roles/peekOnly`, 'allUsers')
    expect(await anonymousStatus(server, 'kappa')).toBe(200)
    expect(await anonymousStatus(server, 'lambda')).toBe(403)
    await openList(page, server)
    const row = (s: string) =>
      page.getByRole('table', { name: 'Services' }).getByRole('row').filter({ hasText: s })
    await row('kappa').getByText('Public (allUsers)').waitFor()
    await row('lambda').getByText('Require authentication').waitFor()

    // Requiring authentication takes allUsers out of the custom invoker role too.
    await page.goto(`${server.url}/console/projects/${P}/locations/${L}/services/kappa/security`)
    await page
      .getByLabel('Public access state')
      .filter({ hasText: 'allUsers can invoke it' })
      .waitFor()
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page
      .getByRole('status')
      .filter({ hasText: 'Saved: callers must be authenticated' })
      .waitFor()
    expect(
      membersOf(await policyOf(server, `${LOC}/services/kappa`), `projects/${P}/roles/invokerLite`),
    ).toEqual([])
    expect(await anonymousStatus(server, 'kappa')).toBe(403)

    // Public both ways at once (check off and allUsers an invoker): one Save undoes both.
    await rest(server, ADMIN, 'PATCH', `/v2/${LOC}/services/lambda?updateMask=invokerIamDisabled`, {
      invokerIamDisabled: true,
    })
    await grantBehind(server, `${LOC}/services/lambda`, 'roles/run.invoker', 'allUsers')
    await page.goto(`${server.url}/console/projects/${P}/locations/${L}/services/lambda/security`)
    await page.getByLabel('Public access state').filter({ hasText: 'check is disabled' }).waitFor()
    await page.getByLabel('Require authentication').check()
    await page.getByLabel('Also remove allUsers from the invoker roles').waitFor()
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page
      .getByRole('status')
      .filter({ hasText: 'Saved: callers must be authenticated' })
      .waitFor()
    const lambda = await rest<{ invokerIamDisabled?: boolean }>(
      server,
      ADMIN,
      'GET',
      `/v2/${LOC}/services/lambda`,
    )
    expect(lambda.invokerIamDisabled ?? false).toBe(false)
    expect(
      membersOf(await policyOf(server, `${LOC}/services/lambda`), 'roles/run.invoker'),
    ).toEqual([])
    expect(await anonymousStatus(server, 'lambda')).toBe(403)
  })

  it('a viewer sees the lists and the Security tab, but cannot change them, and is told why', async () => {
    const { browser, server } = c
    const page = await browser.newPage()
    try {
      await signInAs(page, server, VIEWER)
      await openList(page, server)
      const table = page.getByRole('table', { name: 'Services' })
      await table
        .getByRole('row')
        .filter({ hasText: 'omega' })
        .getByText('Public (allUsers)')
        .waitFor()
      await selectRows(page, 'service', ['alpha', 'beta'])
      await page.getByRole('button', { name: 'Grant access to 2 services' }).click()
      const panel = page.getByRole('region', { name: 'Add principals to 2 services' })
      await panel
        .getByRole('note')
        .filter({ hasText: 'it needs run.services.setIamPolicy, which you do not have' })
        .waitFor()
      await expect(panel.getByLabel('New principals').isDisabled()).resolves.toBe(true)
      await expect(
        panel.getByRole('button', { name: 'Save', exact: true }).isDisabled(),
      ).resolves.toBe(true)

      await page.goto(`${server.url}/console/projects/${P}/locations/${L}/services/omega/security`)
      await page.getByLabel('Public access state').filter({ hasText: 'allUsers' }).waitFor()
      await page
        .getByRole('note')
        .filter({ hasText: 'it needs run.services.update and run.services.setIamPolicy' })
        .waitFor()
      await expect(page.getByLabel('Allow public access').isDisabled()).resolves.toBe(true)
      await expect(
        page.getByRole('button', { name: 'Save', exact: true }).isDisabled(),
      ).resolves.toBe(true)
    } finally {
      await page.close()
    }
  })

  it('a permission revoked after the form opened: each resource shows the server’s 403 in words', async () => {
    const { browser, server } = c
    const page = await browser.newPage()
    try {
      await signInAs(page, server, MIA)
      await openList(page, server)
      await selectRows(page, 'service', ['alpha', 'beta'])
      await page.getByRole('button', { name: 'Grant access to 2 services' }).click()
      const panel = page.getByRole('region', { name: 'Add principals to 2 services' })
      await panel.getByLabel('New principals').fill('user:lee@example.com')
      await roleBox(page, 'Cloud Run Invoker', 'roles/run.invoker').check()
      const save = panel.getByRole('button', { name: 'Save', exact: true })
      await expect(save.isEnabled()).resolves.toBe(true)
      const project = await rest<Policy>(
        server,
        ADMIN,
        'POST',
        `/v1/projects/${P}:getIamPolicy`,
        {},
      )
      await rest(server, ADMIN, 'POST', `/v1/projects/${P}:setIamPolicy`, {
        policy: {
          etag: project.etag,
          bindings: (project.bindings ?? []).filter((b) => b.role !== 'roles/run.admin'),
        },
      })
      await save.click()
      await panel.getByRole('status').filter({ hasText: '2 of 2 could not be changed' }).waitFor()
      for (const s of ['alpha', 'beta'])
        await expect(resultOf(page, s).textContent()).resolves.toMatch(
          /You do not have permission to do this: .*run\.services\.(get|set)IamPolicy/,
        )
      expect(
        membersOf(await policyOf(server, `${LOC}/services/alpha`), 'roles/run.invoker'),
      ).not.toContain('user:lee@example.com')
      // The permission given back, "Retry" applies the change to the ones that failed.
      const now = await rest<Policy>(server, ADMIN, 'POST', `/v1/projects/${P}:getIamPolicy`, {})
      await rest(server, ADMIN, 'POST', `/v1/projects/${P}:setIamPolicy`, {
        policy: {
          etag: now.etag,
          bindings: [
            ...(now.bindings ?? []),
            { role: 'roles/run.admin', members: [`user:${MIA}`] },
          ],
        },
      })
      await panel.getByRole('button', { name: 'Retry the 2 that failed' }).click()
      await panel.getByRole('status').filter({ hasText: 'Done: all 2 saved.' }).waitFor()
      for (const s of ['alpha', 'beta'])
        expect(
          membersOf(await policyOf(server, `${LOC}/services/${s}`), 'roles/run.invoker'),
        ).toContain('user:lee@example.com')
    } finally {
      await page.close()
    }
  })

  it('works from the keyboard: Space selects and ticks, focus lands in the form and on Cancel', async () => {
    const { page, server } = c
    await openList(page, server)
    for (const s of ['alpha', 'gamma']) {
      await page.getByLabel(`Select service ${s}`, { exact: true }).focus()
      await page.keyboard.press('Space')
    }
    await page.getByRole('button', { name: 'Grant access to 2 services' }).focus()
    await page.keyboard.press('Enter')
    const panel = page.getByRole('region', { name: 'Add principals to 2 services' })
    await roleBox(page, 'Cloud Run Invoker', 'roles/run.invoker').waitFor()
    // The principals field has the focus; Tab goes on to the first role.
    await page.keyboard.type('allAuthenticatedUsers')
    await expect(panel.getByLabel('New principals').inputValue()).resolves.toBe(
      'allAuthenticatedUsers',
    )
    await page.keyboard.press('Tab')
    await page.keyboard.press('Space')
    await expect(roleBox(page, 'Cloud Run Invoker', 'roles/run.invoker').isChecked()).resolves.toBe(
      true,
    )
    await panel.getByRole('button', { name: 'Save', exact: true }).focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Allow public access?' })
    await dialog.waitFor()
    // The safe choice has the focus; Tab reaches the confirmation, Enter presses it.
    const focused = () => page.evaluate<string>('document.activeElement?.textContent ?? ""')
    await expect(focused()).resolves.toBe('Cancel')
    await page.keyboard.press('Tab')
    await expect(focused()).resolves.toBe('Allow public access')
    await page.keyboard.press('Enter')
    await panel.getByRole('status').filter({ hasText: 'Done: all 2 saved.' }).waitFor()
    for (const s of ['alpha', 'gamma'])
      expect(
        membersOf(await policyOf(server, `${LOC}/services/${s}`), 'roles/run.invoker'),
      ).toContain('allAuthenticatedUsers')
    await page
      .getByRole('table', { name: 'Services' })
      .getByRole('row')
      .filter({ hasText: 'gamma' })
      .getByText('Public (allAuthenticatedUsers)')
      .waitFor()
  })

  it('an organization policy that forbids disabling the invoker check is shown in words', async () => {
    const { page, server } = c
    await rest(server, ADMIN, 'POST', `/v2/projects/${P}/policies`, {
      name: `projects/${P}/policies/run.managed.requireInvokerIam`,
      spec: { rules: [{ enforce: true }] },
    })
    await page.goto(`${server.url}/console/projects/${P}/locations/${L}/services/beta/security`)
    await page.getByLabel('Allow public access').check()
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    await page
      .getByRole('dialog', { name: 'Allow public access?' })
      .getByRole('button', { name: 'Allow public access' })
      .click()
    const alert = page.getByRole('alert')
    await alert
      .filter({
        hasText:
          'An organization policy does not allow this (constraints/run.managed.requireInvokerIam)',
      })
      .waitFor()
    await expect(alert.textContent()).resolves.toContain('cannot disable the invoker IAM check')
    await expect(alert.getByRole('button', { name: 'Reload and retry' }).count()).resolves.toBe(0)
    expect(await anonymousStatus(server, 'beta')).toBe(403)
  })

  it('a list longer than its first screenful: every row comes, and a late row selects and counts', async () => {
    // The table renders its first 40 rows at once and the rest in steps (use-progressive-count.ts);
    // its rows are memoised. 170 jobs (172 rows): the rows past the first must all arrive, in name
    // order, be selectable from the mouse and the keyboard, and count with the rest; "Select all",
    // pressed as soon as the table shows, must cover every row, not only those rendered by then,
    // and the rows that arrive later show it.
    const { page, server } = c
    const many = Array.from({ length: 170 }, (_, i) => `batch-${String(i).padStart(3, '0')}`)
    for (const id of many)
      await rest(server, ADMIN, 'POST', `/v2/${LOC}/jobs?jobId=${id}`, {
        template: {
          template: { containers: [{ image: 'us-docker.pkg.dev/cloudrun/container/hello' }] },
        },
      })
    const names = [...many, 'nightly', 'weekly']
    const total = names.length
    // The page asks for the list once: the request made as the console starts is the one it shows.
    const listed: string[] = []
    const onRequest = (r: { url(): string }): void => {
      if (r.url().includes('/locations/-/jobs')) listed.push(r.url())
    }
    page.on('request', onRequest)
    try {
      await openList(page, server, 'jobs')
      const all = page.getByLabel('Select all jobs', { exact: true })
      await all.check()
      await page.getByRole('button', { name: `Grant access to ${total} jobs` }).waitFor()
      const rows = page.getByRole('table', { name: 'Jobs' }).locator('tbody tr')
      await expect.poll(() => rows.count()).toBe(total)
      expect(listed).toHaveLength(1)
      await expect(rows.locator('td:nth-child(2)').allTextContents()).resolves.toEqual(names)
      await expect(page.getByLabel('Select job weekly', { exact: true }).isChecked()).resolves.toBe(
        true,
      )
      await all.uncheck()
      await page.getByRole('button', { name: /^Grant access to/ }).waitFor({ state: 'detached' })
    } finally {
      page.off('request', onRequest)
    }
    await page.getByLabel('Select all jobs', { exact: true }).check()
    await page.getByLabel('Select job batch-165', { exact: true }).uncheck()
    await page.getByRole('button', { name: `Grant access to ${total - 1} jobs` }).waitFor()
    await expect(page.getByLabel('Select all jobs', { exact: true }).isChecked()).resolves.toBe(
      false,
    )
    await expect(
      page.getByLabel('Select job batch-000', { exact: true }).isChecked(),
    ).resolves.toBe(true)
    // A late row from the keyboard: Space ticks it again.
    await page.getByLabel('Select job batch-165', { exact: true }).focus()
    await page.keyboard.press('Space')
    await page.getByRole('button', { name: `Grant access to ${total} jobs` }).waitFor()
    // The "Last changed" cell of a late row is a date in words, not "Invalid Date".
    const last = await page
      .getByRole('table', { name: 'Jobs' })
      .locator('tbody tr')
      .filter({ hasText: 'batch-169' })
      .locator('td.last-changed')
      .textContent()
    expect(last).toMatch(/\d{4}/)
    expect(last).not.toContain('Invalid')
    await page.getByLabel('Select all jobs', { exact: true }).uncheck()
    await page.getByRole('button', { name: /^Grant access to/ }).waitFor({ state: 'detached' })
  })

  it('printed no unexpected error in the browser', () => {
    // The failed calls the tests provoke (400, 403, 404, 409, 412) are logged by Chromium.
    expect(c.browser.errors.filter((e) => !/\b(400|403|404|409|412)\b/.test(e))).toEqual([])
  })
})
