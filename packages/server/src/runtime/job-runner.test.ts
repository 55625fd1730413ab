// The job runner with real child processes (node -e …): every task runs with Cloud Run's job
// environment and leaves a file named for its index; parallelism holds tasks back; failed and
// timed-out attempts are retried up to maxRetries; cancel stops running processes (SIGKILL after
// the grace for one that ignores SIGTERM) and never starts queued ones; output is logged with the
// task and attempt.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { JobRunner, type JobExecutionEvent, type JobExecutionRun } from './job-runner.js'
import { ServiceLogs } from './service-logs.js'

let dir: string
let logs: ServiceLogs
let runner: JobRunner

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runiam-job-runner-'))
  logs = new ServiceLogs({ now: () => Date.now() })
  runner = new JobRunner({ logs, workDir: join(dir, 'work'), stopGraceMs: 300 })
})

afterEach(async () => {
  await runner.close()
  rmSync(dir, { recursive: true, force: true })
})

function run(script: string, extra: Partial<JobExecutionRun> = {}): JobExecutionRun {
  return {
    name: 'projects/p1/locations/us-central1/jobs/j1/executions/j1-abcde',
    project: 'p1',
    location: 'us-central1',
    job: 'j1',
    execution: 'j1-abcde',
    taskCount: 1,
    parallelism: 0,
    maxRetries: 0,
    timeoutMs: 60_000,
    container: { command: [process.execPath], args: ['-e', script], env: { OUT: dir } },
    ...extra,
  }
}

/** Starts the run and resolves with every event once the execution has ended. */
function start(r: JobExecutionRun, onEvent?: (e: JobExecutionEvent) => void) {
  const events: JobExecutionEvent[] = []
  const ended = new Promise<JobExecutionEvent[]>((resolve) => {
    runner.start(r, (e) => {
      events.push(e)
      onEvent?.(e)
      if (e.kind === 'executionEnded') resolve(events)
    })
  })
  return { events, ended }
}

async function until(what: string, fn: () => boolean): Promise<void> {
  const limit = Date.now() + 15_000
  while (!fn()) {
    if (Date.now() > limit) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
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

const ends = (events: JobExecutionEvent[]) =>
  events.filter(
    (e): e is Extract<JobExecutionEvent, { kind: 'attemptEnded' }> => e.kind === 'attemptEnded',
  )

describe('JobRunner', () => {
  it("runs every task with Cloud Run's job environment; each leaves its own file", async () => {
    const script = `const e=process.env;require('fs').writeFileSync(require('path').join(e.OUT,'task-'+e.CLOUD_RUN_TASK_INDEX),JSON.stringify({job:e.CLOUD_RUN_JOB,execution:e.CLOUD_RUN_EXECUTION,index:e.CLOUD_RUN_TASK_INDEX,attempt:e.CLOUD_RUN_TASK_ATTEMPT,count:e.CLOUD_RUN_TASK_COUNT,cwd:process.cwd()}));console.log('hello from',e.CLOUD_RUN_TASK_INDEX)`
    const { ended } = start(run(script, { taskCount: 3 }))
    const events = await ended
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('task-'))
        .sort(),
    ).toEqual(['task-0', 'task-1', 'task-2'])
    const t1 = JSON.parse(readFileSync(join(dir, 'task-1'), 'utf8')) as Record<string, string>
    expect(t1).toMatchObject({
      job: 'j1',
      execution: 'j1-abcde',
      index: '1',
      attempt: '0',
      count: '3',
    })
    expect(t1['cwd']).toBe(join(dir, 'work', 'p1', 'us-central1', 'j1', 'j1-abcde'))
    expect(
      ends(events)
        .map((e) => [e.index, e.outcome, e.exitCode, e.retrying])
        .sort(),
    ).toEqual([
      [0, 'succeeded', 0, false],
      [1, 'succeeded', 0, false],
      [2, 'succeeded', 0, false],
    ])
    expect(events.at(-1)).toEqual({ kind: 'executionEnded' })
    const lines = logs.lines({ project: 'p1', region: 'us-central1', service: 'j1' })
    const out = lines.filter((l) => l.stream === 'stdout')
    expect(out.map((l) => l.text).sort()).toEqual(['hello from 0', 'hello from 1', 'hello from 2'])
    expect(out.every((l) => l.revision === 'j1-abcde')).toBe(true)
    expect(out.find((l) => l.text === 'hello from 2')?.labels).toEqual({
      task_index: '2',
      task_attempt: '0',
    })
    expect(lines.some((l) => l.stream === 'system' && l.text === 'Container called exit(0).')).toBe(
      true,
    )
    expect(runner.isRunning(run('').name)).toBe(false)
  })

  it('the container env cannot override the CLOUD_RUN_* variables', async () => {
    const script = `require('fs').writeFileSync(require('path').join(process.env.OUT,'idx'),process.env.CLOUD_RUN_TASK_INDEX+'/'+process.env.MINE)`
    const r = run(script)
    const { ended } = start({
      ...r,
      container: { ...r.container, env: { OUT: dir, CLOUD_RUN_TASK_INDEX: '99', MINE: 'yes' } },
    })
    await ended
    expect(readFileSync(join(dir, 'idx'), 'utf8')).toBe('0/yes')
  })

  it('runs at most `parallelism` tasks at once', async () => {
    // Each task waits for the file "go": none ends before the test says so.
    const script = `const fs=require('fs'),p=require('path');const go=p.join(process.env.OUT,'go');const t=setInterval(()=>{if(fs.existsSync(go)){clearInterval(t)}},20)`
    let active = 0
    let most = 0
    let started = 0
    const { ended } = start(run(script, { taskCount: 5, parallelism: 2 }), (e) => {
      if (e.kind === 'taskStarted') {
        started++
        most = Math.max(most, ++active)
      }
      if (e.kind === 'attemptEnded') active--
    })
    await until('two tasks started', () => started === 2)
    await new Promise((r) => setTimeout(r, 300))
    expect(started).toBe(2)
    writeFileSync(join(dir, 'go'), '')
    const events = await ended
    expect(most).toBe(2)
    expect(ends(events).filter((e) => e.outcome === 'succeeded')).toHaveLength(5)
  })

  it('retries a failed task up to maxRetries, with CLOUD_RUN_TASK_ATTEMPT counting', async () => {
    // Fails on attempts 0 and 1, succeeds on attempt 2.
    const script = `process.exit(Number(process.env.CLOUD_RUN_TASK_ATTEMPT)<2?3:0)`
    const ok = await start(run(script, { maxRetries: 3 })).ended
    expect(ends(ok).map((e) => [e.attempt, e.outcome, e.exitCode, e.retrying])).toEqual([
      [0, 'failed', 3, true],
      [1, 'failed', 3, true],
      [2, 'succeeded', 0, false],
    ])
    expect(ends(ok)[0]?.message).toBe('The container exited with an error (exit code 3).')

    const failing = await start({ ...run('process.exit(7)', { maxRetries: 1 }), name: 'x/other' })
      .ended
    expect(ends(failing).map((e) => [e.attempt, e.outcome, e.retrying])).toEqual([
      [0, 'failed', true],
      [1, 'failed', false],
    ])
  })

  it('stops an attempt at its timeout (SIGTERM) and counts it as a failure', async () => {
    const events = await start(run('setTimeout(()=>{},60000)', { timeoutMs: 200 })).ended
    expect(ends(events)).toEqual([
      expect.objectContaining({
        outcome: 'timedOut',
        signal: 'SIGTERM',
        retrying: false,
        message: 'The configured timeout of 0.2s was reached.',
      }),
    ])
  })

  it('cancel stops running tasks and never starts queued ones', async () => {
    const script = `require('fs').writeFileSync(require('path').join(process.env.OUT,'pid-'+process.env.CLOUD_RUN_TASK_INDEX),String(process.pid));setTimeout(()=>{},60000)`
    const r = run(script, { taskCount: 3, parallelism: 1 })
    const { ended } = start(r)
    await until('task 0 wrote its pid', () => existsSync(join(dir, 'pid-0')))
    const pid = Number(readFileSync(join(dir, 'pid-0'), 'utf8'))
    expect(alive(pid)).toBe(true)
    expect(await runner.cancel(r.name)).toBe(true)
    expect(alive(pid)).toBe(false)
    const events = await ended
    expect(ends(events)).toEqual([expect.objectContaining({ index: 0, outcome: 'cancelled' })])
    expect(events.filter((e) => e.kind === 'taskCancelled')).toEqual([
      { kind: 'taskCancelled', index: 1 },
      { kind: 'taskCancelled', index: 2 },
    ])
    expect(existsSync(join(dir, 'pid-1'))).toBe(false)
    expect(await runner.cancel(r.name)).toBe(false)
  })

  it('cancel kills a task that ignores SIGTERM after the grace period', async () => {
    const script = `process.on('SIGTERM',()=>{});require('fs').writeFileSync(require('path').join(process.env.OUT,'pid'),String(process.pid));setInterval(()=>{},1000)`
    const r = run(script)
    const { ended } = start(r)
    await until('the task wrote its pid', () => existsSync(join(dir, 'pid')))
    const pid = Number(readFileSync(join(dir, 'pid'), 'utf8'))
    await runner.cancel(r.name)
    expect(alive(pid)).toBe(false)
    expect(ends(await ended)[0]).toMatchObject({ outcome: 'cancelled', signal: 'SIGKILL' })
  })

  it('a command that cannot start fails its attempts with a message', async () => {
    const r = run('')
    const events = await start({
      ...r,
      container: { command: [join(dir, 'no-such-binary')], args: [], env: {} },
    }).ended
    expect(ends(events)).toEqual([expect.objectContaining({ outcome: 'failed', retrying: false })])
    expect(ends(events)[0]?.message).toMatch(/^The container could not be started: .*ENOENT/)
  })
})
