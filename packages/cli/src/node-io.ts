// The real terminal: process streams, a line reader over stdin, and the file system.
import type { Io } from './io.js'

export function nodeIo(): Io {
  let lines: AsyncIterator<string> | undefined
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    stdinIsTty: process.stdin.isTTY === true,
    readLine: async () => {
      if (lines === undefined) {
        const { createInterface } = await import('node:readline')
        lines = createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]()
      }
      const next = await lines.next()
      return next.done === true ? undefined : next.value
    },
    readFile: async (path) => (await import('node:fs/promises')).readFile(path, 'utf8'),
  }
}
