// The runiam command line as one process runs it: real terminal, real environment, exit status.
// bin.ts loads it, from the bundle `npm run build` makes (bundle-stamp.ts) or from dist/ itself.
import { run } from './main.js'
import { nodeIo } from './node-io.js'
import { processEnv } from './settings/env.js'

const argv = process.argv.slice(2)
// No top-level await: it would keep the bundler from merging this module into the entry file.
void run(argv, nodeIo(), processEnv()).then((code) => {
  process.exitCode = code
  // `serve` keeps the process alive with its listener; everything else exits now rather than
  // waiting for idle keep-alive sockets, once stdout and stderr have drained.
  if (argv.find((a) => !a.startsWith('-')) !== 'serve' || code !== 0) {
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)))
  }
})
