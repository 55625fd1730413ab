// Log lines are written together FLUSH_MS after the first of them (or at once past 64 KiB), in
// writes of at most 4096 bytes cut at line ends, so the lines of several workers sharing one
// stderr pipe never interleave. The batch's memory is used again only when the writer is done
// with it. Fake timers: no assertion depends on this machine's speed.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  bufferedLog,
  FLUSH_MS,
  isRegularFile,
  streamWriter,
  type ChunkWriter,
} from './buffered-log.js'

const tick = async (): Promise<void> => {
  vi.advanceTimersByTime(FLUSH_MS)
}

/** A writer that keeps each chunk's text (a copy) and is done with its memory at once. */
const into =
  (writes: string[]): ChunkWriter =>
  (chunk) => {
    writes.push(chunk.toString('utf8'))
    return true
  }

describe('bufferedLog', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('batches a turn into whole-line writes of at most 4096 bytes, with its fields', async () => {
    const writes: string[] = []
    const log = bufferedLog(into(writes), { pid: 42 })
    for (let i = 0; i < 200; i++) log({ event: 'request', i, pad: 'x'.repeat(100) })
    expect(writes).toEqual([])
    await tick()
    expect(writes.length).toBeGreaterThan(1)
    for (const w of writes) {
      expect(Buffer.byteLength(w)).toBeLessThanOrEqual(4096)
      expect(w.endsWith('\n')).toBe(true)
    }
    const lines = writes
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines.map((l) => l['i'])).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(lines.every((l) => l['pid'] === 42 && typeof l['time'] === 'string')).toBe(true)
  })

  it('writes a line longer than 4096 bytes whole, on its own', async () => {
    const writes: string[] = []
    const log = bufferedLog(into(writes))
    log({ a: 1 })
    log({ big: 'y'.repeat(5000) })
    log({ b: 2 })
    await tick()
    expect(writes).toHaveLength(3)
    expect(JSON.parse(writes[1] as string)).toMatchObject({ big: 'y'.repeat(5000) })
  })

  it('writes a turn in one write when the stream is its own (shared: false)', async () => {
    const writes: string[] = []
    const log = bufferedLog(into(writes), {}, { shared: false })
    for (let i = 0; i < 200; i++) log({ event: 'request', i, pad: 'x'.repeat(100) })
    await tick()
    expect(writes).toHaveLength(1)
    const lines = (writes[0] as string).split('\n').filter(Boolean)
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual(
      Array.from({ length: 200 }, (_, i) => i),
    )
  })

  it('waits FLUSH_MS from the first line of a batch, across turns, then writes it once', async () => {
    const writes: string[] = []
    const log = bufferedLog(into(writes), {}, { shared: false })
    log({ i: 0 })
    await new Promise((r) => setImmediate(r))
    log({ i: 1 })
    vi.advanceTimersByTime(FLUSH_MS - 1)
    expect(writes).toEqual([])
    vi.advanceTimersByTime(1)
    expect(writes).toHaveLength(1)
    expect((writes[0] as string).split('\n').filter(Boolean)).toHaveLength(2)
    // The next line starts a new batch, with its own wait.
    log({ i: 2 })
    vi.advanceTimersByTime(FLUSH_MS)
    expect(writes).toHaveLength(2)
  })

  it('writes at once when 64 KiB wait, and leaves no timer behind for an empty batch', async () => {
    const writes: string[] = []
    const log = bufferedLog(into(writes), {}, { shared: false })
    const pad = 'z'.repeat(1000)
    for (let i = 0; i < 70; i++) log({ i, pad })
    expect(writes).toHaveLength(1)
    const first = (writes[0] as string).split('\n').filter(Boolean).length
    expect(first).toBeGreaterThan(60)
    expect(first).toBeLessThan(70)
    vi.advanceTimersByTime(FLUSH_MS)
    expect(writes).toHaveLength(2)
    expect(writes.join('').split('\n').filter(Boolean)).toHaveLength(70)
    vi.advanceTimersByTime(10 * FLUSH_MS)
    expect(writes).toHaveLength(2)
  })
})

describe('bufferedLog memory', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('writes the UTF-8 bytes of each line, for any text', async () => {
    const chunks: Buffer[] = []
    const log = bufferedLog((c) => chunks.push(Buffer.from(c)) > 0, {}, { shared: false })
    const values = ['é', '\u2028\u2029', '\ud83d\ude00', '\ud800', '"\\\u0000', 'ü'.repeat(3000)]
    for (const v of values) log({ v })
    await tick()
    const text = Buffer.concat(chunks)
    const want = values.map((v) => `${JSON.stringify({ time: 'T', v })}\n`).join('')
    expect(text.toString('utf8').replace(/"time":"[^"]*"/g, '"time":"T"')).toBe(want)
    expect(text.equals(Buffer.from(text.toString('utf8'), 'utf8'))).toBe(true)
  })

  it('never writes over a chunk the writer still holds', async () => {
    const held: Buffer[] = []
    const log = bufferedLog((c) => held.push(c) < 0, {}, { shared: false })
    log({ batch: 'one' })
    await tick()
    log({ batch: 'two' })
    await tick()
    expect(held.map((c) => (JSON.parse(c.toString()) as { batch: string }).batch)).toEqual([
      'one',
      'two',
    ])
  })

  it('uses the same memory again once the writer is done with it', async () => {
    const seen: Buffer[] = []
    const log = bufferedLog((c) => seen.push(c) > 0, {}, { shared: false })
    log({ batch: 'one' })
    await tick()
    log({ batch: 'two' })
    await tick()
    expect(seen).toHaveLength(2)
    expect((seen[0] as Buffer).buffer).toBe((seen[1] as Buffer).buffer)
  })

  it('writes a line longer than the batch memory whole, after the lines before it', async () => {
    const writes: string[] = []
    const log = bufferedLog(into(writes), {}, { shared: false })
    log({ a: 1 })
    log({ big: 'q'.repeat(200_000) })
    log({ b: 2 })
    await tick()
    const lines = writes.join('').split('\n').filter(Boolean)
    expect(lines.map((l) => Object.keys(JSON.parse(l) as object)[1])).toEqual(['a', 'big', 'b'])
    expect(writes[1]).toHaveLength(
      JSON.stringify({ time: 'x'.repeat(24), big: '' }).length + 200_001,
    )
  })

  it('streamWriter: done with a chunk a stream wrote at once, not with one it queued', () => {
    const now = new Writable({ write: (_c, _e, cb) => cb() })
    let later: (() => void) | undefined
    const queued = new Writable({ write: (_c, _e, cb) => void (later = cb) })
    expect(streamWriter(now)(Buffer.from('a\n'))).toBe(true)
    expect(streamWriter(queued)(Buffer.from('a\n'))).toBe(false)
    later?.()
  })
})

describe('isRegularFile (whole-batch writes for workers logging to a file)', () => {
  it('is true for a file, false for a directory, a socket and a closed descriptor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runiam-log-'))
    const file = openSync(join(dir, 'log'), 'w')
    const folder = openSync(dir, 'r')
    const server = createServer()
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    try {
      expect(isRegularFile(file)).toBe(true)
      expect(isRegularFile(folder)).toBe(false)
      const handle = (server as unknown as { _handle: { fd: number } })._handle
      expect(isRegularFile(handle.fd)).toBe(false)
    } finally {
      server.close()
      closeSync(file)
      closeSync(folder)
      rmSync(dir, { recursive: true, force: true })
    }
    expect(isRegularFile(file)).toBe(false)
  })
})
