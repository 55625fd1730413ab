// Browser tests of the web console: a real `runiam serve` (e2e/src/harness.ts) and Debian's
// Chromium driven by playwright-core, each test file with a fresh browser profile. Other console
// tests reuse openConsole() ("start server + browser + sign in as EMAIL") and rest() to check
// through the REST API what the pages did.
// Chromium missing: the suites fail under CI (.ci/run installs it) and are skipped loudly elsewhere.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { describe } from 'vitest'
import { startServer, type ServerProcess } from '../harness.js'

export const CHROMIUM = '/usr/bin/chromium'

const ci = process.env['CI'] === 'true'
const missing = !existsSync(CHROMIUM)
if (missing && !ci) {
  console.warn(
    '\n*** console e2e: SKIPPED — Chromium is not installed (apt-get install chromium chromium-driver); CI installs it ***\n',
  )
}

/** `describe`, or `describe.skip` where Chromium is missing outside CI. */
export function describeConsole(name: string, suite: () => void): void {
  if (missing && !ci) describe.skip(name, suite)
  else describe(name, suite)
}

/** The flags every console test runs Chromium with: headless, quiet, nothing fetched. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export interface Browser {
  readonly context: BrowserContext
  /** Pages the browser printed errors on (console.error and uncaught exceptions), for asserts. */
  readonly errors: string[]
  newPage(): Promise<Page>
  close(): Promise<void>
}

/** Chromium with a fresh profile folder (removed on close). */
export async function launchBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'runiam-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  })
  // Well under the test timeout, so a missing element fails with Playwright's own message.
  context.setDefaultTimeout(10_000)
  const errors: string[] = []
  const watch = (page: Page): void => {
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`))
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`)
    })
  }
  context.on('page', watch)
  context.pages().forEach(watch)
  return {
    context,
    errors,
    newPage: () => context.newPage(),
    async close() {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** A dev-login access token for `email` (what the console's dev sign-in gets too). */
export async function devToken(server: ServerProcess, email: string): Promise<string> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: email,
    }),
  })
  if (res.status !== 200)
    throw new Error(`dev login of ${email}: ${res.status} ${await res.text()}`)
  return ((await res.json()) as { access_token: string }).access_token
}

/** A REST call as `email` (dev login); throws on a non-2xx answer unless `allow` lists it. */
export async function rest<T = unknown>(
  server: ServerProcess,
  email: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await devToken(server, email)}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} ${path} as ${email}: ${res.status} ${text}`)
  return (text === '' ? {} : JSON.parse(text)) as T
}

export const SESSION_KEY = 'runiam.console.session'

/** The console's stored session in `page` (sessionStorage), or undefined when signed out. */
export async function readSession(
  page: Page,
): Promise<{ token: string; email: string; expiresAt?: number } | undefined> {
  const text = await page.evaluate<string | null>(
    `sessionStorage.getItem(${JSON.stringify(SESSION_KEY)})`,
  )
  return text === null ? undefined : (JSON.parse(text) as { token: string; email: string })
}

/** Overwrites fields of the stored session (to make it expired, or its token forged). */
export async function editSession(page: Page, fields: Record<string, unknown>): Promise<void> {
  const current = (await readSession(page)) ?? {}
  const next = JSON.stringify({ ...current, ...fields })
  await page.evaluate(
    `sessionStorage.setItem(${JSON.stringify(SESSION_KEY)}, ${JSON.stringify(next)})`,
  )
}

/** The keys in the page's sessionStorage and localStorage. */
export function storageKeys(page: Page): Promise<{ session: string[]; local: string[] }> {
  return page.evaluate(
    '({ session: Object.keys(sessionStorage), local: Object.keys(localStorage) })',
  )
}

/** Signs in on the console's dev sign-in page and waits for the signed-in header. */
export async function signInAs(page: Page, server: ServerProcess, email: string): Promise<void> {
  await page.goto(`${server.url}/console/`)
  await page.getByLabel('Email').fill(email)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByLabel('Signed in as').filter({ hasText: email }).waitFor()
}

export interface ConsoleSession {
  readonly server: ServerProcess
  readonly browser: Browser
  readonly page: Page
  /** Stops the browser and the server. */
  close(): Promise<void>
}

/**
 * Starts `runiam serve --dev` on a fresh data folder and Chromium, and signs in as `email`.
 * `setup` runs before the browser opens (create projects, services, grants through rest()).
 */
export async function openConsole(
  email: string,
  options: { setup?: (server: ServerProcess) => Promise<void>; serverFlags?: string[] } = {},
): Promise<ConsoleSession> {
  const server = await startServer(options.serverFlags ?? [])
  try {
    await options.setup?.(server)
    const browser = await launchBrowser()
    try {
      const page = await browser.newPage()
      await signInAs(page, server, email)
      return {
        server,
        browser,
        page,
        async close() {
          await browser.close()
          await server.stop()
        },
      }
    } catch (err) {
      await browser.close()
      throw err
    }
  } catch (err) {
    await server.stop()
    throw err
  }
}
