// JSON log lines on a stream, batched: lines are written together FLUSH_MS after the first of
// them, or at once when FLUSH_BYTES wait, so a busy gateway makes one write per batch instead of
// one per line. (A write per event-loop turn, as before, was a system call and a setImmediate for
// every few requests: ~2.5 µs of CPU per gateway request in its profile.) A line waits at most
// FLUSH_MS; lines still waiting when the process exits are written then.
// Each line is encoded as it is logged into one reusable piece of memory, handed to the writer
// as bytes: a batch string joined and then copied into a fresh Buffer by the stream's write (and
// line strings waiting to be joined, copied by the garbage collector meanwhile) cost ~0.4–1 µs
// per line more. The memory is used again only when the writer says it is done with it
// (streamWriter: the stream holds none of it).
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

/** Buffered bytes written at once, without waiting. */
const FLUSH_BYTES = 64 * 1024

/** The batch's bytes: room for FLUSH_BYTES and one more line of up to as much again. */
const CAPACITY = 2 * FLUSH_BYTES

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

/**
 * Writes a chunk of whole lines; answers whether it is done with the chunk's memory (written
 * already, as process.stderr does for a file, and for a pipe that took it whole): only then is
 * that memory used again for the next batch.
 */
export type ChunkWriter = (chunk: Buffer) => boolean

/** A ChunkWriter onto a stream (process.stderr): done with a chunk once nothing waits in it. */
export function streamWriter(
  stream: NodeJS.WritableStream & { readonly writableLength: number },
): ChunkWriter {
  return (chunk) => {
    stream.write(chunk)
    return stream.writableLength === 0
  }
}

export interface BufferedLogOptions {
  /** Whether other processes write to the same stream (default true): writes of ≤ PIPE_BUF. */
  readonly shared?: boolean
}

export function bufferedLog(
  write: ChunkWriter,
  fields: Readonly<Record<string, unknown>> = {},
  options: BufferedLogOptions = {},
): LogWriter {
  const shared = options.shared ?? true
  // Each line is encoded into the batch's bytes as it is logged (see the header): no string
  // waits in the heap for FLUSH_MS, and no batch string or fresh Buffer is made per write.
  let bytes = Buffer.allocUnsafeSlow(CAPACITY)
  let used = 0
  /** Where each line ends in `bytes` (shared streams cut batches at line ends). */
  const ends: number[] = []
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    const size = used
    used = 0
    if (size === 0) return
    let done = true
    if (!shared) done = write(bytes.subarray(0, size))
    else {
      let from = 0
      let to = 0
      for (const end of ends) {
        if (to > from && end - from > PIPE_BUF) {
          done = write(bytes.subarray(from, to)) && done
          from = to
        }
        to = end
      }
      done = write(bytes.subarray(from, to)) && done
    }
    ends.length = 0
    // The stream kept (part of) the chunk to write later: the next batch gets new memory.
    if (!done) bytes = Buffer.allocUnsafeSlow(CAPACITY)
  }
  process.once('exit', () => {
    if (used > 0) flush()
  })
  // The timestamp (and the fixed fields) are made once per millisecond, and the entry is not
  // copied to put them first: both showed per request in the gateway's profile.
  const fixed = JSON.stringify(fields).slice(1, -1)
  let stampMs = Number.NaN
  let stamp = ''
  const fieldsLine = (json: string): void => {
    const now = Date.now()
    if (now !== stampMs) {
      stampMs = now
      stamp = `{"time":"${new Date(now).toISOString()}"${fixed === '' ? '' : `,${fixed}`}`
    }
    const line = json === '' ? `${stamp}}\n` : `${stamp},${json}}\n`
    // A UTF-16 unit is at most 3 bytes of UTF-8.
    if (3 * line.length > CAPACITY - used) {
      flush()
      if (3 * line.length > CAPACITY) {
        // A line longer than the batch's memory is written whole, on its own.
        write(Buffer.from(line, 'utf8'))
        return
      }
    }
    // unref: waiting lines never keep the process alive (the exit handler writes them).
    if (used === 0) timer = setTimeout(flush, FLUSH_MS).unref()
    used += bytes.write(line, used)
    if (shared) ends.push(used)
    if (used >= FLUSH_BYTES) flush()
  }
  return Object.assign(
    (entry: Record<string, unknown>) => fieldsLine(JSON.stringify(entry).slice(1, -1)),
    { fields: fieldsLine },
  )
}
