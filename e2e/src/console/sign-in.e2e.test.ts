// The console's way in, in a real browser against a real server: dev sign-in by email, the
// projects list, sign-out, an expired or refused token sending the user back with a message, and
// (without --dev) a pasted access token or a service account key file signed in the browser.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startServer, type ServerProcess } from '../harness.js'
import {
  describeConsole,
  editSession,
  launchBrowser,
  openConsole,
  readSession,
  rest,
  storageKeys,
  type Browser,
  type ConsoleSession,
} from './console-harness.js'

const ADMIN = 'admin@example.com'

describeConsole('console sign-in with --dev', () => {
  let c: ConsoleSession

  beforeAll(async () => {
    c = await openConsole(ADMIN, {
      setup: async (server) => {
        await rest(server, ADMIN, 'POST', '/v1/projects', {
          projectId: 'console-one',
          name: 'Console one',
        })
        await rest(server, ADMIN, 'POST', '/v1/projects', { projectId: 'console-two' })
      },
    })
  }, 90_000)
  afterAll(async () => c?.close())

  it('shows the signed-in email and the projects the user can see', async () => {
    const { page } = c
    await expect(page.getByLabel('Signed in as').textContent()).resolves.toBe(ADMIN)
    const table = page.getByRole('table', { name: 'Projects' })
    await table.getByRole('link', { name: 'console-one' }).waitFor()
    await expect(table.getByRole('link', { name: 'console-two' }).count()).resolves.toBe(1)
    await expect(
      table.getByRole('row').filter({ hasText: 'console-one' }).textContent(),
    ).resolves.toContain('Console one')
    await expect(page.title()).resolves.toBe('Projects – runiam')
  })

  it('keeps the token in sessionStorage only', async () => {
    const { page } = c
    const stored = await storageKeys(page)
    expect(stored.local).toEqual([])
    expect(stored.session).toContain('runiam.console.session')
  })

  it('opens a deep link and follows links without reloading', async () => {
    const { page, server } = c
    await page.goto(`${server.url}/console/projects/console-one`)
    await page.getByRole('heading', { name: 'Cloud Run' }).waitFor()
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Projects' })
      .click()
    await page.getByRole('link', { name: 'console-two' }).click()
    await page.getByText('Project console-two').waitFor()
    expect(new URL(page.url()).pathname).toBe('/console/projects/console-two')
    await page.goBack()
    await page.getByRole('table', { name: 'Projects' }).waitFor()
  })

  it('sends an expired session back to sign-in, saying why', async () => {
    const { page, server } = c
    await editSession(page, { expiresAt: Date.now() - 60_000 })
    await page.goto(`${server.url}/console/`)
    await page.getByText('Your session has expired. Sign in again.').waitFor()
    await page.getByLabel('Email').waitFor()
  })

  it('sends a token the server refuses back to sign-in, saying why', async () => {
    const { page, server } = c
    await page.getByLabel('Email').fill(ADMIN)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByLabel('Signed in as').waitFor()
    await editSession(page, { token: 'forged' })
    await page.goto(`${server.url}/console/`)
    await page.getByText('Your session has expired. Sign in again.').waitFor()
  })

  it('signs out: the token is gone', async () => {
    const { page } = c
    await page.getByLabel('Email').fill('bob@example.com')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect(page.getByLabel('Signed in as').textContent()).resolves.toBe('bob@example.com')
    // bob holds no role: he sees no project, and is told so.
    await page.getByText('You can see no projects').waitFor()
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Email').waitFor()
    await expect(storageKeys(page)).resolves.toEqual({ session: [], local: [] })
  })

  it('refuses an address the server does not take for an email, with the server’s reason', async () => {
    const { page } = c
    // The browser's own check accepts a one-label domain; the server's does not.
    await page.getByLabel('Email').fill('alice@localhost')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('alert').filter({ hasText: 'Invalid subject [alice@localhost]' }).waitFor()
    await expect(page.getByLabel('Signed in as').count()).resolves.toBe(0)
  })

  it('printed no error in the browser (a CSP violation would be one)', () => {
    expect(c.browser.errors.filter((e) => !e.includes('401') && !e.includes('400'))).toEqual([])
  })
})

describeConsole('console sign-in without --dev', () => {
  let server: ServerProcess
  let browser: Browser

  beforeAll(async () => {
    server = await startServer([], { dev: false })
    browser = await launchBrowser()
  }, 90_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('signs in with a service account key file, signed in the browser', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    await page.getByLabel('Access token').waitFor()
    await expect(page.getByLabel('Email').count()).resolves.toBe(0)
    await page.getByLabel('Service account key file (JSON)').setInputFiles(server.bootstrapKeyFile)
    const email = (
      JSON.parse(readFileSync(server.bootstrapKeyFile, 'utf8')) as { client_email: string }
    ).client_email
    await expect(page.getByLabel('Signed in as').textContent()).resolves.toBe(email)
    await page.getByRole('heading', { name: 'Projects' }).waitFor()
    await page.close()
  })

  it('signs in with a pasted access token, and refuses one the server does not accept', async () => {
    const first = await browser.newPage()
    await first.goto(`${server.url}/console/`)
    await first.getByLabel('Service account key file (JSON)').setInputFiles(server.bootstrapKeyFile)
    await first.getByLabel('Signed in as').waitFor()
    const token = (await readSession(first))?.token ?? ''
    await first.close()

    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    await page
      .getByLabel('Access token')
      .fill('eyJhbGciOiJub25lIn0.eyJlbWFpbCI6Im1hbGxvcnlAZXZpbC5jb20ifQ.')
    await page.getByRole('button', { name: 'Sign in with token' }).click()
    await page.getByRole('alert').waitFor()
    await expect(page.getByLabel('Signed in as').count()).resolves.toBe(0)

    await page.getByLabel('Access token').fill(token)
    await page.getByRole('button', { name: 'Sign in with token' }).click()
    await page.getByRole('heading', { name: 'Projects' }).waitFor()
    await page.close()
  })

  it('refuses a file that is not a key file, saying so', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    await page.getByLabel('Service account key file (JSON)').setInputFiles({
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"hello": "world"}'),
    })
    await page.getByRole('alert').filter({ hasText: 'not a service account key file' }).waitFor()
    await page.close()
  })
})
