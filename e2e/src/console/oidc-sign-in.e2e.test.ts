// Sign-in to the console through a trusted issuer's login page, in a real browser against a real
// `runiam serve` (no --dev) configured with a test OpenID provider started here: authorization
// code + PKCE, the state and nonce checked in the browser, the ID token verified by the API. The
// attacks stay as tests: a forged state, a foreign nonce, an issuer that is not configured, the
// login options leaking more than public settings, a wrong PKCE verifier.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { keyFileUser, startServer, type ServerProcess } from '../harness.js'
import {
  describeConsole,
  launchBrowser,
  readSession,
  storageKeys,
  type Browser,
} from './console-harness.js'
import { startTestOidcProvider, type TestOidcProvider } from './test-oidc-provider.js'

const PROJECT = 'oidc-proj'
const ALICE = 'alice@example.com'

describeConsole('console sign-in through a trusted OIDC issuer', () => {
  let idp: TestOidcProvider
  /** Trusted for the gateway only, with no console login: never offered, never exchanged. */
  let stranger: TestOidcProvider
  let server: ServerProcess
  let browser: Browser
  let configDir: string

  beforeAll(async () => {
    idp = await startTestOidcProvider()
    stranger = await startTestOidcProvider()
    configDir = mkdtempSync(join(tmpdir(), 'runiam-oidc-'))
    const config = join(configDir, 'runiam.yaml')
    writeFileSync(
      config,
      [
        'trustedIssuers:',
        `  - issuer: ${idp.issuer}`,
        `    jwksUri: ${idp.issuer}/jwks`,
        `    apiAudiences: [${idp.clientId}]`,
        `    consoleLogin: { clientId: ${idp.clientId}, displayName: Test IdP }`,
        '',
      ].join('\n'),
    )
    server = await startServer(['--config', config], { dev: false })
    const owner = await keyFileUser(server, server.bootstrapKeyFile, PROJECT)
    for (const args of [
      ['projects', 'create', PROJECT],
      [
        'projects',
        'add-iam-policy-binding',
        PROJECT,
        `--member=user:${ALICE}`,
        '--role=roles/viewer',
      ],
    ]) {
      const r = await owner.run(args)
      expect(r.code, r.stderr).toBe(0)
    }
    browser = await launchBrowser()
  }, 120_000)
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await idp?.close()
    await stranger?.close()
    if (configDir !== undefined) rmSync(configDir, { recursive: true, force: true })
  })

  it('signs in at the issuer and shows the projects list', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()
    await page.getByRole('heading', { name: 'Test IdP' }).waitFor()
    const authorize = new URL(page.url())
    expect(authorize.origin).toBe(idp.issuer)
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${server.url}/console/oidc-callback`)
    await page.getByRole('link', { name: `Sign in as ${ALICE}` }).click()
    await expect(page.getByLabel('Signed in as').textContent()).resolves.toBe(ALICE)
    await page
      .getByRole('table', { name: 'Projects' })
      .getByRole('link', { name: PROJECT })
      .waitFor()
    expect(new URL(page.url()).pathname).toBe('/console/')
    // The session's bearer is the issuer's ID token; the pending login (verifier) is gone.
    const session = await readSession(page)
    const claims = JSON.parse(
      Buffer.from(session?.token.split('.')[1] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>
    expect(claims['iss']).toBe(idp.issuer)
    await expect(storageKeys(page)).resolves.toEqual({
      session: ['runiam.console.session'],
      local: [],
    })
    // A link to the callback (someone else's code, say) neither signs this tab out nor in again.
    await page.goto(`${server.url}/console/oidc-callback?code=attacker-code&state=x`)
    await page
      .getByRole('table', { name: 'Projects' })
      .getByRole('link', { name: PROJECT })
      .waitFor()
    await expect(readSession(page)).resolves.toEqual(session)
    await page.close()
  })

  it('refuses a callback whose state is not the one this tab sent, before any exchange', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()
    const link = page.getByRole('link', { name: `Sign in as ${ALICE}` })
    const back = new URL((await link.getAttribute('href')) ?? '')
    back.searchParams.set('state', 'forged-state')
    const before = idp.tokenRequests()
    await page.goto(back.href)
    await page.getByText('its state does not match').waitFor()
    await expect(page.getByLabel('Signed in as').count()).resolves.toBe(0)
    expect(await readSession(page)).toBeUndefined()
    expect(idp.tokenRequests()).toBe(before)
    // A return with no login started from this tab at all is refused too.
    await page.goto(`${server.url}/console/oidc-callback?code=x&state=y`)
    await page.getByText('was not started from this tab').waitFor()
    await page.close()
  })

  it('refuses an ID token whose nonce is not this sign-in’s', async () => {
    const page = await browser.newPage()
    idp.nonceOverride = 'nonce-of-another-sign-in'
    try {
      await page.goto(`${server.url}/console/`)
      await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()
      await page.getByRole('link', { name: `Sign in as ${ALICE}` }).click()
      await page.getByText('the ID token was not issued for this sign-in (nonce)').waitFor()
      expect(await readSession(page)).toBeUndefined()
    } finally {
      idp.nonceOverride = undefined
      await page.close()
    }
  })

  it('refuses a return that comes too long after the sign-in started', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()
    const href = await page.getByRole('link', { name: `Sign in as ${ALICE}` }).getAttribute('href')
    // Back on the console's origin (same tab, same sessionStorage), the login is made 11 minutes old.
    await page.goto(`${server.url}/console/`)
    await page.evaluate(`{
      const pending = JSON.parse(sessionStorage.getItem('runiam.console.oidc-pending'))
      pending.startedAt -= 11 * 60 * 1000
      sessionStorage.setItem('runiam.console.oidc-pending', JSON.stringify(pending))
    }`)
    const before = idp.tokenRequests()
    await page.goto(href ?? '')
    await page.getByText('The sign-in took too long and has expired').waitFor()
    expect(await readSession(page)).toBeUndefined()
    expect(idp.tokenRequests()).toBe(before)
    await page.close()
  })

  it('says in words when the sign-in is denied at the issuer', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()
    await page.getByRole('link', { name: 'Deny' }).click()
    await page.getByText('The sign-in was denied at the issuer: The user said no.').waitFor()
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).waitFor()
    expect(await readSession(page)).toBeUndefined()
    // An error in a crafted link (no sign-in started, no state) does not get its words shown.
    await page.goto(
      `${server.url}/console/oidc-callback?error=access_denied&error_description=Call+0800+now`,
    )
    await page.getByText('was not started from this tab').waitFor()
    await expect(page.getByText('Call 0800 now').count()).resolves.toBe(0)
    await page.close()
  })

  it('refuses at the API an ID token from an issuer that is not configured', async () => {
    const foreign = await stranger.sign({ email: ALICE, aud: idp.clientId })
    const res = await fetch(`${server.url}/v1/projects/${PROJECT}`, {
      headers: { authorization: `Bearer ${foreign}` },
    })
    expect(res.status).toBe(401)
    // The same token signed by the configured issuer's key passes: the refusal is the issuer's.
    const genuine = await idp.sign({ email: ALICE })
    const ok = await fetch(`${server.url}/v1/projects/${PROJECT}`, {
      headers: { authorization: `Bearer ${genuine}` },
    })
    expect(ok.status).toBe(200)
    // Nor does the server exchange a code at an issuer with no console login.
    const exchange = await fetch(`${server.url}/console/oidc-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        issuer: stranger.issuer,
        code: 'x',
        codeVerifier: 'v'.repeat(43),
        redirectUri: `${server.url}/console/oidc-callback`,
      }),
    })
    expect(exchange.status).toBe(400)
    const body = (await exchange.json()) as { error: { message: string; status: string } }
    expect(body.error.status).toBe('INVALID_ARGUMENT')
    expect(body.error.message).toContain(stranger.issuer)
    expect(stranger.tokenRequests()).toBe(0)
  })

  it('refuses a code exchange with the wrong PKCE verifier, in the issuer’s words', async () => {
    const page = await browser.newPage()
    await page.goto(`${server.url}/console/`)
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()
    const href = await page.getByRole('link', { name: `Sign in as ${ALICE}` }).getAttribute('href')
    await page.close()
    const code = new URL(href ?? '').searchParams.get('code') ?? ''
    const res = await fetch(`${server.url}/console/oidc-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        issuer: idp.issuer,
        code,
        codeVerifier: 'a'.repeat(43),
        redirectUri: `${server.url}/console/oidc-callback`,
      }),
    })
    expect(res.status).toBe(403)
    const text = await res.text()
    expect(text).toContain('PKCE verifier does not match')
    expect(text).not.toContain('id_token')
  })

  it('serves login options with public settings only, and never the issuer’s other tokens', async () => {
    const res = await fetch(`${server.url}/console/login-options.json`)
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({
      logins: [
        {
          issuer: idp.issuer,
          displayName: 'Test IdP',
          clientId: idp.clientId,
          authorizationEndpoint: `${idp.issuer}/authorize`,
        },
      ],
    })
    const post = await fetch(`${server.url}/console/login-options.json`, { method: 'POST' })
    expect(post.status).toBe(405)
    // A successful exchange answers the ID token alone: not the issuer's access or refresh token.
    const page = await browser.newPage()
    const answers: string[] = []
    page.on('response', (r) => {
      if (r.url().endsWith('/console/oidc-token')) void r.text().then((t) => answers.push(t))
    })
    await page.goto(`${server.url}/console/`)
    await page.getByRole('button', { name: 'Sign in with Test IdP' }).click()
    await page.getByRole('link', { name: `Sign in as ${ALICE}` }).click()
    await page.getByLabel('Signed in as').waitFor()
    await expect.poll(() => answers.length).toBe(1)
    expect(Object.keys(JSON.parse(answers[0] ?? '{}') as object)).toEqual(['id_token'])
    expect(answers[0]).not.toContain('idp-refresh-token-secret')
    await page.close()
  })

  it('printed no error in the browser (a CSP violation would be one)', () => {
    expect(browser.errors.filter((e) => !/\b40[0-9]\b/.test(e))).toEqual([])
  })
})
