// A service that runs as a local process, end to end: `runiam serve` and the `runiam` CLI as real
// processes. The owner deploys a service whose container command is a small node HTTP server
// through the v2 REST API (with the token `runiam auth print-access-token` prints), calls it
// through the gateway with an ID token, and reads the line it printed with
// `runiam run services logs read`, also after the server restarted.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken as mintIdToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'local-proc'
const REGION = 'us-central1'
const SCRIPT = `require('http').createServer((q,s)=>{console.log('hit',q.url);s.end('pong:'+process.env.K_SERVICE)}).listen(process.env.PORT)`

let server: ServerProcess
let owner: User
let accessToken: string

const invoke = (uri: string, path: string, token: string) =>
  invokeService(server, uri, path, { authorization: `Bearer ${token}` })

const idToken = (email: string, audience: string): Promise<string> =>
  mintIdToken(server, email, audience)

/** Deploys through the v2 REST API, as Google's client libraries and Terraform do. */
async function deploy(id: string, args: string[]): Promise<string> {
  const base = `${server.url}/v2/projects/${PROJECT}/locations/${REGION}/services`
  const headers = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }
  const res = await fetch(`${base}?serviceId=${id}`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      template: { containers: [{ image: 'local', command: [process.execPath], args }] },
    }),
  })
  expect(res.status, await res.clone().text()).toBe(200)
  const got = await fetch(`${base}/${id}`, { headers })
  return ((await got.json()) as { uri: string }).uri
}

async function logsRead(user: User, service: string, extra: string[] = []): Promise<string> {
  const r = await user.run(['run', 'services', 'logs', 'read', service, ...extra])
  expect(r.code, r.stderr).toBe(0)
  return r.stdout
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

async function eventually(fn: () => Promise<void>, what: string): Promise<void> {
  const until = Date.now() + 15_000
  for (;;) {
    try {
      await fn()
      return
    } catch (err) {
      if (Date.now() > until) throw new Error(`${what}: ${String(err)}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
}

beforeAll(async () => {
  server = await startServer([], { keepData: true })
  owner = await login(server, 'admin@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const t = await owner.run(['auth', 'print-access-token'])
  expect(t.code, t.stderr).toBe(0)
  accessToken = t.stdout.trim()
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe('a service run as a local process', () => {
  it('starts on the first request and its output is read with runiam run services logs read', async () => {
    const uri = await deploy('echo', ['-e', SCRIPT])
    const token = await idToken('admin@example.com', uri)
    expect(await invoke(uri, '/hello', token)).toMatchObject({ status: 200, body: 'pong:echo' })
    await eventually(async () => {
      expect(await logsRead(owner, 'echo')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d hit \/hello$/m)
    }, 'the line in logs read')
    expect(await invoke(uri, '/again', token)).toMatchObject({ status: 200, body: 'pong:echo' })
    await eventually(async () => {
      const out = await logsRead(owner, 'echo', ['--limit', '1'])
      expect(out).toMatch(/^\S+ \S+ hit \/again\n$/)
    }, 'the newest line with --limit 1')
    // Someone without logging.logEntries.list on the project is refused, naming it.
    const stranger = await login(server, 'stranger@example.com', PROJECT)
    const denied = await stranger.run(['run', 'services', 'logs', 'read', 'echo'])
    expect(denied.code).toBe(1)
    expect(denied.stderr).toContain('logging.logEntries.list')
  })

  it('a command that exits at once answers the 503 page', async () => {
    const uri = await deploy('crash', ['-e', 'process.exit(1)'])
    const r = await invoke(uri, '/', await idToken('admin@example.com', uri))
    expect(r.status).toBe(503)
  })

  it('keeps the lines across a server restart (read back from the data folder)', async () => {
    // Where the service's process listens, from runiam's own note in its logs.
    const res = await fetch(`${server.url}/v2/entries:list`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceNames: [`projects/${PROJECT}`],
        filter: 'resource.labels.service_name = "echo" AND textPayload:"on port"',
      }),
    })
    const notes = (await res.json()) as { entries?: { textPayload: string }[] }
    const port = Number(/on port (\d+)/.exec(notes.entries?.[0]?.textPayload ?? '')?.[1])
    expect(await accepts(port)).toBe(true)
    const dataDir = server.dataDir
    await server.stop()
    // The server stopped its processes on the way out.
    expect(await accepts(port)).toBe(false)
    server = await startServer([], { dataDir, keepData: true })
    const again = await login(server, 'admin@example.com', PROJECT)
    expect(await logsRead(again, 'echo')).toMatch(/ hit \/hello\n/)
  }, 60_000)
})

describe('a server without --local-processes (the default outside --dev)', () => {
  it('never runs a service command: the gateway answers 503 and logs why', async () => {
    const off = await startServer(['--no-local-processes'])
    try {
      const admin = await login(off, 'admin@example.com', 'no-local')
      expect((await admin.run(['projects', 'create', 'no-local'])).code).toBe(0)
      const token = (await admin.run(['auth', 'print-access-token'])).stdout.trim()
      const base = `${off.url}/v2/projects/no-local/locations/${REGION}/services`
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
      const created = await fetch(`${base}?serviceId=cmd`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          template: {
            containers: [{ image: 'local', command: [process.execPath], args: ['-e', SCRIPT] }],
          },
        }),
      })
      expect(created.status, await created.clone().text()).toBe(200)
      const uri = ((await (await fetch(`${base}/cmd`, { headers })).json()) as { uri: string }).uri
      const id = await mintIdToken(off, 'admin@example.com', uri)
      const r = await invokeService(off, uri, '/', { authorization: `Bearer ${id}` })
      expect(r.status).toBe(503)
      expect(r.body).toContain('Service Unavailable')
      await eventually(async () => {
        expect(off.logs()).toContain(
          'does not run local processes (start it with --local-processes)',
        )
      }, 'the log line saying why')
    } finally {
      await off.stop()
    }
  }, 60_000)
})
