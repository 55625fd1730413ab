// What local service processes printed: each line with its time, kept in a bounded in-memory ring
// per service (what the Cloud Logging entries:list method reads) and appended as JSON lines to
// `{dir}/{project}/{region}/{service}.log`, so a service's history survives its restarts and, read
// back from the file's tail, the server's too.
import { closeSync, createWriteStream, existsSync, fstatSync, mkdirSync, openSync } from 'node:fs'
import { readdirSync, readSync, type WriteStream } from 'node:fs'
import { dirname, join } from 'node:path'

/** Where a line came from: the process's stdout or stderr, or runiam's own note (start, exit). */
export type LogStream = 'stdout' | 'stderr' | 'system'

export interface ServiceKey {
  readonly project: string
  readonly region: string
  readonly service: string
}

export interface LogLine {
  /** Unique, and ordered as the lines were written (a hex time prefix, then a counter). */
  readonly insertId: string
  /** RFC 3339, UTC. */
  readonly timestamp: string
  readonly stream: LogStream
  /** Cloud Logging severity name: DEFAULT for plain output, as Cloud Run gives unstructured lines. */
  readonly severity: string
  readonly revision: string
  readonly text: string
  /** A job's lines: which task and attempt printed them (`task_index`, `task_attempt`). */
  readonly labels?: Readonly<Record<string, string>>
}

/** The read side, for the entries:list service. */
export interface ServiceLogReader {
  /** The services of a project that have lines (in memory or on disk). */
  services(project: string): ServiceKey[]
  /** A service's retained lines, oldest first. */
  lines(key: ServiceKey): readonly LogLine[]
}

export interface ServiceLogsOptions {
  /** Folder of the JSON-lines files; undefined keeps lines in memory only. */
  readonly dir?: string
  /** Lines kept in memory per service (default 10,000). */
  readonly capacity?: number
  now(): number
  /** Reports a file that cannot be written (the lines stay in memory). */
  log?(entry: Record<string, unknown>): void
}

/** Longest line kept, in characters; longer output is cut (a process printing without newlines). */
export const MAX_LINE = 64 * 1024
/** How much of a log file's tail is read back when a service's ring is first needed. */
const TAIL_BYTES = 8 * 1024 * 1024

const SAFE = /^[A-Za-z0-9._-]+$/
const safe = (part: string): boolean => SAFE.test(part) && part !== '.' && part !== '..'

class Ring {
  readonly #buf: LogLine[] = []
  #start = 0
  readonly #capacity: number

  constructor(capacity: number) {
    this.#capacity = capacity
  }

  push(line: LogLine): void {
    if (this.#buf.length < this.#capacity) {
      this.#buf.push(line)
      return
    }
    this.#buf[this.#start] = line
    this.#start = (this.#start + 1) % this.#capacity
  }

  toArray(): LogLine[] {
    return [...this.#buf.slice(this.#start), ...this.#buf.slice(0, this.#start)]
  }
}

function isLogLine(x: unknown): x is LogLine {
  if (typeof x !== 'object' || x === null) return false
  const r = x as Record<string, unknown>
  return (
    typeof r['insertId'] === 'string' &&
    typeof r['timestamp'] === 'string' &&
    typeof r['text'] === 'string' &&
    (r['stream'] === 'stdout' || r['stream'] === 'stderr' || r['stream'] === 'system') &&
    typeof r['severity'] === 'string' &&
    typeof r['revision'] === 'string' &&
    (r['labels'] === undefined ||
      (typeof r['labels'] === 'object' &&
        r['labels'] !== null &&
        Object.values(r['labels']).every((v) => typeof v === 'string')))
  )
}

export class ServiceLogs implements ServiceLogReader {
  readonly #options: ServiceLogsOptions
  readonly #capacity: number
  readonly #rings = new Map<string, { key: ServiceKey; ring: Ring }>()
  readonly #files = new Map<string, WriteStream | null>()
  #seq = 0

  constructor(options: ServiceLogsOptions) {
    this.#options = options
    this.#capacity = options.capacity ?? 10_000
  }

  #id(key: ServiceKey): string {
    return `${key.project}/${key.region}/${key.service}`
  }

  /** The file of a service, or undefined when there is no folder or a name is not a safe path part. */
  fileOf(key: ServiceKey): string | undefined {
    const dir = this.#options.dir
    if (dir === undefined) return undefined
    if (![key.project, key.region, key.service].every(safe)) return undefined
    return join(dir, key.project, key.region, `${key.service}.log`)
  }

  #readTail(key: ServiceKey): LogLine[] {
    const file = this.fileOf(key)
    if (file === undefined || !existsSync(file)) return []
    let fd: number | undefined
    try {
      fd = openSync(file, 'r')
      const size = fstatSync(fd).size
      const length = Math.min(size, TAIL_BYTES)
      const buf = Buffer.alloc(length)
      readSync(fd, buf, 0, length, size - length)
      const rows = buf.toString('utf8').split('\n')
      if (length < size) rows.shift() // a partial first line
      const out: LogLine[] = []
      for (const row of rows) {
        if (row === '') continue
        try {
          const parsed: unknown = JSON.parse(row)
          if (isLogLine(parsed)) out.push(parsed)
        } catch {
          // A torn last line (the server died mid-write) is skipped, not fatal.
        }
      }
      return out.slice(-this.#capacity)
    } catch (err) {
      this.#options.log?.({ event: 'service_log_read_failed', file, error: String(err) })
      return []
    } finally {
      if (fd !== undefined) closeSync(fd)
    }
  }

  #ring(key: ServiceKey): Ring {
    const id = this.#id(key)
    let entry = this.#rings.get(id)
    if (entry === undefined) {
      const ring = new Ring(this.#capacity)
      for (const line of this.#readTail(key)) ring.push(line)
      entry = { key, ring }
      this.#rings.set(id, entry)
    }
    return entry.ring
  }

  #file(key: ServiceKey): WriteStream | null {
    const id = this.#id(key)
    let stream = this.#files.get(id)
    if (stream !== undefined) return stream
    const file = this.fileOf(key)
    stream = null
    if (file !== undefined) {
      try {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
        const s = createWriteStream(file, { flags: 'a', mode: 0o600 })
        s.on('error', (err) => {
          this.#options.log?.({ event: 'service_log_write_failed', file, error: String(err) })
          this.#files.set(id, null)
        })
        stream = s
      } catch (err) {
        this.#options.log?.({ event: 'service_log_write_failed', file, error: String(err) })
      }
    }
    this.#files.set(id, stream)
    return stream
  }

  /** Records one line (without its newline) of a service's output. */
  append(
    key: ServiceKey,
    stream: LogStream,
    text: string,
    revision: string,
    severity = 'DEFAULT',
    labels?: Readonly<Record<string, string>>,
  ): LogLine {
    const ms = this.#options.now()
    const seq = this.#seq++ % 0x100000000
    const line: LogLine = {
      insertId: ms.toString(16).padStart(12, '0') + seq.toString(16).padStart(8, '0'),
      timestamp: new Date(ms).toISOString(),
      stream,
      severity,
      revision,
      text: text.length > MAX_LINE ? text.slice(0, MAX_LINE) : text,
      ...(labels === undefined ? {} : { labels }),
    }
    this.#ring(key).push(line)
    this.#file(key)?.write(`${JSON.stringify(line)}\n`)
    return line
  }

  lines(key: ServiceKey): readonly LogLine[] {
    return this.#ring(key).toArray()
  }

  services(project: string): ServiceKey[] {
    const found = new Map<string, ServiceKey>()
    for (const { key } of this.#rings.values()) {
      if (key.project === project) found.set(this.#id(key), key)
    }
    const dir = this.#options.dir
    if (dir !== undefined && safe(project) && existsSync(join(dir, project))) {
      for (const region of readdirSync(join(dir, project))) {
        if (!safe(region)) continue
        let files: string[]
        try {
          files = readdirSync(join(dir, project, region))
        } catch {
          continue
        }
        for (const f of files) {
          if (!f.endsWith('.log')) continue
          const key = { project, region, service: f.slice(0, -'.log'.length) }
          if (safe(key.service)) found.set(this.#id(key), key)
        }
      }
    }
    return [...found.values()]
  }

  /** Flushes and closes the files. */
  async close(): Promise<void> {
    const streams = [...this.#files.values()].filter((s): s is WriteStream => s !== null)
    this.#files.clear()
    await Promise.all(
      streams.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.end(() => resolve())
            s.once('error', () => resolve())
          }),
      ),
    )
  }
}
