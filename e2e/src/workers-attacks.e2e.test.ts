// `runiam serve --workers 2` under a hostile environment, black-box: stopped in the middle of a
// request, a worker frozen (SIGSTOP) while a write waits for it, the primary killed outright, a
// worker killed while a revocation is made, SIGTERM while a worker is being restarted.
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { startServer, type ServerProcess } from './harness.js'

const SERVICE = '/v2/projects/demo-project/locations/us-central1/services/hello'

/** A raw keep-alive connection: what the server answers is read as it comes. */
interface Connection {
  readonly socket: Socket
  received(): string
}

async function open(server: ServerProcess): Promise<Connection> {
  const at = new URL(server.url)
  const socket = connect(Number(at.port), at.hostname)
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  let data = ''
  socket.on('data', (d: Buffer) => (data += d.toString()))
  socket.on('error', () => {})
  return { socket, received: () => data }
}

/** Sends one request on `c` and resolves with its status once the whole answer is in. */
async function ask(
  c: Connection,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body = '',
): Promise<{ status: number; requestId: string }> {
  const from = c.received().length
  const lines = Object.entries({ host: 'x', 'content-length': String(body.length), ...headers })
  c.socket.write(
    `${method} ${path} HTTP/1.1\r\n${lines.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n${body}`,
  )
  let answer = ''
  await until(`${method} ${path} answered`, () => {
    answer = c.received().slice(from)
    const end = answer.indexOf('\r\n\r\n')
    const length = /content-length: (\d+)/i.exec(answer)?.[1]
    return end >= 0 && length !== undefined && answer.length >= end + 4 + Number(length)
  })
  return {
    status: Number(answer.slice(9, 12)),
    requestId: /x-request-id: (\S+)/i.exec(answer)?.[1] ?? '',
  }
}

/** The pid that logged the request with this id (lines are written a tick late). */
async function answeredBy(server: ServerProcess, requestId: string): Promise<number> {
  let pid: number | undefined
  await until(`request ${requestId} logged`, () => {
    const line = server
      .logs()
      .split('\n')
      .find((l) => l.includes(`"requestId":"${requestId}"`) && l.includes('"event":"request"'))
    pid = line === undefined ? undefined : (JSON.parse(line) as { pid: number }).pid
    return pid !== undefined
  })
  return pid as number
}

/** The first JSON log line that `match` accepts, once it is written. */
async function logLine(
  server: ServerProcess,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined
  await until('log line', () => {
    for (const l of server.logs().split('\n')) {
      if (!l.startsWith('{')) continue
      const line = JSON.parse(l) as Record<string, unknown>
      if (match(line)) {
        found = line
        return true
      }
    }
    return false
  })
  return found as Record<string, unknown>
}

async function token(server: ServerProcess, email: string, audience: string) {
  const res = await fetch(`${server.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
      subject: email,
      audience,
    }),
  })
  expect(res.status).toBe(200)
  return (await res.json()) as { access_token: string; id_token: string }
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (ok()) return
    await sleep(50)
  }
  throw new Error(`never: ${what}`)
}

describe('runiam serve --workers 2, attacked', () => {
  it('SIGTERM to the primary answers a request still arriving, then exits 0', async () => {
    const server = await startServer(['--workers', '2'])
    try {
      const c = await open(server)
      // The connection is a worker's once it answered on it.
      c.socket.write('GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n')
      await until('healthz answered', () => c.received().includes('\r\n\r\n'))
      const body = new URLSearchParams({
        grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
        subject: 'alice@example.com',
        audience: server.url,
      }).toString()
      c.socket.write(
        `POST /token HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
      )
      const before = c.received().length
      const stopped = server.stop()
      await sleep(500)
      c.socket.write(body.slice(10))
      await until(
        'answer or close',
        () => c.received().length > before || c.socket.destroyed || c.socket.readableEnded,
      )
      expect(c.received().slice(before)).toMatch(/^HTTP\/1\.1 \d{3} /)
      expect(await stopped).toBe(0)
    } finally {
      await server.stop()
    }
  }, 60_000)

  it('a worker frozen while a write waits for it is killed before the write is answered', async () => {
    const server = await startServer(['--workers', '2', '--demo'])
    let frozen: number | undefined
    try {
      const token = await fetch(`${server.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'urn:runiam:params:oauth:grant-type:dev-login',
          subject: 'admin@example.com',
          audience: server.url,
        }),
      })
      const admin = `Bearer ${((await token.json()) as { access_token: string }).access_token}`
      // One kept-alive connection on each worker.
      const on = new Map<number, Connection>()
      for (let i = 0; i < 40 && on.size < 2; i++) {
        const c = await open(server)
        const pid = await answeredBy(server, (await ask(c, 'GET', '/healthz')).requestId)
        if (on.has(pid)) c.socket.destroy()
        else on.set(pid, c)
      }
      expect(on.size).toBe(2)
      const [[writer, c], [victim]] = [...on.entries()] as [[number, Connection], [number]]
      frozen = victim
      process.kill(victim, 'SIGSTOP')
      const policy = JSON.stringify({
        policy: { bindings: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'] }] },
      })
      const write = await ask(
        c,
        'POST',
        `${SERVICE}:setIamPolicy`,
        { authorization: admin, 'content-type': 'application/json' },
        policy,
      )
      expect(write.status).toBe(200)
      // Answered: the worker that still had the old policy is gone, not waiting to resume.
      expect(() => process.kill(victim, 0)).toThrow(/ESRCH/)
      expect(server.logs()).toContain('"event":"worker_killed"')
      // The writer goes on serving on its connection.
      expect(await answeredBy(server, (await ask(c, 'GET', '/healthz')).requestId)).toBe(writer)
    } finally {
      if (frozen !== undefined) {
        try {
          process.kill(frozen, 'SIGCONT')
        } catch {
          // gone
        }
      }
      await server.stop()
    }
  }, 60_000)

  it('no worker outlives a primary killed with SIGKILL, even one holding a connection', async () => {
    const server = await startServer(['--workers', '2'])
    try {
      let config: { pid: number; workers: number[] } | undefined
      await until('config logged', () => {
        const line = server
          .logs()
          .split('\n')
          .find((l) => l.includes('"event":"config"'))
        config = line === undefined ? undefined : (JSON.parse(line) as typeof config)
        return config !== undefined
      })
      const { pid: primary, workers } = config as { pid: number; workers: number[] }
      expect(workers).toHaveLength(2)
      const c = await open(server)
      await ask(c, 'GET', '/healthz')
      process.kill(primary, 'SIGKILL')
      const alive = (pid: number) => {
        try {
          process.kill(pid, 0)
          return true
        } catch {
          return false
        }
      }
      await until('every worker gone', () => !workers.some(alive))
      await until('its connection closed', () => c.socket.readableEnded || c.socket.destroyed)
    } finally {
      await server.stop()
    }
  }, 60_000)

  it('a worker restarted after a write it missed decides under that write', async () => {
    const server = await startServer(['--workers', '2', '--demo'])
    try {
      const config = await logLine(server, (l) => l['event'] === 'config')
      const [victim] = config['workers'] as [number, number]
      const admin = `Bearer ${(await token(server, 'admin@example.com', server.url)).access_token}`
      const asAdmin = { authorization: admin, 'content-type': 'application/json' }
      const svc = await fetch(`${server.url}${SERVICE}`, { headers: asAdmin })
      const uri = ((await svc.json()) as { uri: string }).uri
      const alice = (await token(server, 'alice@example.com', uri)).id_token
      const setPolicy = async (members: string[]) => {
        const policy =
          members.length === 0 ? {} : { bindings: [{ role: 'roles/run.invoker', members }] }
        const res = await fetch(`${server.url}${SERVICE}:setIamPolicy`, {
          method: 'POST',
          headers: asAdmin,
          body: JSON.stringify({ policy }),
        })
        expect(res.status).toBe(200)
      }
      await setPolicy(['user:alice@example.com'])
      process.kill(victim, 'SIGKILL')
      await logLine(server, (l) => l['event'] === 'worker_exited' && l['workerPid'] === victim)
      // Revoked while it is down: only the survivor is asked.
      await setPolicy([])
      const restarted = (await logLine(server, (l) => l['event'] === 'worker_restarted'))[
        'workerPid'
      ] as number
      const decided = new Map<number, number[]>()
      for (let i = 0; i < 12; i++) {
        const c = await open(server)
        const r = await ask(c, 'GET', '/', {
          host: new URL(uri).host,
          authorization: `Bearer ${alice}`,
        })
        c.socket.destroy()
        const pid = await answeredBy(server, r.requestId)
        decided.set(pid, [...(decided.get(pid) ?? []), r.status])
      }
      expect(decided.get(restarted)?.length).toBeGreaterThan(0)
      expect([...decided.values()].flat().every((status) => status === 403)).toBe(true)
    } finally {
      await server.stop()
    }
  }, 60_000)

  it('SIGTERM while a worker restarts stops that worker too, without killing it', async () => {
    const server = await startServer(['--workers', '2'])
    let frozen: number | undefined
    try {
      const config = await logLine(server, (l) => l['event'] === 'config')
      const primary = config['pid'] as number
      const [victim, survivor] = config['workers'] as [number, number]
      process.kill(victim, 'SIGKILL')
      // Its replacement, caught as soon as it is forked, before it listens for the primary.
      const children = `/proc/${primary}/task/${primary}/children`
      await until('replacement forked', () => {
        const pids = readFileSync(children, 'utf8').split(' ').filter(Boolean).map(Number)
        frozen = pids.find((p) => p !== victim && p !== survivor)
        if (frozen !== undefined) process.kill(frozen, 'SIGSTOP')
        return frozen !== undefined
      })
      const stopped = server.stop()
      await logLine(server, (l) => l['event'] === 'worker_stopped' && l['workerPid'] === survivor)
      process.kill(frozen as number, 'SIGCONT')
      expect(await stopped).toBe(0)
      expect(
        await logLine(server, (l) => l['event'] === 'worker_stopped' && l['workerPid'] === frozen),
      ).toMatchObject({ code: 0, signal: null })
    } finally {
      if (frozen !== undefined) {
        try {
          process.kill(frozen, 'SIGCONT')
        } catch {
          // gone
        }
      }
      await server.stop()
    }
  }, 60_000)

  it('refuses a --workers value that is not a count, naming it, before forking anything', async () => {
    for (const value of ['0', '-1', '1.5', 'abc', '1000', '0x10']) {
      const failed = await startServer(['--workers', value]).then(
        async (server) => {
          await server.stop()
          return 'started'
        },
        (err: unknown) => String(err),
      )
      expect(failed).toContain(
        `workers must be an integer from 1 to 64, got ${JSON.stringify(value)}`,
      )
      expect(failed).not.toContain('"event"')
    }
  }, 60_000)
})
