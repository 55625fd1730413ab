// `runiam --version`: the CLI package's version, read from its package.json at run time so it is
// never out of step with what was installed.
import { readFile } from 'node:fs/promises'

export async function versionText(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown
  }
  return `runiam ${String(pkg.version)}\n`
}
