// Who has access, in a real browser against a real `runiam serve --dev` (answers from Cloud Asset's
// analyzeIamPolicy): a principal's roles on every resource and why (direct, through a group,
// inherited from the project or organization), and who may invoke a service, with a public service
// (allUsers) and a service whose invoker check is disabled said plainly. Also the sign-in and
// projects screenshots for docs/console.md.
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ServerProcess } from '../harness.js'
import {
  describeConsole,
  launchBrowser,
  openConsole,
  rest,
  type ConsoleSession,
} from './console-harness.js'
import { screenshot } from './screenshots.js'

const ADMIN = 'admin@example.com'
const P = 'access-prod'
const LOC = `projects/${P}/locations/us-central1`
const DISCUSSION = 'cloudidentity.googleapis.com/groups.discussion_forum'

async function grant(server: ServerProcess, resource: string, role: string, member: string) {
  // Cloud Run's getIamPolicy is GET; Resource Manager's is POST.
  const p = resource.includes('/services/')
    ? await rest<{ bindings?: unknown[]; etag: string }>(
        server,
        ADMIN,
        'GET',
        `/v2/${resource}:getIamPolicy`,
      )
    : await rest<{ bindings?: unknown[]; etag: string }>(
        server,
        ADMIN,
        'POST',
        `/v1/${resource}:getIamPolicy`,
        {},
      )
  const version = resource.includes('/services/') ? 'v2' : 'v1'
  await rest(server, ADMIN, 'POST', `/${version}/${resource}:setIamPolicy`, {
    policy: { bindings: [...(p.bindings ?? []), { role, members: [member] }], etag: p.etag },
  })
}

describeConsole('console who has access', () => {
  let c: ConsoleSession

  beforeAll(async () => {
    c = await openConsole(ADMIN, {
      setup: async (server) => {
        await rest(server, ADMIN, 'POST', '/v1/projects', { projectId: P, name: 'Access' })
        for (const [id, extra] of [
          ['web', {}],
          ['open', {}],
          ['nocheck', { invokerIamDisabled: true }],
        ] as const) {
          await rest(server, ADMIN, 'POST', `/v2/${LOC}/services?serviceId=${id}`, {
            template: { containers: [{ image: 'x' }] },
            ...extra,
          })
        }
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
        await grant(server, `${LOC}/services/web`, 'roles/run.invoker', 'group:eng@example.com')
        await grant(server, `${LOC}/services/web`, 'roles/run.developer', 'user:alice@example.com')
        await grant(server, `projects/${P}`, 'roles/run.viewer', 'user:alice@example.com')
        await grant(server, `${LOC}/services/open`, 'roles/run.invoker', 'allUsers')
        await grant(server, `projects/${P}`, 'roles/cloudasset.viewer', 'user:bob@example.com')
      },
    })
  }, 90_000)
  afterAll(async () => c?.close())

  it('takes the sign-in and projects screenshots', async () => {
    const { page, server } = c
    const fresh = await launchBrowser()
    try {
      const signIn = await fresh.newPage()
      await signIn.goto(`${server.url}/console/`)
      await signIn.getByLabel('Email').fill('alice@example.com')
      await screenshot(signIn, 'sign-in')
    } finally {
      await fresh.close()
    }
    await page.goto(`${server.url}/console/`)
    await page.getByRole('table', { name: 'Projects' }).getByRole('link', { name: P }).waitFor()
    await screenshot(page, 'projects')
  })

  it("shows a principal's roles on every resource, and why", async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/access`)
    await page.getByLabel('Principal', { exact: true }).fill('alice@example.com')
    await page.getByText('Add a type: user:alice@example.com').waitFor()
    await expect(page.getByRole('button', { name: 'Show access' }).isDisabled()).resolves.toBe(true)
    await page.getByLabel('Principal', { exact: true }).fill('user:alice@example.com')
    await page.getByRole('button', { name: 'Show access' }).click()
    const table = page.getByRole('table', { name: 'Access' })
    await table.waitFor()
    const rowOf = (resource: string, role: string) =>
      table
        .getByRole('row')
        .filter({ has: page.getByRole('cell', { name: resource, exact: true }) })
        .filter({ hasText: role })
    // Through the group, on the service itself.
    await expect(
      rowOf('service web (access-prod, us-central1)', 'roles/run.invoker').textContent(),
    ).resolves.toContain('Through group eng@example.com')
    // Direct, on the service.
    await expect(
      rowOf('service web (access-prod, us-central1)', 'roles/run.developer').textContent(),
    ).resolves.toMatch(/DirectGranted on this resource/)
    // Inherited from the project, on each service under it.
    await expect(
      rowOf('service open (access-prod, us-central1)', 'roles/run.viewer').textContent(),
    ).resolves.toContain(`Inherited from project ${P}`)
    // Public: allUsers reaches alice too.
    await expect(
      rowOf('service open (access-prod, us-central1)', 'roles/run.invoker').textContent(),
    ).resolves.toContain('Public: allUsers')
    expect(new URL(page.url()).searchParams.get('principal')).toBe('user:alice@example.com')
    await screenshot(page, 'who-has-access')
  })

  it('shows who may invoke a private service, through groups', async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/access?service=${LOC}/services/web`)
    await page.getByText('Only the principals below may invoke web.').waitFor()
    const table = page.getByRole('table', { name: 'Invokers' })
    const alice = table.getByRole('row').filter({ hasText: 'user:alice@example.com' })
    await expect(alice.filter({ hasText: 'roles/run.invoker' }).textContent()).resolves.toContain(
      'Through group eng@example.com',
    )
    // run.developer holds run.routes.invoke too: a direct grant.
    await expect(alice.filter({ hasText: 'roles/run.developer' }).textContent()).resolves.toContain(
      'Direct',
    )
    await expect(
      table.getByRole('row').filter({ hasText: 'group:eng@example.com' }).count(),
    ).resolves.toBe(1)
    // The organization's owner may invoke everything: inherited.
    await expect(
      table
        .getByRole('row')
        .filter({ hasText: `user:${ADMIN}` })
        .first()
        .textContent(),
    ).resolves.toContain('Inherited from')
    await screenshot(page, 'who-may-invoke')
  })

  it('says plainly that anyone may invoke a public service or one without the check', async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/access?service=${LOC}/services/open`)
    await page.getByText('Anyone can invoke open.').waitFor()
    await page.getByText('allUsers holds roles/run.invoker').waitFor()
    await page.getByRole('tab', { name: 'Who may invoke a service' }).waitFor()
    await page.getByLabel('Service', { exact: true }).fill('nocheck')
    await page.getByRole('button', { name: 'Show invokers' }).click()
    await page.getByText('Anyone can invoke nocheck.').waitFor()
    await page.getByText('Its invoker IAM check is disabled').waitFor()
  })

  it('shows a caller without Cloud Asset permission the server refusing, in words', async () => {
    const { browser, server } = c
    const page = await browser.newPage()
    page.setDefaultTimeout(10_000)
    try {
      await page.goto(`${server.url}/console/`)
      await page.getByLabel('Email').fill('alice@example.com')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByLabel('Signed in as').waitFor()
      await page.goto(
        `${server.url}/console/access?principal=${encodeURIComponent('user:alice@example.com')}&scope=projects/${P}`,
      )
      const alert = page.getByRole('alert')
      await alert.getByText('You do not have permission to do this').waitFor()
      await expect(alert.textContent()).resolves.toContain('cloudasset.assets.analyzeIamPolicy')
    } finally {
      await page.close()
    }
  })

  it('refuses a crafted scope or service that would move the request to another API path', async () => {
    const { page, server } = c
    const paths: string[] = []
    const watch = (r: { url(): string }) => paths.push(new URL(r.url()).pathname)
    page.on('request', watch)
    page.setDefaultTimeout(10_000)
    try {
      await page.goto(
        `${server.url}/console/access?principal=user:alice@example.com&scope=${encodeURIComponent('projects/../../v1/projects/access-prod')}`,
      )
      await page.getByRole('alert').getByText('is not a place to look').waitFor()
      await page.goto(`${server.url}/console/access?service=projects/${P}/locations/../services/..`)
      await page.getByRole('alert').getByText('".." is not a valid region.').waitFor()
    } finally {
      page.off('request', watch)
      page.setDefaultTimeout(30_000)
    }
    const api = paths.filter((x) => !x.startsWith('/console'))
    expect(api.filter((x) => x.includes('..') || x.includes(':analyzeIamPolicy'))).toEqual([])
    expect(api.some((x) => x.startsWith('/v2/'))).toBe(false)
  })

  it('says when the answer may be incomplete (groups the viewer may not list)', async () => {
    const { browser, server } = c
    const page = await browser.newPage()
    page.setDefaultTimeout(10_000)
    try {
      await page.goto(`${server.url}/console/`)
      await page.getByLabel('Email').fill('bob@example.com')
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.getByLabel('Signed in as').waitFor()
      await page.goto(
        `${server.url}/console/access?service=${LOC}/services/web&scope=projects/${P}`,
      )
      await page.getByRole('table', { name: 'Invokers' }).waitFor()
      await page.getByText('This answer may be incomplete').waitFor()
      // The group itself is still listed; its members are not expanded for bob.
      const table = page.getByRole('table', { name: 'Invokers' })
      await expect(
        table.getByRole('row').filter({ hasText: 'group:eng@example.com' }).count(),
      ).resolves.toBe(1)
      await expect(
        table
          .getByRole('row')
          .filter({ hasText: 'user:alice@example.com' })
          .filter({ hasText: 'roles/run.invoker' })
          .count(),
      ).resolves.toBe(0)
    } finally {
      await page.close()
    }
  })
})
