// Propagation: a write's answer waits for every peer, and no longer than the bound.
import { describe, expect, it } from 'vitest'
import { Propagation, type PropagationPeer } from './propagation.js'

function peer(name: string, applied: { revision: number }): PropagationPeer {
  return {
    name,
    settle: (revision, signal) =>
      new Promise((resolve, reject) => {
        const tick = setInterval(() => {
          if (applied.revision >= revision) {
            clearInterval(tick)
            resolve()
          } else if (signal.aborted) {
            clearInterval(tick)
            reject(new Error(`${name} still at ${applied.revision}`))
          }
        }, 1)
      }),
  }
}

describe('Propagation', () => {
  it('resolves only after every peer has applied the revision', async () => {
    const a = { revision: 0 }
    const b = { revision: 0 }
    const p = new Propagation({ timeoutMs: 5_000 })
    p.add(peer('a', a))
    p.add(peer('b', b))
    let done = false
    const settled = p.settle(7).then(() => (done = true))
    a.revision = 7
    await new Promise((r) => setTimeout(r, 20))
    expect(done).toBe(false)
    b.revision = 9
    await settled
    expect(done).toBe(true)
  })

  it('answers after the bound when a peer lags, and logs which', async () => {
    const logged: Record<string, unknown>[] = []
    const p = new Propagation({ timeoutMs: 30, log: (e) => logged.push(e) })
    p.add(peer('stuck', { revision: 1 }))
    await p.settle(2)
    expect(logged).toEqual([
      expect.objectContaining({ event: 'propagation_incomplete', peers: 'stuck', revision: 2 }),
    ])
  })

  it('does not wait without peers or without a commit', async () => {
    const p = new Propagation({ timeoutMs: 60_000 })
    await p.settle(5)
    p.add(peer('never', { revision: 0 }))
    await p.settle(0)
  })
})
