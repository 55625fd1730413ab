// Where the built web console is by default: the `dist` folder beside @runiam/console's
// package.json, found by Node's module resolution from this package (a workspace link in the
// monorepo, a dependency when installed). The server never imports the console's code; it only
// locates the folder and serves its files (console/console-assets.ts).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

export function defaultConsoleDir(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@runiam/console/package.json')
    return join(dirname(manifest), 'dist')
  } catch {
    return undefined
  }
}
