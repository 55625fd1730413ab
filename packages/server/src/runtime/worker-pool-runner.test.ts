// Worker pools as local processes, through the whole server in this process (startServer --dev
// on a real socket, SQLite in a temp folder): a pool created over the v2 REST API with a container
// command starts at once (no request starts it) without a PORT, writes a side effect we can see,
// is restarted when killed, replaced when updated, scaled by manualInstanceCount, stopped when
// deleted and when the server closes; its output is entries:list's cloud_run_worker_pool.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../config/load.js'
import { startServer, type RunningServer } from '../main.js'
import { localInstances, MAX_LOCAL_INSTANCES } from './worker-pool-runner.js'

const PROJECT = 'pool-proc'
const REGION = 'us-central1'
const POOLS = `/v2/projects/${PROJECT}/locations/${REGION}/workerPools`
// Appends who it is to $OUT once, prints a line, then keeps running.
const SCRIPT = `const e=process.env;require('fs').appendFileSync(e.OUT,JSON.stringify({pid:process.pid,pool:e.CLOUD_RUN_WORKER_POOL,rev:e.CLOUD_RUN_WORKER_POOL_REVISION,port:e.PORT??null,k:e.K_SERVICE??null,gen:e.GEN})+'\\n');console.log('worker up',e.GEN);setInterval(()=>{},1000)`

interface Started {
  pid: number
  pool: string
  rev: string
  port: string | null
  k: string | null
  gen: string
}

let dir: string
let server: RunningServer | undefined
let ownerToken: string

async function token(email: string): Promise<string> {
  const res = await fetch(`${server?.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: email,
    }),
  })
  return ((await res.json()) as { access_token: string }).access_token
}

async function api(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server?.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as never) }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function eventually<T>(fn: () => T | Promise<T>, what: string): Promise<T> {
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

/** The starts a pool's processes recorded in their side-effect file. */
function starts(file: string): Started[] {
  let text = ''
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return []
  }
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Started)
}

function poolBody(out: string, gen: string, scaling?: Record<string, unknown>) {
  return {
    template: {
      containers: [
        {
          image: 'local',
          command: [process.execPath],
          args: ['-e', SCRIPT],
          env: [
            { name: 'OUT', value: out },
            { name: 'GEN', value: gen },
          ],
        },
      ],
    },
    ...(scaling === undefined ? {} : { scaling }),
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-pools-'))
  server = await startServer(loadConfig(['--dev', '--port', '0', '--data', dir, '--no-access-log']))
  ownerToken = await token('admin@example.com')
  const p = await api('POST', '/v1/projects', { projectId: PROJECT })
  expect(p.status, JSON.stringify(p.json)).toBe(200)
}, 30_000)

afterAll(async () => {
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('worker pools as local processes', () => {
  it('a created pool runs at once, without PORT, and its output is cloud_run_worker_pool', async () => {
    const out = join(dir, 'w1.jsonl')
    const created = await api('POST', `${POOLS}?workerPoolId=w1`, poolBody(out, '1'))
    expect(created.status, JSON.stringify(created.json)).toBe(200)
    const revision = (
      (created.json['response'] as { latestCreatedRevision: string }).latestCreatedRevision ?? ''
    )
      .split('/')
      .at(-1)
    const [first] = await eventually(() => {
      const s = starts(out)
      if (s.length === 0) throw new Error('not started')
      return s
    }, 'the pool process')
    expect(first).toMatchObject({ pool: 'w1', rev: revision, port: null, k: null, gen: '1' })
    expect(alive(first?.pid ?? 0)).toBe(true)

    const list = await eventually(async () => {
      const l = await api('POST', '/v2/entries:list', {
        resourceNames: [`projects/${PROJECT}`],
        filter: `resource.type = "cloud_run_worker_pool" AND resource.labels.worker_pool_name = "w1" AND resource.labels.location = "${REGION}"`,
      })
      const entries = (l.json['entries'] ?? []) as { textPayload: string }[]
      if (!entries.some((e) => e.textPayload === 'worker up 1')) throw new Error('no line')
      return entries
    }, 'the worker line')
    expect(list.find((e) => e.textPayload === 'worker up 1')).toMatchObject({
      logName: `projects/${PROJECT}/logs/run.googleapis.com%2Fstdout`,
      resource: {
        type: 'cloud_run_worker_pool',
        labels: { worker_pool_name: 'w1', location: REGION, project_id: PROJECT },
      },
    })
    // A service's filter does not see a worker pool's lines.
    const services = await api('POST', '/v2/entries:list', {
      resourceNames: [`projects/${PROJECT}`],
      filter: 'resource.type = "cloud_run_revision"',
    })
    expect(services.json).toEqual({})
  })

  it('a killed process is restarted; an update replaces it; delete stops it', async () => {
    const out = join(dir, 'w2.jsonl')
    expect((await api('POST', `${POOLS}?workerPoolId=w2`, poolBody(out, '1'))).status).toBe(200)
    const first = await eventually(() => {
      const s = starts(out)[0]
      if (s === undefined) throw new Error('not started')
      return s
    }, 'the first process')
    process.kill(first.pid, 'SIGKILL')
    const second = await eventually(() => {
      const s = starts(out)[1]
      if (s === undefined) throw new Error('not restarted')
      return s
    }, 'the restarted process')
    expect(second.gen).toBe('1')
    expect(second.pid).not.toBe(first.pid)

    const patched = await api('PATCH', `${POOLS}/w2`, poolBody(out, '2'))
    expect(patched.status, JSON.stringify(patched.json)).toBe(200)
    const third = await eventually(() => {
      const s = starts(out).find((x) => x.gen === '2')
      if (s === undefined) throw new Error('not replaced')
      return s
    }, 'the updated process')
    await eventually(() => expect(alive(second.pid)).toBe(false), 'the old process stopped')
    expect(alive(third.pid)).toBe(true)

    expect((await api('DELETE', `${POOLS}/w2`)).status).toBe(200)
    await eventually(() => expect(alive(third.pid)).toBe(false), 'stopped on delete')
    expect(starts(out).length).toBe(3)
  })

  it('manualInstanceCount runs that many processes; 0 runs none', async () => {
    const out = join(dir, 'w3.jsonl')
    const created = await api(
      'POST',
      `${POOLS}?workerPoolId=w3`,
      poolBody(out, '1', { manualInstanceCount: 2 }),
    )
    expect(created.status, JSON.stringify(created.json)).toBe(200)
    const two = await eventually(() => {
      const s = starts(out)
      if (s.length < 2) throw new Error(`${s.length} started`)
      return s
    }, 'two processes')
    expect(new Set(two.map((s) => s.pid)).size).toBe(2)
    expect(two.every((s) => alive(s.pid))).toBe(true)
    const zero = await api('PATCH', `${POOLS}/w3?updateMask=scaling`, {
      scaling: { manualInstanceCount: 0 },
    })
    expect(zero.status, JSON.stringify(zero.json)).toBe(200)
    await eventually(
      () => expect(two.map((s) => alive(s.pid))).toEqual([false, false]),
      'both stopped at zero instances',
    )
    expect(starts(out).length).toBe(2)
  })

  it('the server stops every pool process when it closes', async () => {
    const out = join(dir, 'w4.jsonl')
    expect((await api('POST', `${POOLS}?workerPoolId=w4`, poolBody(out, '1'))).status).toBe(200)
    const started = await eventually(() => {
      const s = starts(out)[0]
      if (s === undefined) throw new Error('not started')
      return s
    }, 'the process')
    await server?.close()
    server = undefined
    expect(alive(started.pid)).toBe(false)
  })
})

describe('how many processes a worker pool gets here', () => {
  it('manualInstanceCount, 1 without it, never more than the local cap whatever a writer asks', () => {
    expect(localInstances({})).toBe(1)
    expect(localInstances({ scaling: {} })).toBe(1)
    expect(localInstances({ scaling: { manualInstanceCount: 0 } })).toBe(0)
    expect(localInstances({ scaling: { manualInstanceCount: 3 } })).toBe(3)
    expect(localInstances({ scaling: { manualInstanceCount: 2 ** 31 - 1 } })).toBe(
      MAX_LOCAL_INSTANCES,
    )
    expect(localInstances({ scaling: { manualInstanceCount: -1 } })).toBe(1)
    expect(localInstances({ scaling: { manualInstanceCount: '5' } })).toBe(1)
  })
})
