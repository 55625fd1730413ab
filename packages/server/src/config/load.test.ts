// runiam serve's flags and config file become one validated config; bad input names itself.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadConfig, redactConfig } from './load.js'

describe('loadConfig', () => {
  it('has SPEC defaults', () => {
    const c = loadConfig([])
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8080, dataDir: './.runiam', dev: false })
    expect(c.bootstrapOwners).toEqual([])
  })

  it('parses every flag form and gives --dev its default owner', () => {
    const c = loadConfig(['--dev', '--port=0', '--data', '/tmp/x', '--run-domain', 'run.test'])
    expect(c).toMatchObject({ dev: true, port: 0, dataDir: '/tmp/x', runDomain: 'run.test' })
    expect(c.bootstrapOwners).toEqual(['user:admin@example.com'])
    expect(c.localProcesses).toBe(true) // on by default only with --dev
    expect(loadConfig([]).localProcesses).toBe(false)
    expect(loadConfig(['--local-processes']).localProcesses).toBe(true)
    expect(loadConfig(['--dev', '--no-local-processes']).localProcesses).toBe(false)
    expect(loadConfig(['--request-timeout', '5']).requestTimeoutSeconds).toBe(5)
    const d = loadConfig(['--bootstrap-owner', 'user:a@x.com', '--bootstrap-owner=group:g@x.com'])
    expect(d.bootstrapOwners).toEqual(['user:a@x.com', 'group:g@x.com'])
  })

  it('refuses --dev off loopback, bad ports, unknown flags, bad owners', () => {
    expect(() => loadConfig(['--dev', '--host', '0.0.0.0'])).toThrow(/loopback.*0\.0\.0\.0/)
    expect(() => loadConfig(['--port', '70000'])).toThrow(
      /port must be an integer from 0 to 65535, got "70000"/,
    )
    expect(() => loadConfig(['--frobnicate'])).toThrow(/unrecognized arguments: --frobnicate/)
    expect(() => loadConfig(['--bootstrap-owner', 'alice'])).toThrow(/bootstrapOwners/)
    expect(() => loadConfig(['--database', 'mysql://x'])).toThrow(/postgres:\/\//)
  })

  it('takes --issuer-url (or its old name --issuer, which must agree) and the key activation delay', () => {
    expect(loadConfig([]).issuerUrl).toBeUndefined()
    expect(loadConfig([]).keyActivationSeconds).toBe(600)
    expect(loadConfig(['--issuer-url', 'https://iam.example.com']).issuerUrl).toBe(
      'https://iam.example.com',
    )
    expect(loadConfig(['--issuer=http://127.0.0.1:9000']).issuerUrl).toBe('http://127.0.0.1:9000')
    expect(
      loadConfig(['--issuer', 'https://iam.example.com', '--issuer-url', 'https://iam.example.com'])
        .issuerUrl,
    ).toBe('https://iam.example.com')
    expect(() =>
      loadConfig(['--issuer', 'https://a.example.com', '--issuer-url', 'https://b.example.com']),
    ).toThrow(
      /--issuer-url and its old name --issuer disagree \("https:\/\/b\.example\.com" and "https:\/\/a\.example\.com"\)/,
    )
    expect(loadConfig(['--key-activation-delay', '2']).keyActivationSeconds).toBe(2)
    expect(() => loadConfig(['--key-activation-delay', '0'])).toThrow(/keyActivationSeconds/)
  })

  it('refuses an issuer URL that is not spelled exactly as tokens will carry it', () => {
    const refused: [string, RegExp][] = [
      ['https://iam.example.com/', /written as tokens will carry it, https:\/\/iam\.example\.com/],
      ['HTTPS://IAM.example.com', /written as tokens will carry it, https:\/\/iam\.example\.com/],
      ['https://iam.example.com:443', /https:\/\/iam\.example\.com \(lower-case, no default port/],
      ['https://iam.example.com/runiam', /origin only/],
      ['https://iam.example.com?x=1', /origin only/],
      ['https://iam.example.com#top', /origin only/],
      ['https://u:p@iam.example.com', /origin only/],
      ['ftp://iam.example.com', /http or https URL, got "ftp:\/\/iam\.example\.com"/],
      ['iam.example.com', /http or https URL/],
    ]
    for (const [url, why] of refused) {
      expect(() => loadConfig(['--issuer-url', url]), url).toThrow(why)
    }
  })

  it('reads issuerUrl (or issuer) from the config file; a flag wins over the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runiam-cfg-'))
    const file = join(dir, 'c.yaml')
    writeFileSync(file, 'issuerUrl: https://iam.example.com\n')
    expect(loadConfig(['--config', file]).issuerUrl).toBe('https://iam.example.com')
    expect(
      loadConfig(['--config', file, '--issuer-url', 'https://other.example.com']).issuerUrl,
    ).toBe('https://other.example.com')
    writeFileSync(file, 'issuer: https://old.example.com\n')
    expect(loadConfig(['--config', file]).issuerUrl).toBe('https://old.example.com')
    writeFileSync(file, 'issuer: https://old.example.com\nissuerUrl: https://new.example.com\n')
    expect(() => loadConfig(['--config', file])).toThrow(/issuerUrl and its old name issuer/)
  })

  it('reads a YAML config file, flags win, unknown keys are named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runiam-cfg-'))
    const file = join(dir, 'c.yaml')
    writeFileSync(file, 'port: 9000\nrunDomain: run.example\n')
    expect(loadConfig(['--config', file])).toMatchObject({ port: 9000, runDomain: 'run.example' })
    expect(loadConfig(['--config', file, '--port', '9001']).port).toBe(9001)
    writeFileSync(file, 'prot: 9000\n')
    expect(() => loadConfig(['--config', file])).toThrow(/unknown setting 'prot'/)
  })

  it("reads a trusted issuer's consoleLogin; its clientId must be one of the apiAudiences", () => {
    const dir = mkdtempSync(join(tmpdir(), 'runiam-cfg-'))
    const file = join(dir, 'c.yaml')
    const issuer = (login: string, audiences = '[console-app]'): string =>
      `trustedIssuers:\n  - issuer: https://idp.example\n    jwksUri: https://idp.example/jwks\n    apiAudiences: ${audiences}\n    consoleLogin: ${login}\n`
    writeFileSync(file, issuer('{ clientId: console-app, displayName: Example SSO }'))
    expect(loadConfig(['--config', file]).trustedIssuers[0]?.consoleLogin).toEqual({
      clientId: 'console-app',
      displayName: 'Example SSO',
    })
    writeFileSync(file, issuer('{ clientId: other-app }'))
    expect(() => loadConfig(['--config', file])).toThrow(
      /trustedIssuers\[0\]\.consoleLogin\.clientId "other-app" must be one of the issuer's apiAudiences/,
    )
    // No apiAudiences at all: the ID token could never call the API, so no console login.
    writeFileSync(file, issuer('{ clientId: console-app }', '[]'))
    expect(() => loadConfig(['--config', file])).toThrow(/must be one of the issuer's apiAudiences/)
    writeFileSync(
      file,
      issuer('{ clientId: console-app, tokenEndpoint: "javascript:alert(1)", secret: x }'),
    )
    expect(() => loadConfig(['--config', file])).toThrow(
      /consoleLogin: unknown key 'secret'[\s\S]*consoleLogin\.tokenEndpoint must be an absolute http\(s\) URL/,
    )
    writeFileSync(file, issuer('{ displayName: x }'))
    expect(() => loadConfig(['--config', file])).toThrow(/consoleLogin\.clientId is required/)
  })

  it('reads upstreams.allow: loopback by default in --dev only, every bad entry named', () => {
    expect(loadConfig(['--dev']).upstreams).toEqual({ allow: [{ kind: 'loopback' }] })
    expect(loadConfig([]).upstreams).toEqual({ allow: [] })
    const dir = mkdtempSync(join(tmpdir(), 'runiam-cfg-'))
    const file = join(dir, 'c.yaml')
    writeFileSync(
      file,
      'upstreams:\n  allow:\n    - http://10.0.0.5:8080\n    - https://*.internal.example\n',
    )
    // Given, the list replaces --dev's default: loopback only when named.
    expect(loadConfig(['--dev', '--config', file]).upstreams.allow).toEqual([
      { kind: 'origin', scheme: 'http', host: '10.0.0.5', port: 8080 },
      { kind: 'wildcard', scheme: 'https', suffix: 'internal.example', port: 443 },
    ])
    writeFileSync(
      file,
      'upstreams:\n  allow:\n    - ftp://x\n    - http://10.0.0.5/api\n  deny: []\n',
    )
    expect(() => loadConfig(['--config', file])).toThrow(
      /upstreams: unknown key 'deny'[\s\S]*upstreams\.allow\[0\][\s\S]*upstreams\.allow\[1\]/,
    )
  })

  it('reads --workers: one per core by default, 1 with --dev or local processes, 1..64', () => {
    expect(loadConfig([]).workers).toBe(Math.min(64, availableParallelism()))
    expect(loadConfig(['--dev']).workers).toBe(1)
    expect(loadConfig(['--local-processes']).workers).toBe(1)
    expect(loadConfig(['--workers', '3']).workers).toBe(3)
    expect(loadConfig(['--dev', '--workers=2'])).toMatchObject({
      workers: 2,
      localProcesses: false,
    })
    expect(() => loadConfig(['--workers', '0'])).toThrow(
      /workers must be an integer from 1 to 64, got "0"/,
    )
    expect(() => loadConfig(['--workers', '65'])).toThrow(/got "65"/)
    expect(() => loadConfig(['--workers', '2.5'])).toThrow(/got "2.5"/)
    expect(() => loadConfig(['--workers', 'many'])).toThrow(/got "many"/)
    // Local processes would run once per worker: refused rather than started twice.
    expect(() => loadConfig(['--dev', '--local-processes', '--workers', '2'])).toThrow(
      /needs --workers 1/,
    )
    expect(() => loadConfig(['--local-processes', '--workers', '2'])).toThrow(
      /--local-processes .* needs --workers 1 \(got workers 2\)/,
    )
    const dir = mkdtempSync(join(tmpdir(), 'runiam-cfg-'))
    const file = join(dir, 'c.yaml')
    writeFileSync(file, 'workers: 4\n')
    expect(loadConfig(['--config', file]).workers).toBe(4)
    writeFileSync(file, 'workers: "4x"\n')
    expect(() => loadConfig(['--config', file])).toThrow(/workers .* got "4x"/)
    // Nothing else is read as a count: not a boolean, a list, hex, an exponent or a sign.
    for (const [yaml, shown] of [
      ['true', 'true'],
      ['[2]', '[2]'],
      ['"0x3"', '"0x3"'],
      ['null', 'null'],
    ]) {
      writeFileSync(file, `workers: ${yaml}\n`)
      expect(() => loadConfig(['--config', file])).toThrow(
        `workers must be an integer from 1 to 64, got ${shown}`,
      )
    }
    for (const flag of ['0x10', '1e1', '+3', ' 2', '-1', '1000'])
      expect(() => loadConfig(['--workers', flag])).toThrow(`got ${JSON.stringify(flag)}`)
  })

  it('reads --decision-cache-entries: 100,000 by default, 1,000 to 100,000,000', () => {
    expect(loadConfig([]).decisionCacheEntries).toBe(100_000)
    expect(loadConfig(['--decision-cache-entries', '2000000']).decisionCacheEntries).toBe(2_000_000)
    expect(() => loadConfig(['--decision-cache-entries', '999'])).toThrow(
      /decisionCacheEntries must be an integer from 1000 to 100000000, got "999"/,
    )
    expect(() => loadConfig(['--decision-cache-entries=1e9'])).toThrow(/got "1e9"/)
    expect(() => loadConfig(['--decision-cache-entries', 'lots'])).toThrow(/got "lots"/)
    const dir = mkdtempSync(join(tmpdir(), 'runiam-cfg-'))
    const file = join(dir, 'c.yaml')
    writeFileSync(file, 'decisionCacheEntries: 1500000\n')
    expect(loadConfig(['--config', file]).decisionCacheEntries).toBe(1_500_000)
  })

  it('redacts the database password when printed', () => {
    const c = loadConfig(['--database', 'postgres://u:secret@db:5432/x'])
    expect(JSON.stringify(redactConfig(c))).not.toContain('secret')
  })
})
