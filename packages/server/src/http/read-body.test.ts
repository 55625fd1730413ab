// readBody over a stand-in request stream: the body whole, and the failures it reports.
import { PassThrough } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { readBody } from './read-body.js'

function request(): PassThrough & { headers: Record<string, string> } {
  return Object.assign(new PassThrough(), { headers: {} })
}

const RealError = Error
afterEach(() => {
  globalThis.Error = RealError
})

/** Counts `new Error(…)` (and subclasses) while `fn` runs. */
async function errorsMadeDuring(fn: () => Promise<unknown>): Promise<number> {
  let made = 0
  globalThis.Error = new Proxy(RealError, {
    construct(target, args, newTarget) {
      made++
      return Reflect.construct(target, args, newTarget) as object
    },
  })
  try {
    await fn()
  } finally {
    globalThis.Error = RealError
  }
  return made
}

describe('readBody', () => {
  it('answers the whole body, and a normal close after the end allocates no Error', async () => {
    const req = request()
    const made = await errorsMadeDuring(async () => {
      const closed = new Promise((resolve) => req.once('close', resolve))
      const body = readBody(req as unknown as IncomingMessage)
      req.write('{"a":')
      req.end('1}')
      expect((await body).toString()).toBe('{"a":1}')
      // The stream closes after 'end' (autoDestroy): nothing to report then.
      await closed
    })
    expect(req.destroyed).toBe(true)
    expect(made).toBe(0)
  })

  it('a connection closed before the end is a failure', async () => {
    const req = request()
    const body = readBody(req as unknown as IncomingMessage)
    req.write('{"a":')
    req.destroy()
    await expect(body).rejects.toThrow('the client closed the connection mid-body')
  })
})
