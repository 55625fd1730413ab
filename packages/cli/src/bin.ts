#!/usr/bin/env node
// The `runiam` executable. Runs the CLI bundled by `npm run build` (a few files to load instead of
// ~50 modules, compiled with V8's code cache: start-up time is a product goal), or dist/cli.js
// itself when the bundle is missing or was made from another build than the one in dist/ now
// (bundle-stamp.ts). A bare `runiam --version` needs nothing of the CLI but version.ts, so it is
// answered here. The same source is built twice: by tsc as dist/bin.js (an ES module, which works
// before any bundle exists) and by scripts/bundle-cli.mjs as dist/bin.cjs, a CommonJS script with
// this file's imports in it, which the npm bin (bin/runiam.cjs) runs: a CommonJS entry spares a
// command Node's ES module loader, which costs as much start-up as the rest of a command's own
// work. So: no top-level await; the bundler inlines every import() but that of the unbundled CLI.
import { freshBundle } from './bundle-stamp.js'
import { runBundle } from './run-bundle.js'

if (process.argv.length === 3 && process.argv[2] === '--version') {
  void import('./version.js')
    .then(({ versionText }) => versionText())
    .then((text) => process.stdout.write(text))
} else {
  const bundle = freshBundle(new URL('./', import.meta.url))
  if (bundle === undefined) void import('./cli.js')
  else runBundle(bundle)
}
