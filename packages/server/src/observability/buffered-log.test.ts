// Log lines are written together FLUSH_MS after the first of them (or at once past 64 KiB), in
// writes of at most 4096 bytes cut at line ends, so the lines of several workers sharing one
// stderr pipe never interleave. Fake timers: no assertion depends on this machine's speed.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { bufferedLog, FLUSH_MS, isRegularFile } from './buffered-log.js'

const tick = async (): Promise<void> => {
  vi.advanceTimersByTime(FLUSH_MS)
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
    const log = bufferedLog((t) => writes.push(t), { pid: 42 })
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
    const log = bufferedLog((t) => writes.push(t))
    log({ a: 1 })
    log({ big: 'y'.repeat(5000) })
    log({ b: 2 })
    await tick()
    expect(writes).toHaveLength(3)
    expect(JSON.parse(writes[1] as string)).toMatchObject({ big: 'y'.repeat(5000) })
  })

  it('writes a turn in one write when the stream is its own (shared: false)', async () => {
    const writes: string[] = []
    const log = bufferedLog((t) => writes.push(t), {}, { shared: false })
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
    const log = bufferedLog((t) => writes.push(t), {}, { shared: false })
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
    const log = bufferedLog((t) => writes.push(t), {}, { shared: false })
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
