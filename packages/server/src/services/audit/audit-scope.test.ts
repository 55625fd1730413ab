import { executionAsyncResource } from 'node:async_hooks'
import { describe, expect, it } from 'vitest'
import { currentAuditScope, withAuditScope, type AuditScope } from './audit-scope.js'

const scope = (): AuditScope => ({ policyWritten: () => Promise.resolve() })
const tick = (): Promise<void> => new Promise((r) => setImmediate(r))

describe('audit scope', () => {
  // First: the other cases would have enabled the storage already.
  it('leaves no context propagation running once the calls are over', async () => {
    // An enabled AsyncLocalStorage stamps every new async resource with its store slot (async
    // hooks on, process-wide); a disabled one stamps nothing.
    const slots = (): Promise<number> =>
      new Promise((resolve) =>
        setImmediate(() => {
          const resource = executionAsyncResource() as object
          resolve(
            Object.getOwnPropertySymbols(resource).filter((k) => k.description === 'kResourceStore')
              .length,
          )
        }),
      )
    const before = await slots()
    const during = await withAuditScope(scope(), () => slots())
    // Runtimes whose AsyncLocalStorage needs no async hooks (Node.js 24's AsyncContextFrame)
    // stamp nothing either way.
    if (during === before) return
    expect(during).toBe(before + 1)
    expect(await slots()).toBe(before)
  })

  it('is seen after awaits inside the call, and not outside it', async () => {
    const s = scope()
    const seen = await withAuditScope(s, async () => {
      await tick()
      return currentAuditScope()
    })
    expect(seen).toBe(s)
    expect(currentAuditScope()).toBeUndefined()
  })

  it('stays with each of two overlapping calls when the first ends', async () => {
    const a = scope()
    const b = scope()
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const second = withAuditScope(b, async () => {
      await gate
      await tick()
      return currentAuditScope()
    })
    expect(await withAuditScope(a, async () => currentAuditScope())).toBe(a)
    release()
    expect(await second).toBe(b)
    expect(currentAuditScope()).toBeUndefined()
  })
})
