// `runiam --version`: the CLI package's version, read from its package.json at run time so it is
// never out of step with what was installed.
// node:fs from process.getBuiltinModule: an ESM import of it builds its module facade, which
// loads every lazy export (streams, fs/promises), and the launcher (bin.ts) loads this module.

export async function versionText(): Promise<string> {
  const { readFileSync } = process.getBuiltinModule('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown
  }
  return `runiam ${String(pkg.version)}\n`
}
