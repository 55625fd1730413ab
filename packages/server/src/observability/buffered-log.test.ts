// Log lines logged in one turn are written together on the next, in writes of at most 4096 bytes
// cut at line ends, so the lines of several workers sharing one stderr pipe never interleave.
import { setImmediate as tick } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { bufferedLog } from './buffered-log.js'

describe('bufferedLog', () => {
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
})
