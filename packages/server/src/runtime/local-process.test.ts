// A service that runs as a local process, through the whole server in this process (startServer
// on a real socket, SQLite in a temp folder): deployed with a container command over the v2 REST
// API, started by the first request the gateway admits, its output read back with Cloud
// Logging's entries:list (authorized, filtered, paged), stopped when the service is deleted and
// when the server closes.
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { startServer, type RunningServer } from '../main.js'

const PROJECT = 'logs-proj'
const REGION = 'us-central1'
const SCRIPT = `require('http').createServer((q,s)=>{console.log('hit',q.url);s.end('pong:'+process.env.K_SERVICE)}).listen(process.env.PORT)`

let dir: string
let server: RunningServer
let ownerToken: string

async function token(email: string, audience?: string): Promise<string> {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: email,
      ...(audience === undefined ? {} : { audience }),
    }),
  })
  const body = (await res.json()) as { access_token: string; id_token: string }
  return audience === undefined ? body.access_token : body.id_token
}

async function api(
  method: string,
  path: string,
  body?: unknown,
  as = ownerToken,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${as}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return {
    status: res.status,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  }
}

function invoke(
  uri: string,
  path: string,
  idToken: string,
): Promise<{ status: number; body: string }> {
  const target = new URL(uri)
  const s = new URL(server.url)
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: s.hostname,
        port: s.port,
        path,
        headers: { host: target.host, authorization: `Bearer ${idToken}` },
      },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port })
    socket.once('connect', () => (socket.destroy(), resolve(true)))
    socket.once('error', () => resolve(false))
  })
}

async function eventually<T>(fn: () => Promise<T>, what: string): Promise<T> {
  const until = Date.now() + 15_000
  for (;;) {
    try {
      return await fn()
    } catch (err) {
      if (Date.now() > until) throw new Error(`${what}: ${String(err)}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function deploy(id: string, script: string): Promise<string> {
  const r = await api(
    'POST',
    `/v2/projects/${PROJECT}/locations/${REGION}/services?serviceId=${id}`,
    {
      template: {
        containers: [{ image: 'local', command: [process.execPath], args: ['-e', script] }],
      },
    },
  )
  expect(r.status, JSON.stringify(r.json)).toBe(200)
  const got = await api('GET', `/v2/projects/${PROJECT}/locations/${REGION}/services/${id}`)
  return got.json['uri'] as string
}

const entries = (body: Record<string, unknown>) =>
  (body['entries'] ?? []) as {
    textPayload: string
    logName: string
    resource: { type: string; labels: Record<string, string> }
  }[]

const filterFor = (service: string) =>
  `resource.type = "cloud_run_revision" AND resource.labels.service_name = "${service}" AND resource.labels.location = "${REGION}" AND severity >= DEFAULT`

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-local-'))
  server = await startServer(loadConfig(['--dev', '--port', '0', '--data', dir, '--no-access-log']))
  ownerToken = await token('admin@example.com')
  const p = await api('POST', '/v1/projects', { projectId: PROJECT })
  expect(p.status, JSON.stringify(p.json)).toBe(200)
}, 30_000)

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('services as local processes', () => {
  it('starts on the first admitted request and its output is readable with entries:list', async () => {
    const uri = await deploy('hello', SCRIPT)
    const id = await token('admin@example.com', uri)
    const r = await invoke(uri, '/first', id)
    expect(r).toEqual({ status: 200, body: 'pong:hello' })
    const list = await eventually(async () => {
      const l = await api('POST', '/v2/entries:list', {
        resourceNames: [`projects/${PROJECT}`],
        filter: filterFor('hello'),
        orderBy: 'timestamp desc',
      })
      if (!entries(l.json).some((e) => e.textPayload === 'hit /first')) throw new Error('no line')
      return l
    }, 'the hit line')
    expect(list.status).toBe(200)
    const hit = entries(list.json).find((e) => e.textPayload === 'hit /first')
    expect(hit).toMatchObject({
      logName: `projects/${PROJECT}/logs/run.googleapis.com%2Fstdout`,
      resource: {
        type: 'cloud_run_revision',
        labels: { service_name: 'hello', location: REGION, project_id: PROJECT },
      },
      severity: 'DEFAULT',
    })
    // Paging: one entry per page, every entry seen once, newest first.
    const seen: string[] = []
    let pageToken: string | undefined
    do {
      const page = await api('POST', '/v2/entries:list', {
        resourceNames: [`projects/${PROJECT}`],
        filter: filterFor('hello'),
        orderBy: 'timestamp desc',
        pageSize: 1,
        ...(pageToken === undefined ? {} : { pageToken }),
      })
      expect(entries(page.json).length).toBeLessThanOrEqual(1)
      seen.push(...entries(page.json).map((e) => e.textPayload))
      pageToken = page.json['nextPageToken'] as string | undefined
    } while (pageToken !== undefined)
    expect(seen).toEqual(entries(list.json).map((e) => e.textPayload))
    // Another service's filter does not see it.
    const other = await api('POST', '/v2/entries:list', {
      resourceNames: [`projects/${PROJECT}`],
      filter: filterFor('other'),
    })
    expect(other.json).toEqual({})
  })

  it('entries:list authorizes logging.logEntries.list first and refuses filters it cannot parse or evaluate', async () => {
    const stranger = await token('stranger@example.com')
    for (const project of [PROJECT, 'no-such-project']) {
      const denied = await api(
        'POST',
        '/v2/entries:list',
        { resourceNames: [`projects/${project}`] },
        stranger,
      )
      expect(denied.status).toBe(403)
      expect(JSON.stringify(denied.json)).toContain('logging.logEntries.list')
    }
    const viewer = await api('POST', `/v1/projects/${PROJECT}:setIamPolicy`, {
      policy: {
        bindings: [
          { role: 'roles/owner', members: ['user:admin@example.com'] },
          { role: 'roles/logging.viewer', members: ['user:stranger@example.com'] },
        ],
      },
    })
    expect(viewer.status, JSON.stringify(viewer.json)).toBe(200)
    const allowed = await api(
      'POST',
      '/v2/entries:list',
      { resourceNames: [`projects/${PROJECT}`], filter: filterFor('hello') },
      stranger,
    )
    expect(allowed.status).toBe(200)
    const bad = await api('POST', '/v2/entries:list', {
      resourceNames: [`projects/${PROJECT}`],
      filter: 'resource.labels.service_name = "a" OR',
    })
    expect(bad.status).toBe(400)
    expect(JSON.stringify(bad.json)).toContain('filter')
    const unknown = await api('POST', '/v2/entries:list', {
      resourceNames: [`projects/${PROJECT}`],
      filter: 'jsonPayload.message = "x"',
    })
    expect(unknown.status).toBe(400)
    expect(JSON.stringify(unknown.json)).toContain('jsonPayload.message')
  })

  it('a command that exits at once gets the 503 page; the process is stopped when the service is deleted', async () => {
    const broken = await deploy('broken', 'process.exit(2)')
    const res = await invoke(broken, '/', await token('admin@example.com', broken))
    expect(res.status).toBe(503)

    const uri = await deploy('doomed', SCRIPT)
    expect((await invoke(uri, '/', await token('admin@example.com', uri))).status).toBe(200)
    const started = await api('POST', '/v2/entries:list', {
      resourceNames: [`projects/${PROJECT}`],
      filter: `resource.labels.service_name = "doomed" AND textPayload:"Starting"`,
    })
    const port = Number(/on port (\d+)/.exec(entries(started.json)[0]?.textPayload ?? '')?.[1])
    expect(port).toBeGreaterThan(0)
    expect(await accepts(port)).toBe(true)
    const del = await api('DELETE', `/v2/projects/${PROJECT}/locations/${REGION}/services/doomed`)
    expect(del.status).toBe(200)
    await eventually(async () => {
      if (await accepts(port)) throw new Error('still listening')
    }, 'the process to stop')
  })
})
