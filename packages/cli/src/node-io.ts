// The real terminal: process streams, a line reader over stdin, and the file system.
// Modules load when first used (process.getBuiltinModule, not import()): a command that never
// reads stdin must not build process.stdin (for a file or /dev/null that loads fs streams), and the
// bundled CLI runs as a script where import() is unavailable (scripts/bundle-cli.mjs).
import type { Io } from './io.js'

export function nodeIo(): Io {
  let lines: AsyncIterator<string> | undefined
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    // What process.stdin.isTTY says, without creating process.stdin; asked only by a command that
    // may prompt, so that the others never load node:tty.
    get stdinIsTty() {
      return process.getBuiltinModule('node:tty').isatty(0)
    },
    readLine: async () => {
      if (lines === undefined) {
        const { createInterface } = process.getBuiltinModule('node:readline')
        lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]()
      }
      const next = await lines.next()
      return next.done === true ? undefined : next.value
    },
    readFile: async (path) => process.getBuiltinModule('node:fs/promises').readFile(path, 'utf8'),
  }
}
