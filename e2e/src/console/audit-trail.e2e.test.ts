// A service's Audit tab in a real browser against a real `runiam serve --dev`: the service's
// audit entries newest first, who made each change, what changed in its policy (the entries'
// policy deltas) and a refused attempt marked Denied.
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  describeConsole,
  devToken,
  openConsole,
  rest,
  type ConsoleSession,
} from './console-harness.js'

const ADMIN = 'admin@example.com'
const P = 'audit-console'
const SVC = `projects/${P}/locations/us-central1/services/web`

describeConsole('console audit trail', () => {
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
        const p = await rest<{ etag: string }>(server, ADMIN, 'GET', `/v2/${SVC}:getIamPolicy`)
        await rest(server, ADMIN, 'POST', `/v2/${SVC}:setIamPolicy`, {
          policy: {
            bindings: [{ role: 'roles/run.invoker', members: ['allUsers'] }],
            etag: p.etag,
          },
        })
        await fetch(`${server.url}/v2/${SVC}:setIamPolicy`, {
          method: 'POST',
          headers: { authorization: `Bearer ${await devToken(server, 'mallory@example.com')}` },
          body: JSON.stringify({ policy: { bindings: [] } }),
        })
      },
    })
  }, 90_000)
  afterAll(async () => c?.close())

  it("lists the service's changes, who made them, the policy delta and a denied attempt", async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/projects/${P}/locations/us-central1/services/web`)
    await page
      .getByRole('navigation', { name: 'Service' })
      .getByRole('link', { name: 'Audit', exact: true })
      .click()
    const table = page.getByRole('table', { name: 'Audit trail' })
    await table.waitFor()
    const rows = table.getByRole('row')
    // Header, the denied attempt, the grant, the create.
    await expect(rows.count()).resolves.toBe(4)
    await expect(rows.nth(1).textContent()).resolves.toContain('mallory@example.com')
    await expect(rows.nth(1).textContent()).resolves.toContain('Denied')
    await expect(rows.nth(2).textContent()).resolves.toContain('SetIamPolicy (v2)')
    await expect(rows.nth(2).textContent()).resolves.toContain('+ roles/run.invoker allUsers')
    await expect(rows.nth(3).textContent()).resolves.toContain('CreateService (v2)')
    await expect(rows.nth(3).textContent()).resolves.toContain(ADMIN)
  })
})
