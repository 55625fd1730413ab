// The supervisor with real child processes (node -e …) on real loopback ports: lazy start, the
// container contract's env, output capture, restart after a kill, replacement on redeploy, stop
// on delete and close, and the two ways a start fails (exits at once, never listens).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isIamError } from '@runiam/core'
import { ProcessSupervisor, type ProcessRoute } from './process-supervisor.js'
import { ServiceLogs } from './service-logs.js'

const SERVER = `require('http').createServer((q,s)=>{console.log('hit',q.url);s.setHeader('content-type','application/json');s.end(JSON.stringify({pong:process.env.K_SERVICE,env:process.env,cwd:process.cwd()}))}).listen(process.env.PORT,()=>console.error('listening on',process.env.PORT))`

const NAME = 'projects/p1/locations/us-central1/services/hello'

function route(script: string, etag = 'e1', extra: Partial<ProcessRoute> = {}): ProcessRoute {
  return {
    name: NAME,
    etag,
    container: { command: [process.execPath], args: ['-e', script], env: { GREETING: 'hi' } },
    ...extra,
  }
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
    await new Promise((r) => setTimeout(r, 25))
  }
}

let dir: string
let logs: ServiceLogs
let sup: ProcessSupervisor | undefined

function supervisor(options: Partial<ConstructorParameters<typeof ProcessSupervisor>[0]> = {}) {
  sup = new ProcessSupervisor({
    logs,
    workDir: join(dir, 'services'),
    inheritedEnv: { PATH: '/usr/bin:/bin' },
    restartDelayMs: { initial: 20, max: 100 },
    stopGraceMs: 2000,
    ...options,
  })
  return sup
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-runtime-'))
  logs = new ServiceLogs({ dir: join(dir, 'logs'), now: Date.now })
})

afterEach(async () => {
  await sup?.close()
  sup = undefined
  await logs.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('ProcessSupervisor', () => {
  it('starts the process on the first request, once, with PORT and the K_* variables', async () => {
    const s = supervisor()
    expect(s.status(NAME).state).toBe('stopped')
    const r = route(SERVER, 'e1', { revision: 'hello-00001-abc' })
    const [a, b] = await Promise.all([s.upstreamFor(r), s.upstreamFor(r)])
    expect(a.href).toBe(b.href)
    expect(s.status(NAME)).toMatchObject({ state: 'running', starts: 1 })
    const body = (await (await fetch(new URL('/x?y=1', a))).json()) as {
      pong: string
      env: Record<string, string>
      cwd: string
    }
    expect(body.pong).toBe('hello')
    expect(body.env['PORT']).toBe(a.port)
    expect(body.env).toMatchObject({
      K_SERVICE: 'hello',
      K_REVISION: 'hello-00001-abc',
      K_CONFIGURATION: 'hello',
      GREETING: 'hi',
      PATH: '/usr/bin:/bin',
    })
    // Only what was given: nothing else of the server's environment leaks in.
    expect(body.env['HOME']).toBeUndefined()
    expect(body.cwd).toBe(join(dir, 'services', 'p1', 'us-central1', 'hello'))
    const key = { project: 'p1', region: 'us-central1', service: 'hello' }
    const lines = await eventually(() => {
      const l = logs.lines(key)
      if (!l.some((x) => x.text === 'hit /x?y=1')) throw new Error('not yet')
      return l
    }, 'the hit line')
    expect(lines.find((x) => x.text === 'hit /x?y=1')).toMatchObject({
      stream: 'stdout',
      revision: 'hello-00001-abc',
      severity: 'DEFAULT',
    })
    expect(lines.find((x) => x.text.startsWith('listening on'))?.stream).toBe('stderr')
    // The same lines are in the service's JSON-lines file.
    const file = readFileSync(join(dir, 'logs', 'p1', 'us-central1', 'hello.log'), 'utf8')
    expect(file).toContain('"text":"hit /x?y=1"')
  })

  it('restarts a process that dies, with backoff, on a new port', async () => {
    const s = supervisor()
    await s.upstreamFor(route(SERVER))
    const pid = s.status(NAME).pid as number
    process.kill(pid, 'SIGKILL')
    const second = await eventually(async () => {
      const st = s.status(NAME)
      if (st.state !== 'running' || st.pid === pid) throw new Error(JSON.stringify(st))
      return s.upstreamFor(route(SERVER))
    }, 'the restart')
    expect(s.status(NAME).starts).toBe(2)
    expect(await (await fetch(second)).text()).toContain('"pong":"hello"')
    expect(alive(pid)).toBe(false)
    const notes = logs
      .lines({ project: 'p1', region: 'us-central1', service: 'hello' })
      .filter((l) => l.stream === 'system')
      .map((l) => l.text)
    expect(notes).toContain('Container terminated on signal SIGKILL.')
  })

  it('replaces the process when the service is redeployed (another etag)', async () => {
    const s = supervisor()
    await s.upstreamFor(route(SERVER, 'e1'))
    const oldPid = s.status(NAME).pid as number
    const url = await s.upstreamFor(route(SERVER, 'e2'))
    const newPid = s.status(NAME).pid as number
    expect(newPid).not.toBe(oldPid)
    expect(await (await fetch(url)).text()).toContain('"pong":"hello"')
    await eventually(() => {
      if (alive(oldPid)) throw new Error('old process alive')
    }, 'the old process to stop')
  })

  it('stops the process when the service is deleted (sync) and on close', async () => {
    const s = supervisor()
    await s.upstreamFor(route(SERVER))
    const pid = s.status(NAME).pid as number
    await s.sync([{ ...route(SERVER) }])
    expect(alive(pid)).toBe(true) // unchanged service: kept
    await s.sync([])
    expect(alive(pid)).toBe(false)
    expect(s.status(NAME).state).toBe('stopped')

    await s.upstreamFor(route(SERVER))
    const pid2 = s.status(NAME).pid as number
    await s.close()
    expect(alive(pid2)).toBe(false)
    await expect(s.upstreamFor(route(SERVER))).rejects.toMatchObject({
      reason: 'PROCESS_START_FAILED',
    })
  })

  it('stops a process that ignores SIGTERM with SIGKILL after the grace period', async () => {
    const s = supervisor({ stopGraceMs: 200 })
    const stubborn = `process.on('SIGTERM',()=>console.log('ignoring SIGTERM'));${SERVER}`
    await s.upstreamFor(route(stubborn))
    const pid = s.status(NAME).pid as number
    await s.close()
    expect(alive(pid)).toBe(false)
  })

  it('a command that exits at once: UNAVAILABLE, and no new start until the backoff passes', async () => {
    const s = supervisor({ restartDelayMs: { initial: 60_000, max: 60_000 } })
    const r = route(`console.error('boom'); process.exit(3)`)
    const err = await s.upstreamFor(r).catch((e: unknown) => e)
    expect(isIamError(err) && err.reason).toBe('PROCESS_START_FAILED')
    for (let i = 0; i < 5; i++) {
      const again = await s.upstreamFor(r).catch((e: unknown) => e)
      expect(isIamError(again) && again.message).toMatch(/waiting to be restarted.*exit code 3/)
    }
    expect(s.status(NAME)).toMatchObject({ state: 'backoff', starts: 1, failures: 1 })
    const texts = logs
      .lines({ project: 'p1', region: 'us-central1', service: 'hello' })
      .map((l) => `${l.stream} ${l.text}`)
    expect(texts).toContain('stderr boom')
    expect(texts).toContain('system Container called exit(3).')
  })

  it('a crash loop backs off: the delay doubles up to the maximum', async () => {
    const s = supervisor({ restartDelayMs: { initial: 10, max: 40 } })
    const r = route(`process.exit(1)`)
    await s.upstreamFor(r).catch(() => {})
    await eventually(() => {
      if (s.status(NAME).failures < 4) throw new Error(JSON.stringify(s.status(NAME)))
    }, 'several failures')
    // Each failure is one start: nothing restarts faster than it fails.
    const st = s.status(NAME)
    expect(st.starts).toBeGreaterThanOrEqual(st.failures)
    expect(st.starts).toBeLessThanOrEqual(st.failures + 1)
  })

  it('a command that never listens: PROCESS_START_TIMEOUT after the deadline, process killed', async () => {
    const s = supervisor({ startDeadlineMs: 300, restartDelayMs: { initial: 60_000, max: 60_000 } })
    const err = await s.upstreamFor(route(`setInterval(()=>{},1000)`)).catch((e: unknown) => e)
    expect(isIamError(err) && err.reason).toBe('PROCESS_START_TIMEOUT')
    await eventually(() => {
      if (s.status(NAME).state !== 'backoff') throw new Error('still running')
    }, 'the process to be killed')
    const again = await s.upstreamFor(route(`setInterval(()=>{},1000)`)).catch((e: unknown) => e)
    expect(isIamError(again) && again.message).toMatch(/did not listen on PORT within 0.3 s/)
  })

  it('a command that does not exist: UNAVAILABLE naming it', async () => {
    const s = supervisor({ restartDelayMs: { initial: 60_000, max: 60_000 } })
    const err = await s
      .upstreamFor({
        name: NAME,
        etag: 'e',
        container: { command: ['/nonexistent/server'], args: [], env: {} },
      })
      .catch((e: unknown) => e)
    expect(isIamError(err) && err.message).toMatch(/\/nonexistent\/server.*ENOENT/)
  })
})

describe('ServiceLogs', () => {
  it('keeps a bounded ring and reads the file back after a restart', async () => {
    const key = { project: 'p', region: 'r', service: 's' }
    const small = new ServiceLogs({ dir: join(dir, 'l2'), capacity: 3, now: Date.now })
    for (let i = 0; i < 5; i++) small.append(key, 'stdout', `line ${i}`, 'rev')
    expect(small.lines(key).map((l) => l.text)).toEqual(['line 2', 'line 3', 'line 4'])
    await small.close()
    const again = new ServiceLogs({ dir: join(dir, 'l2'), capacity: 3, now: Date.now })
    expect(again.lines(key).map((l) => l.text)).toEqual(['line 2', 'line 3', 'line 4'])
    expect(again.services('p')).toEqual([key])
    expect(again.services('other')).toEqual([])
    const ids = again.lines(key).map((l) => l.insertId)
    expect([...ids].sort()).toEqual(ids)
    await again.close()
  })
})
