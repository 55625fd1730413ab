// What a new user types first: `runiam --version`, `runiam --help`, and the committed launcher
// that npm links as `runiam` (it runs dist/bin.cjs, else dist/bin.js, or says to build when dist/
// is missing).
import { execFile } from 'node:child_process'
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from './testing/run-cli.js'

const run = promisify(execFile)
const LAUNCHER = new URL('../bin/runiam.cjs', import.meta.url)
const OLD_LAUNCHER = new URL('../bin/runiam.js', import.meta.url)
const PACKAGE = new URL('../package.json', import.meta.url)
const env = { RUNIAM_CONFIG_DIR: join(tmpdir(), 'runiam-first-run-none') }

describe('runiam --version and --help', () => {
  it('prints the version of the installed CLI package', async () => {
    const { version } = JSON.parse(await readFile(PACKAGE, 'utf8')) as { version: string }
    const r = await runCli(['--version'], { env })
    expect(r).toEqual({ code: 0, stdout: `runiam ${version}\n`, stderr: '' })
  })

  it('lists the command groups, serve and organizations among them', async () => {
    const r = await runCli(['--help'], { env })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^NAME\n {4}runiam\n/)
    for (const word of ['auth', 'config', 'organizations', 'projects', 'run', 'serve'])
      expect(r.stdout).toMatch(new RegExp(`^ {4}${word}\\b`, 'm'))
  })

  it('still refuses an unknown word with gcloud’s message', async () => {
    const r = await runCli(['--version', 'bogus'], { env })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("Invalid choice: 'bogus'.")
  })
})

describe('the bin launcher (packages/cli/bin/runiam.cjs)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runiam-launcher-'))
    await mkdir(join(dir, 'bin'))
    await copyFile(LAUNCHER, join(dir, 'bin', 'runiam.cjs'))
    await copyFile(OLD_LAUNCHER, join(dir, 'bin', 'runiam.js'))
    await writeFile(join(dir, 'package.json'), '{"type":"module"}\n')
  })
  afterAll(async () => rm(dir, { recursive: true, force: true }))

  // The old bin name, which installs made before the rename still link to, behaves the same.
  describe.each(['runiam.cjs', 'runiam.js'])('%s', (bin) => {
    const launch = (...args: string[]) => run(process.execPath, [join(dir, 'bin', bin), ...args])

    it('says to build when dist/bin.js is missing, exit status 1, and calls no registry', async () => {
      await rm(join(dir, 'dist'), { recursive: true, force: true })
      const err = (await launch('--help').catch((e: unknown) => e)) as {
        code: number
        stdout: string
        stderr: string
      }
      expect(err.code).toBe(1)
      expect(err.stdout).toBe('')
      expect(err.stderr).toContain('dist/bin.js is missing')
      expect(err.stderr).toContain('npm run build')
    })

    it('runs dist/bin.js with the same arguments once tsc has built it', async () => {
      await rm(join(dir, 'dist'), { recursive: true, force: true })
      await mkdir(join(dir, 'dist'))
      await writeFile(
        join(dir, 'dist', 'bin.js'),
        "process.stdout.write(JSON.stringify(['bin.js', ...process.argv.slice(2)]))\n",
      )
      const r = await launch('a', '--b=c')
      expect(JSON.parse(r.stdout)).toEqual(['bin.js', 'a', '--b=c'])
    })

    it('runs the bundled launcher dist/bin.cjs instead once the bundle is built', async () => {
      await writeFile(
        join(dir, 'dist', 'bin.cjs'),
        "process.stdout.write(JSON.stringify(['bin.cjs', ...process.argv.slice(2)]))\n",
      )
      const r = await launch('a', '--b=c')
      expect(JSON.parse(r.stdout)).toEqual(['bin.cjs', 'a', '--b=c'])
    })
  })
})
