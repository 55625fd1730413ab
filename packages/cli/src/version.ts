// `runiam --version`: the CLI package's version, read from its package.json at run time so it is
// never out of step with what was installed.
import { readFileSync } from 'node:fs'

export async function versionText(): Promise<string> {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown
  }
  return `runiam ${String(pkg.version)}\n`
}
