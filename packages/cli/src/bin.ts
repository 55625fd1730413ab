#!/usr/bin/env node
// The `runiam` executable. Runs the CLI bundled by `npm run build` (a few files to load instead of
// ~50 modules, compiled with V8's code cache: start-up time is a product goal), or dist/cli.js
// itself when the bundle is missing or was made from another build than the one in dist/ now
// (bundle-stamp.ts). A bare `runiam --version` needs nothing of the CLI but version.ts, so it is
// answered here.
import { freshBundle } from './bundle-stamp.js'
import { runBundle } from './run-bundle.js'

if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(await (await import('./version.js')).versionText())
} else {
  const bundle = freshBundle(new URL('./', import.meta.url))
  if (bundle === undefined) await import('./cli.js')
  else runBundle(bundle)
}
