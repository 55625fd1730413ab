#!/usr/bin/env node
// The `runiam` command as npm links it (package.json "bin"). npm links a bin at install time only
// if its file exists then, and dist/ does not exist on a fresh clone before `npm run build`: so the
// bin is this committed file, which runs the built CLI, or says how to build it. Never a lookup on
// the npm registry.
import { existsSync } from 'node:fs'

const built = new URL('../dist/bin.js', import.meta.url)
if (existsSync(built)) {
  await import(built.href)
} else {
  process.stderr.write(
    'ERROR: (runiam) The runiam CLI is not built yet (packages/cli/dist/bin.js is missing).\n' +
      'Run `npm run build` in the repository first, or `npm start`, which builds and starts the server.\n',
  )
  process.exitCode = 1
}
