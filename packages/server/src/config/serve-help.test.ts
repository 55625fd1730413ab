// `runiam serve --help` is rendered from the parser's flag table, so every flag it lists parses,
// and the README's table of serve flags names each of them too.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { serve } from '../serve.js'
import { CONFIG_FLAG, FLAGS, parseServeArgs } from './load.js'
import { serveHelp } from './serve-help.js'

describe('runiam serve --help', () => {
  it('lists every flag the parser accepts, with its help, and --config', () => {
    const text = serveHelp()
    expect(text).toMatch(/^NAME\n {4}runiam serve - /)
    for (const [name, flag] of Object.entries(FLAGS)) {
      const usage = flag.kind === 'bool' ? `--[no-]${name.slice(2)}` : `${name}=`
      expect(text).toContain(`    ${usage}`)
      expect(text).toContain(flag.help)
    }
    expect(text).toContain(`${CONFIG_FLAG.name}=FILE`)
  })

  it('every usage line it prints is accepted by the parser', () => {
    const samples: Record<string, string> = { number: '1', string: 'x', list: 'user:a@example.com' }
    for (const [name, flag] of Object.entries(FLAGS)) {
      const argv = flag.kind === 'bool' ? [name] : [name, samples[flag.kind] as string]
      expect(() => parseServeArgs(argv), name).not.toThrow()
      if (flag.kind === 'bool')
        expect(parseServeArgs([`--no-${name.slice(2)}`]).raw[flag.key]).toBe(false)
    }
  })

  it('serve --help prints the help and returns 0 without starting a server', async () => {
    let out = ''
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string) => (
      (out += chunk),
      true
    )) as typeof process.stdout.write
    try {
      expect(await serve(['--help'])).toBe(0)
      expect(await serve(['--port', '0', '-h'])).toBe(0)
    } finally {
      process.stdout.write = write
    }
    expect(out).toBe(serveHelp() + serveHelp())
  })

  it("the README's serve table names every flag", () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8')
    const rows = readme.split('\n').filter((l) => l.startsWith('| `--'))
    for (const name of [...Object.keys(FLAGS), CONFIG_FLAG.name]) {
      const word = name.slice(2)
      expect(
        rows.some((r) => r.includes(`\`--${word}`) || r.includes(`\`--[no-]${word}`)),
        name,
      ).toBe(true)
    }
  })
})
