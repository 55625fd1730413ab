#!/usr/bin/env node
// The `runiam` command as npm links it (package.json "bin"). npm links a bin at install time only
// if its file exists then, and dist/ does not exist on a fresh clone before `npm run build`: so the
// bin is this committed file, which runs the built CLI, or says how to build it. Never a lookup on
// the npm registry. It is CommonJS, and runs the CommonJS launcher dist/bin.cjs that `npm run build`
// bundles, so that a command never starts Node's ES module loader (src/bin.ts says why); without
// it (only tsc has run) it runs the ES module launcher dist/bin.js, which works the same, slower.
'use strict'
const { existsSync } = process.getBuiltinModule('node:fs')
const { join } = process.getBuiltinModule('node:path')

const dist = join(__dirname, '..', 'dist')
if (existsSync(join(dist, 'bin.cjs'))) {
  require(join(dist, 'bin.cjs'))
} else if (existsSync(join(dist, 'bin.js'))) {
  void import(process.getBuiltinModule('node:url').pathToFileURL(join(dist, 'bin.js')).href)
} else {
  process.stderr.write(
    'ERROR: (runiam) The runiam CLI is not built yet (packages/cli/dist/bin.js is missing).\n' +
      'Run `npm run build` in the repository first, or `npm start`, which builds and starts the server.\n',
  )
  process.exitCode = 1
}
