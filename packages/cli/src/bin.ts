#!/usr/bin/env node
// The `runiam` executable. Imports next to nothing: each command's code loads on demand.
import { run } from './main.js'
import { nodeIo } from './node-io.js'
import { processEnv } from './settings/env.js'

const argv = process.argv.slice(2)
const code = await run(argv, nodeIo(), processEnv())
process.exitCode = code
// `serve` keeps the process alive with its listener; everything else exits now rather than
// waiting for idle keep-alive sockets, once stdout and stderr have drained.
if (argv.find((a) => !a.startsWith('-')) !== 'serve' || code !== 0) {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
}
