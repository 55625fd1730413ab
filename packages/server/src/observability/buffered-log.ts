// JSON log lines on a stream, batched: lines are written together FLUSH_MS after the first of
// them, or at once when FLUSH_BYTES wait, so a busy gateway makes one write per batch instead of
// one per line. (A write per event-loop turn, as before, was a system call and a setImmediate for
// every few requests: ~2.5 µs of CPU per gateway request in its profile.) A line waits at most
// FLUSH_MS; lines still waiting when the process exits are written then.
// Workers (node:cluster) share one stderr, so there a batch is cut at line ends into writes of at
// most PIPE_BUF bytes, which the kernel writes whole: lines from different workers never
// interleave. A process alone on its stream writes each batch at once (fewer, larger writes), and
// so do workers whose stderr is a regular file (isRegularFile): there each write() is applied
// whole, under the file's position and inode locks, whatever its size, so the cut into 4 KiB
// writes bought nothing and cost a conversion and a system call per 4 KiB (~3% of a worker's CPU
// in the gateway benchmark).
import { fstatSync } from 'node:fs'

/** POSIX guarantees writes up to this size to a pipe are atomic (Linux: 4096). */
const PIPE_BUF = 4096

/** How long the first line of a batch waits for others (ms). */
export const FLUSH_MS = 10

/** Buffered text (UTF-16 units, about bytes for log lines) written at once, without waiting. */
const FLUSH_BYTES = 64 * 1024

/** Whether `fd` is a regular file (false when it cannot be told). */
export function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile()
  } catch {
    return false
  }
}

export type LogWriter = ((entry: Record<string, unknown>) => void) & {
  /** Logs a line given as JSON text: an object's members, without the braces. */
  readonly fields: (json: string) => void
}

export interface BufferedLogOptions {
  /** Whether other processes write to the same stream (default true): writes of ≤ PIPE_BUF. */
  readonly shared?: boolean
}

export function bufferedLog(
  write: (text: string) => void,
  fields: Readonly<Record<string, unknown>> = {},
  options: BufferedLogOptions = {},
): LogWriter {
  const shared = options.shared ?? true
  let lines: string[] = []
  let buffered = 0
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    const batch = lines
    lines = []
    buffered = 0
    if (!shared) {
      write(batch.join(''))
      return
    }
    let chunk = ''
    let size = 0
    for (const line of batch) {
      const n = Buffer.byteLength(line)
      if (size > 0 && size + n > PIPE_BUF) {
        write(chunk)
        chunk = ''
        size = 0
      }
      chunk += line
      size += n
    }
    if (chunk !== '') write(chunk)
  }
  process.once('exit', () => {
    if (lines.length > 0) flush()
  })
  // The timestamp (and the fixed fields) are made once per millisecond, and the entry is not
  // copied to put them first: both showed per request in the gateway's profile.
  const fixed = JSON.stringify(fields).slice(1, -1)
  let stampMs = Number.NaN
  let stamp = ''
  const fieldsLine = (json: string): void => {
    // unref: waiting lines never keep the process alive (the exit handler writes them).
    if (lines.length === 0) timer = setTimeout(flush, FLUSH_MS).unref()
    const now = Date.now()
    if (now !== stampMs) {
      stampMs = now
      stamp = `{"time":"${new Date(now).toISOString()}"${fixed === '' ? '' : `,${fixed}`}`
    }
    const line = json === '' ? `${stamp}}\n` : `${stamp},${json}}\n`
    lines.push(line)
    buffered += line.length
    if (buffered >= FLUSH_BYTES) flush()
  }
  return Object.assign(
    (entry: Record<string, unknown>) => fieldsLine(JSON.stringify(entry).slice(1, -1)),
    { fields: fieldsLine },
  )
}
