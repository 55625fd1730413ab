// The guard that keeps a stale bundle from running: the stamp itself on real files, then the
// built launchers (dist/bin.js and dist/bin.cjs) in a copy of the build, switching between the bundle and dist/.
import { execFile } from 'node:child_process'
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { STAMP_FILE, freshBundle, removeStamp, writeStamp } from './bundle-stamp.js'
import { cacheFileOf } from './run-bundle.js'

const run = promisify(execFile)

describe('the bundle stamp', () => {
  let root: string
  let dist: URL
  const API_INFO = '../../api/dist/.tsbuildinfo'

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'runiam-stamp-'))
    mkdirSync(join(root, 'cli', 'dist'), { recursive: true })
    mkdirSync(join(root, 'api', 'dist'), { recursive: true })
    dist = pathToFileURL(join(root, 'cli', 'dist', '/'))
    writeFileSync(join(root, 'cli', 'dist', 'bundle.js'), 'export {}\n')
    writeFileSync(join(root, 'cli', 'dist', '.tsbuildinfo'), '{"version":"5.9.3"}')
    writeFileSync(join(root, 'api', 'dist', '.tsbuildinfo'), '{"version":"5.9.3"}')
    writeStamp(dist, 'bundle.js', ['.tsbuildinfo', API_INFO])
  })
  afterEach(async () => rm(root, { recursive: true, force: true }))

  it('names the bundle while every stamped file is as it was', () => {
    expect(freshBundle(dist)?.href).toBe(new URL('bundle.js', dist).href)
    expect(freshBundle(dist)?.href).toBe(new URL('bundle.js', dist).href)
  })

  it("is stale once tsc rewrites any bundled package's build info", () => {
    appendFileSync(join(root, 'api', 'dist', '.tsbuildinfo'), ' ')
    expect(freshBundle(dist)).toBeUndefined()
  })

  it('is stale when the bundle itself or a stamped file is changed or gone', async () => {
    writeFileSync(join(root, 'cli', 'dist', 'bundle.js'), 'export const edited = 1\n')
    expect(freshBundle(dist)).toBeUndefined()
    writeStamp(dist, 'bundle.js', ['.tsbuildinfo', API_INFO])
    expect(freshBundle(dist)).toBeDefined()
    await rm(join(root, 'cli', 'dist', '.tsbuildinfo'))
    expect(freshBundle(dist)).toBeUndefined()
  })

  it('means no bundle when missing, removed, unreadable or malformed', () => {
    const stamp = join(root, 'cli', 'dist', STAMP_FILE)
    const texts = [
      '{',
      'null',
      '[]',
      '{"entry":"bundle.js","files":{}}',
      '{"entry":"bundle.js","files":{"bundle.js":1}}',
      // The entry must be among the stamped files (its own fingerprint checked).
      readFileSync(stamp, 'utf8').replace('"entry": "bundle.js"', '"entry": "other.js"'),
    ]
    expect(texts.at(-1)).toContain('"entry": "other.js"')
    removeStamp(dist)
    expect(freshBundle(dist)).toBeUndefined()
    for (const text of texts) {
      writeFileSync(stamp, text)
      expect(freshBundle(dist), text).toBeUndefined()
    }
  })

  it('cannot be written for a file that is missing', () => {
    expect(() => writeStamp(dist, 'bundle.js', ['../../core/dist/.tsbuildinfo'])).toThrow(
      /core\/dist\/\.tsbuildinfo is missing/,
    )
  })
})

// The real build: run by `npm run build` (tsc, then scripts/bundle-cli.mjs).
const builtDist = new URL('../dist/', import.meta.url)
const built = existsSync(new URL(STAMP_FILE, builtDist))

// Both launchers: tsc's ES module dist/bin.js and the bundled CommonJS dist/bin.cjs the npm bin runs.
describe.runIf(built).each(['bin.js', 'bin.cjs'])(
  'the built launcher (dist/%s) in a copy of the build',
  (bin) => {
    let root: string
    let cliDist: string
    let stamp: { entry: string; files: Record<string, string> }
    let cacheDir: string
    const env = (): NodeJS.ProcessEnv => ({
      ...process.env,
      RUNIAM_CONFIG_DIR: '/nonexistent/runiam-test',
      RUNIAM_CACHE_DIR: cacheDir,
    })
    const version = (
      JSON.parse(readFileSync(new URL('../package.json', builtDist), 'utf8')) as {
        version: string
      }
    ).version
    const restamp = (): void =>
      writeStamp(
        pathToFileURL(join(cliDist, '/')),
        stamp.entry,
        Object.keys(stamp.files).filter((f) => f !== stamp.entry),
      )
    const runiam = async (...args: string[]): Promise<string> =>
      (await run(process.execPath, [join(cliDist, bin), ...args], { env: env() })).stdout

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'runiam-bundle-'))
      cacheDir = join(root, 'cache')
      cliDist = join(root, 'packages', 'cli', 'dist')
      cpSync(new URL('../package.json', builtDist), join(root, 'packages', 'cli', 'package.json'))
      cpSync(builtDist, cliDist, { recursive: true })
      stamp = JSON.parse(readFileSync(join(cliDist, STAMP_FILE), 'utf8')) as typeof stamp
      for (const file of Object.keys(stamp.files)) {
        const to = join(cliDist, file)
        if (!existsSync(to)) {
          mkdirSync(join(to, '..'), { recursive: true })
          cpSync(new URL(file, builtDist), to)
        }
      }
    })
    afterAll(async () => {
      if (root !== undefined) await rm(root, { recursive: true, force: true })
    })

    const HELP = 'runiam GROUP | COMMAND'

    it('counts a copied bundle as stale (new change times), and falls back to dist/cli.js', async () => {
      expect(freshBundle(pathToFileURL(join(cliDist, '/')))).toBeUndefined()
      expect(await runiam('--help')).toContain(HELP)
      expect(await runiam('--project', 'p', '--version')).toBe(`runiam ${version}\n`)
    })

    it('runs the bundle while it is fresh, dist/cli.js as soon as a build changes', async () => {
      restamp()
      // Marks which one runs: the bundle never loads dist/cli.js.
      writeFileSync(join(cliDist, 'cli.js'), "process.stdout.write('dist/cli.js ran\\n')\n")
      expect(await runiam('--help')).toContain(HELP)
      expect(await runiam('--project', 'p', '--version')).toBe(`runiam ${version}\n`)

      const apiInfo = Object.keys(stamp.files).find((f) => f.includes('/api/'))
      expect(apiInfo).toBeDefined()
      appendFileSync(join(cliDist, apiInfo as string), '\n')
      expect(await runiam('--help')).toBe('dist/cli.js ran\n')
      // A bare --version is answered by the launcher itself, bundle or not.
      expect(await runiam('--version')).toBe(`runiam ${version}\n`)

      restamp()
      expect(await runiam('--help')).toContain(HELP)
      removeStamp(pathToFileURL(join(cliDist, '/')))
      expect(await runiam('--help')).toBe('dist/cli.js ran\n')

      // A dependency bundled from node_modules: another install of it makes the bundle stale too.
      const dependency = Object.keys(stamp.files).find((f) =>
        f.endsWith('/node_modules/http-parser-js/package.json'),
      )
      expect(dependency).toBeDefined()
      restamp()
      expect(await runiam('--help')).toContain(HELP)
      appendFileSync(join(cliDist, dependency as string), '\n')
      expect(await runiam('--help')).toBe('dist/cli.js ran\n')
    })

    it("compiles the bundle with a code cache in the user's cache folder, made by the first run", async () => {
      restamp()
      const cache = join(cacheDir, cacheFileOf(join(cliDist, stamp.entry)))
      rmSync(cacheDir, { recursive: true, force: true })
      const help = await runiam('--help')
      expect(help).toContain(HELP)
      expect(readFileSync(cache, 'latin1').split('\n')[0]).toContain(join(cliDist, stamp.entry))
      const written = statSync(cache).mtimeMs
      // Same output from the cached code; a valid cache is not rewritten.
      expect(await runiam('--help')).toBe(help)
      expect(await runiam('--project', 'p', '--version')).toBe(`runiam ${version}\n`)
      expect(statSync(cache).mtimeMs).toBe(written)
      // One that cannot be used (here: not a cache at all) is replaced, and the CLI works as ever.
      writeFileSync(cache, 'not a cache')
      expect(await runiam('--help')).toBe(help)
      expect(readFileSync(cache, 'latin1').split('\n')[0]).toContain(join(cliDist, stamp.entry))
    })
  },
)
