// DNS rebinding, in a real browser against a real `runiam serve --dev`: Chromium resolves
// attacker.example to 127.0.0.1 (as an attacker's DNS would after the page loaded), so a script at
// http://attacker.example:PORT is same-origin with the developer's loopback server and can read
// what it answers. It must not get a dev login (which would be an owner's token, and with local
// processes a command on the machine): the server answers the dev login for loopback Hosts only.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startServer, type ServerProcess } from '../harness.js'
import { CHROMIUM, CHROMIUM_ARGS, describeConsole, readSession } from './console-harness.js'

describeConsole('console and DNS rebinding (--dev)', () => {
  let server: ServerProcess
  let context: BrowserContext
  let page: Page
  let profile = ''
  let attackerOrigin = ''

  beforeAll(async () => {
    server = await startServer()
    attackerOrigin = `http://attacker.example:${new URL(server.url).port}`
    profile = mkdtempSync(join(tmpdir(), 'runiam-chromium-'))
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP attacker.example 127.0.0.1'],
    })
    context.setDefaultTimeout(10_000)
    page = await context.newPage()
  }, 90_000)

  afterAll(async () => {
    await context?.close()
    rmSync(profile, { recursive: true, force: true })
    await server?.stop()
  })

  it('a script at the rebound origin reads no token from the dev login', async () => {
    await page.goto(`${attackerOrigin}/console/`)
    // What the attacker's script would run, same-origin with the server now.
    const answer = await page.evaluate(async () => {
      const res = await fetch('/token', {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
          subject: 'admin@example.com',
        }),
      })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    })
    expect(answer.status).toBe(400)
    expect(answer.body['access_token']).toBeUndefined()
    expect(String(answer.body['error_description'])).toContain('attacker.example')
  })

  it('the console opened at that name cannot sign in, and says why', async () => {
    await page.goto(`${attackerOrigin}/console/`)
    await page.getByLabel('Email').fill('admin@example.com')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByText('only served at a loopback address').waitFor()
    await expect(readSession(page)).resolves.toBeUndefined()
  })
})
