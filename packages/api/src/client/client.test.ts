// The client against an injected fetch that records each request and answers Google-shaped JSON:
// paths, methods, bodies, headers and envelope decoding. (The CLI's tests cover real sockets.)
import { describe, expect, it } from 'vitest'
import { Code, IamError } from '@runiam/core'
import { createClient, decodeError, operationResult, readModifyWrite } from './index.js'

interface Seen {
  method: string
  url: string
  headers: Record<string, string>
  body: string | undefined
}

function fakeFetch(answer: (seen: Seen) => Response): {
  seen: Seen[]
  fetch: (input: string, init: RequestInit) => Promise<Response>
} {
  const seen: Seen[] = []
  return {
    seen,
    fetch: async (input, init) => {
      const s: Seen = {
        method: init.method ?? 'GET',
        url: input,
        headers: init.headers as Record<string, string>,
        body: typeof init.body === 'string' ? init.body : undefined,
      }
      seen.push(s)
      return answer(s)
    },
  }
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

describe('createClient', () => {
  it('sends Google-shaped IAM requests with the bearer token', async () => {
    const f = fakeFetch(() => json(200, { etag: 'ACAB' }))
    const c = createClient({
      endpoint: 'http://h:1/',
      getToken: async () => 'tok',
      fetch: f.fetch,
    })
    const ref = { project: 'p', region: 'us-central1', service: 's' }
    await c.getServiceIamPolicy(ref, 3)
    await c.getServiceIamPolicy(ref)
    await c.setServiceIamPolicy(ref, { bindings: [], etag: 'ACAB' })
    await c.setServiceIamPolicy(ref, { etag: 'ACAB' }, 'bindings,etag')
    await c.getProjectIamPolicy('p')
    await c.setProjectIamPolicy('p', { version: 3 })
    expect(f.seen.map((s) => `${s.method} ${s.url} ${s.body ?? ''}`)).toEqual([
      'GET http://h:1/v1/projects/p/locations/us-central1/services/s:getIamPolicy?options.requestedPolicyVersion=3 ',
      'GET http://h:1/v1/projects/p/locations/us-central1/services/s:getIamPolicy ',
      'POST http://h:1/v1/projects/p/locations/us-central1/services/s:setIamPolicy {"policy":{"bindings":[],"etag":"ACAB"}}',
      'POST http://h:1/v1/projects/p/locations/us-central1/services/s:setIamPolicy {"policy":{"etag":"ACAB"},"updateMask":"bindings,etag"}',
      'POST http://h:1/v1/projects/p:getIamPolicy {"options":{"requestedPolicyVersion":3}}',
      'POST http://h:1/v1/projects/p:setIamPolicy {"policy":{"version":3}}',
    ])
    expect(f.seen[0]?.headers['authorization']).toBe('Bearer tok')
    expect(f.seen[2]?.headers['content-type']).toBe('application/json')
  })

  it('uses v2 paths for service CRUD', async () => {
    const f = fakeFetch(() => json(200, { name: 'op', done: true }))
    const c = createClient({ endpoint: 'http://h', fetch: f.fetch })
    const ref = { project: 'p', region: 'r', service: 's' }
    await c.createService(ref, { annotations: { a: 'b' } })
    await c.updateService(ref, { annotations: {} }, 'annotations')
    await c.deleteService(ref)
    await c.getService(ref)
    await c.listServices('p', 'r', 'next')
    expect(f.seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST http://h/v2/projects/p/locations/r/services?serviceId=s',
      'PATCH http://h/v2/projects/p/locations/r/services/s?updateMask=annotations',
      'DELETE http://h/v2/projects/p/locations/r/services/s',
      'GET http://h/v2/projects/p/locations/r/services/s',
      'GET http://h/v2/projects/p/locations/r/services?pageToken=next',
    ])
    expect(f.seen[0]?.headers['authorization']).toBeUndefined()
  })

  it('posts a form-encoded dev login', async () => {
    const f = fakeFetch(() =>
      json(200, { access_token: 'a', id_token: 'i', token_type: 'Bearer', expires_in: 3600 }),
    )
    const c = createClient({ endpoint: 'http://h', fetch: f.fetch })
    const t = await c.devLogin('alice@example.com')
    expect(t.access_token).toBe('a')
    expect(f.seen[0]?.url).toBe('http://h/token')
    expect(f.seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(new URLSearchParams(f.seen[0]?.body).get('grant_type')).toBe(
      'urn:runiam:params:oauth:grant-type:dev-login',
    )
    expect(new URLSearchParams(f.seen[0]?.body).get('subject')).toBe('alice@example.com')
  })

  it('decodes the error envelope into IamError', async () => {
    const f = fakeFetch(() =>
      json(409, {
        error: { code: 409, message: 'There were concurrent policy changes.', status: 'ABORTED' },
      }),
    )
    const c = createClient({ endpoint: 'http://h', fetch: f.fetch })
    const err = await c.getProject('p').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(IamError)
    expect((err as IamError).code).toBe(Code.ABORTED)
    expect((err as IamError).message).toBe('There were concurrent policy changes.')
  })

  it('turns a refused connection into UNAVAILABLE naming the endpoint', async () => {
    const c = createClient({
      endpoint: 'http://h:9',
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } })
      },
    })
    const err = (await c.getProject('p').catch((e: unknown) => e)) as IamError
    expect(err.code).toBe(Code.UNAVAILABLE)
    expect(err.message).toContain('[http://h:9] (ECONNREFUSED)')
  })
})

describe('decodeError', () => {
  it('lets the status string win over the HTTP code', () => {
    const e = decodeError(
      409,
      JSON.stringify({ error: { code: 409, status: 'ALREADY_EXISTS', message: 'x' } }),
    )
    expect(e.code).toBe(Code.ALREADY_EXISTS)
  })
  it('falls back to the HTTP code, takes the ErrorInfo reason', () => {
    const e = decodeError(
      403,
      JSON.stringify({
        error: {
          code: 403,
          message: 'denied',
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'IAM_PERMISSION_DENIED',
            },
          ],
        },
      }),
    )
    expect(e.code).toBe(Code.PERMISSION_DENIED)
    expect(e.reason).toBe('IAM_PERMISSION_DENIED')
    expect(e.details).toHaveLength(1)
  })
  it('handles OAuth errors and non-JSON bodies', () => {
    const o = decodeError(
      400,
      JSON.stringify({ error: 'invalid_grant', error_description: 'nope' }),
    )
    expect(o.code).toBe(Code.INVALID_ARGUMENT)
    expect(o.message).toBe('invalid_grant: nope')
    const h = decodeError(502, '<html>Bad gateway</html>')
    expect(h.code).toBe(Code.UNKNOWN)
    expect(h.message).toBe('HTTP 502: <html>Bad gateway</html>')
  })
})

describe('operationResult', () => {
  it('returns the response or throws the numeric-coded error', () => {
    expect(operationResult({ name: 'o', done: true, response: { '@type': 't', x: 1 } })).toEqual({
      '@type': 't',
      x: 1,
    })
    expect(() =>
      operationResult({ name: 'o', done: true, error: { code: 6, message: 'exists' } }),
    ).toThrow(expect.objectContaining({ code: Code.ALREADY_EXISTS, message: 'exists' }))
  })
})

describe('readModifyWrite', () => {
  const aborted = (): IamError => new IamError(Code.ABORTED, 'ABORTED', 'etag')
  it('reruns the cycle on ABORTED with growing waits, then succeeds', async () => {
    const waits: number[] = []
    let calls = 0
    const v = await readModifyWrite(
      async () => {
        calls++
        if (calls < 4) throw aborted()
        return 'ok'
      },
      { sleep: async (ms) => void waits.push(ms), random: () => 1 },
    )
    expect(v).toBe('ok')
    expect(calls).toBe(4)
    expect(waits).toEqual([100, 200, 400])
  })
  it('reruns the cycle when a replica is UNAVAILABLE (fenced, or its database unreachable)', async () => {
    let calls = 0
    const v = await readModifyWrite(
      async () => {
        calls++
        if (calls === 1) throw new IamError(Code.UNAVAILABLE, 'STORE_FEED_LAGGING', 'lagging')
        return 'ok'
      },
      { sleep: async () => {} },
    )
    expect(v).toBe('ok')
    expect(calls).toBe(2)
  })
  it('tries 12 times by default', async () => {
    let calls = 0
    await expect(
      readModifyWrite(
        async () => {
          calls++
          throw aborted()
        },
        { sleep: async () => {} },
      ),
    ).rejects.toMatchObject({ code: Code.ABORTED })
    expect(calls).toBe(12)
  })
  it('gives up after maxAttempts and does not retry other errors', async () => {
    let calls = 0
    await expect(
      readModifyWrite(
        async () => {
          calls++
          throw aborted()
        },
        { sleep: async () => {}, maxAttempts: 3 },
      ),
    ).rejects.toMatchObject({ code: Code.ABORTED })
    expect(calls).toBe(3)
    calls = 0
    await expect(
      readModifyWrite(async () => {
        calls++
        throw new IamError(Code.NOT_FOUND, 'NOT_FOUND', 'x')
      }),
    ).rejects.toMatchObject({ code: Code.NOT_FOUND })
    expect(calls).toBe(1)
  })
})
