// The launcher's code cache on real files: a CommonJS "bundle" in a temp folder, compiled the way
// bin.ts compiles dist/bundle.cjs. What must hold: the cache is used when valid, never for another
// version of the file, never from a file others could have written, and no cache problem stops
// the bundle from running.
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { cacheFileOf, compileBundle, writeCache } from './run-bundle.js'

/** A bundle whose exports say what ran; a few functions so the cache holds real code. */
const bundleSource = (value: string): string =>
  [
    `const fmt = (v) => ['v', v].join('=')`,
    `function twice(s) { return s + s }`,
    `exports.value = fmt(twice('${value}'))`,
    `exports.file = __filename`,
    `exports.chunk = () => require('./chunk.cjs')`,
    '',
  ].join('\n')

describe('the bundle code cache', () => {
  // The launcher compiles the bundle once per process; a test compiles it again and again, and
  // V8's in-process compilation cache would answer those compiles without looking at the file.
  beforeAll(() => setFlagsFromString('--no-compilation-cache'))
  afterAll(() => setFlagsFromString('--compilation-cache'))
  let dir: string
  let cacheDir: string
  let entry: string
  const cacheFile = (): string => join(cacheDir, cacheFileOf(entry))
  const runIt = (): { cache: string; exports: Record<string, unknown> } => {
    const bundle = compileBundle(entry, cacheDir)
    bundle.run()
    const exports = (require_cache()[entry] as { exports: Record<string, unknown> }).exports
    bundle.save()
    return { cache: bundle.cache, exports }
  }
  // The CommonJS module cache, where run() registers the entry.
  const require_cache = (): Record<string, unknown> =>
    process.getBuiltinModule('node:module').createRequire(entry).cache

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runiam-codecache-'))
    cacheDir = join(dir, 'cache')
    entry = join(dir, 'bundle.cjs')
    writeFileSync(entry, bundleSource('one'))
    // A chunk that, like rolldown's, requires the entry back for shared code.
    writeFileSync(
      join(dir, 'chunk.cjs'),
      "exports.entry = require('./bundle.cjs')\nexports.value = 'chunk'\n",
    )
  })
  afterEach(async () => {
    delete require_cache()[entry]
    delete require_cache()[join(dir, 'chunk.cjs')]
    await rm(dir, { recursive: true, force: true })
  })

  it('compiles from source and writes the cache once, then runs from it', () => {
    const first = runIt()
    expect(first.cache).toBe('miss')
    expect(first.exports['value']).toBe('v=oneone')
    expect(first.exports['file']).toBe(entry)
    const written = statSync(cacheFile())
    expect(written.mode & 0o777).toBe(0o600)
    expect(readFileSync(cacheFile(), 'utf8').split('\n')[0]).toContain(entry)

    const second = runIt()
    expect(second.cache).toBe('hit')
    expect(second.exports['value']).toBe('v=oneone')
    // A used cache is not written again.
    expect(statSync(cacheFile()).mtimeMs).toBe(written.mtimeMs)
  })

  it("keeps one cache per bundle path: two installs never throw out each other's", async () => {
    const first = entry
    const other = join(dir, 'other', 'bundle.cjs')
    await mkdir(join(dir, 'other'))
    writeFileSync(other, bundleSource('two'))
    expect(runIt().cache).toBe('miss')
    try {
      entry = other
      expect(runIt().cache).toBe('miss')
      expect(runIt().exports['value']).toBe('v=twotwo')
    } finally {
      delete require_cache()[other]
      entry = first
    }
    const again = runIt()
    expect(again.cache).toBe('hit')
    expect(again.exports['value']).toBe('v=oneone')
    expect(cacheFileOf(first)).toMatch(/^cli-[0-9a-f]{8}\.v8cache$/)
    expect(cacheFileOf(other)).not.toBe(cacheFileOf(first))
    expect(cacheFileOf(first)).toBe(cacheFileOf(join(dir, 'bundle.cjs')))
  })

  it("gives the bundle's chunks the running entry, not a second copy", () => {
    const { exports } = runIt()
    const chunk = (exports['chunk'] as () => { entry: unknown; value: string })()
    expect(chunk.value).toBe('chunk')
    expect(chunk.entry).toBe(exports)
  })

  it('never runs the cache of an earlier version of the bundle, even one of the same length', () => {
    runIt()
    writeFileSync(entry, bundleSource('two'))
    expect(bundleSource('two').length).toBe(bundleSource('one').length)
    const after = runIt()
    expect(after.cache).toBe('miss')
    expect(after.exports['value']).toBe('v=twotwo')
    expect(runIt().cache).toBe('hit')
  })

  it('ignores a cache file that others can write, and replaces it with a private one', () => {
    runIt()
    chmodSync(cacheFile(), 0o666)
    const after = runIt()
    expect(after.cache).toBe('miss')
    expect(after.exports['value']).toBe('v=oneone')
    expect(statSync(cacheFile()).mode & 0o777).toBe(0o600)
    expect(runIt().cache).toBe('hit')
  })

  it('compiles from source when V8 refuses the cached code (corrupt), and rewrites it', () => {
    runIt()
    const text = readFileSync(cacheFile())
    const header = text.indexOf('\n') + 1
    writeFileSync(cacheFile(), Buffer.concat([text.subarray(0, header), Buffer.from('garbage')]))
    const after = runIt()
    expect(after.cache).toBe('rejected')
    expect(after.exports['value']).toBe('v=oneone')
    expect(runIt().cache).toBe('hit')
  })

  it('runs without a cache folder, or with one that cannot be created', () => {
    const off = compileBundle(entry, undefined)
    expect(off.cache).toBe('off')
    off.run()
    off.save()
    writeFileSync(join(dir, 'a-file'), '')
    cacheDir = join(dir, 'a-file', 'cache')
    const blocked = runIt()
    expect(blocked.cache).toBe('miss')
    expect(blocked.exports['value']).toBe('v=oneone')
    expect(() => statSync(cacheFile())).toThrow()
  })

  it('does not serialize the compiled code when the cache file cannot be created', () => {
    writeFileSync(join(dir, 'a-file'), '')
    let serialized = 0
    const code = (): Uint8Array => {
      serialized++
      return new Uint8Array([1, 2, 3])
    }
    writeCache(join(dir, 'a-file', 'cache', cacheFileOf(entry)), 'key\n', code)
    expect(serialized).toBe(0)
    writeCache(cacheFile(), 'key\n', code)
    expect(serialized).toBe(1)
    expect(readFileSync(cacheFile())).toEqual(Buffer.from('key\n\x01\x02\x03', 'latin1'))
  })
})
