// The fence over real sockets: while the feed is not followed, the gateway, the auth_request
// endpoint and the admin API answer 503 in Google's envelope without reaching the surface behind
// them, and /readyz is false; once it follows again every request goes through untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fenceSurfaces, type FeedState } from './feed-fence.js'
import { createFrontDoor, type FrontDoor, type Surfaces } from './front-door.js'

const reached: string[] = []
const ok =
  (what: string) =>
  async (_req: unknown, res: { writeHead(s: number): { end(b: string): void } }) => {
    reached.push(what)
    res.writeHead(200).end(what)
  }

const surfaces: Surfaces = {
  authz: ok('authz') as unknown as Surfaces['authz'],
  gateway: {
    handle: ok('gateway') as unknown as Surfaces['gateway']['handle'],
    handleUpgrade: async () => undefined,
  },
  console: ok('console') as unknown as Surfaces['console'],
  identity: async () => false,
  admin: ok('admin') as unknown as Surfaces['admin'],
  ready: async () => ({ ok: true, store: 'ok' }),
  metrics: async () => ({ contentType: 'text/plain', text: '' }),
}

let feed: { following: boolean; state: FeedState['state'] } = { following: true, state: 'ok' }
let door: FrontDoor
let base = ''

beforeAll(async () => {
  door = createFrontDoor({
    isServiceHost: (host) => host.endsWith('.run.localhost'),
    observe: () => undefined,
    log: () => undefined,
    accessLog: false,
    limits: { headersTimeoutMs: 5000, requestTimeoutMs: 10_000, keepAliveTimeoutMs: 5000 },
  })
  // The fence reads the state on each request: a getter, as the store's follower has.
  door.serve(
    fenceSurfaces(
      surfaces,
      {
        get following() {
          return feed.following
        },
        get state() {
          return feed.state
        },
      },
      { gatewayPage: () => ({ status: 503, body: '<title>Service Unavailable</title>' }) },
    ),
  )
  await new Promise<void>((resolve) => door.server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(door.server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => door.server.close(() => resolve()))
})

async function get(
  path: string,
  host?: string,
): Promise<{ status: number; body: string; reason?: string }> {
  const url = new URL(path, base)
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, headers: host === undefined ? {} : { host } },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        const reason = res.headers['x-runiam-reason']
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            ...(typeof reason === 'string' ? { reason } : {}),
          }),
        )
      },
    )
    req.on('error', reject)
    req.end()
  })
}

describe('the feed fence', () => {
  it('refuses to decide while the feed is not followed, and lets everything through after', async () => {
    feed = { following: false, state: 'disconnected' }
    reached.length = 0
    const admin = await get('/v2/projects/p/locations/l/services/s')
    const gateway = await get('/', 'hello-1.us-central1.run.localhost')
    const authz = await get('/_runiam/authz')
    const ready = await get('/readyz')
    // A service's caller gets the gateway's HTML page, naming the reason in a header.
    expect(gateway.status).toBe(503)
    expect(gateway.body).toContain('Service Unavailable')
    expect(gateway.reason).toBe('STORE_FEED_LAGGING')
    for (const r of [admin, authz]) {
      expect(r.status).toBe(503)
      const error = (JSON.parse(r.body) as { error: Record<string, unknown> }).error
      expect(error).toMatchObject({ code: 503, status: 'UNAVAILABLE' })
      expect(JSON.stringify(error)).toContain('STORE_FEED_LAGGING')
      expect(String(error['message'])).toContain('disconnected')
    }
    expect(reached).toEqual([])
    expect(ready.status).toBe(503)
    expect(JSON.parse(ready.body)).toEqual({ status: 'unavailable', store: 'feed disconnected' })
    // Liveness is not readiness: the process is alive.
    expect((await get('/healthz')).status).toBe(200)

    feed = { following: true, state: 'ok' }
    expect((await get('/v2/projects/p/locations/l/services/s')).status).toBe(200)
    expect((await get('/', 'hello-1.us-central1.run.localhost')).status).toBe(200)
    expect((await get('/_runiam/authz')).status).toBe(200)
    expect((await get('/readyz')).status).toBe(200)
    expect(reached).toEqual(['admin', 'gateway', 'authz'])
  })
})
