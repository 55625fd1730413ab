// Conditions cannot stall the server, end to end: a real `runiam serve`, policies set through the
// REST setIamPolicy and the CLI, invocations through the gateway. A pathological condition is
// refused when written (400 naming the problem); the heaviest condition that is accepted, on a
// path of 8 KiB, gets an ordinary decision; the server keeps answering meanwhile. No timings are
// asserted (bench/src/stall-bench.ts measures them): a stall would show as a test timeout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  idToken,
  invokeService,
  login,
  startServer,
  type ServerProcess,
  type User,
} from './harness.js'

const PROJECT = 'stall-proj'
const SERVICE = 'heavy'
let server: ServerProcess
let owner: User
let serviceUrl = ''
let token = ''

/** Two patterns of 996 RE2 instructions each: the most one condition may hold (2,000). */
const HEAVIEST =
  'request.path.startsWith("/ok") || request.path.matches("[ab]*a[ab]{990}$") || request.path.matches("[ab]*b[ab]{990}$")'

/** 8 KiB of a/b: on it, RE2's state sets for the patterns above are as large as they get. */
function abPath(length: number): string {
  let x = 12345
  let s = '/'
  while (s.length < length) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    s += (x >> 16) & 1 ? 'a' : 'b'
  }
  return s
}

async function setPolicy(expression: string): Promise<Response> {
  return fetch(
    `${server.url}/v2/projects/${PROJECT}/locations/us-central1/services/${SERVICE}:setIamPolicy`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        policy: {
          version: 3,
          bindings: [
            {
              role: 'roles/run.invoker',
              members: ['user:alice@example.com'],
              condition: { title: 'attack', expression },
            },
          ],
        },
      }),
    },
  )
}

interface Envelope {
  error: { code: number; status: string; message: string; details: { reason?: string }[] }
}

beforeAll(async () => {
  server = await startServer()
  owner = await login(server, 'admin@example.com', PROJECT)
  expect((await owner.run(['projects', 'create', PROJECT])).code).toBe(0)
  const d = await owner.run(['run', 'deploy', SERVICE, '--no-allow-unauthenticated'])
  expect(d.code, d.stderr).toBe(0)
  const described = await owner.run(['run', 'services', 'describe', SERVICE, '--format=json'])
  serviceUrl = (JSON.parse(described.stdout) as { uri: string }).uri
  token = (await owner.run(['auth', 'print-access-token'])).stdout.trim()
}, 60_000)

afterAll(async () => {
  await server?.stop()
})

describe('conditions that would stall the server', () => {
  it('refuses pathological conditions when the policy is written, naming the problem', async () => {
    const refused: [expression: string, problem: string][] = [
      [
        // 210 characters that RE2 compiles to 200,002 instructions (~150 ms, at write time).
        `request.path.matches("(?:${'abcdefghij'.repeat(20)}){1000}")`,
        'expands to more than 4,000 instructions (counted repetitions multiply); the maximum is 1,000',
      ],
      [
        'request.path.matches("((a{10}){10}){10}")',
        'the regular expression "((a{10}){10}){10}" compiles to 1,222 instructions',
      ],
      [
        `${HEAVIEST} || request.path.matches("[ab]*c[ab]{990}$")`,
        'compile to 2,988 instructions together; the maximum is 2,000',
      ],
      [
        `request.time.getHours() in [${Array.from({ length: 300 }, (_, i) => i % 24).join(',')}]`,
        'the maximum is 256',
      ],
    ]
    for (const [expression, problem] of refused) {
      const r = await setPolicy(expression)
      const body = (await r.json()) as Envelope
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(body.error.status).toBe('INVALID_ARGUMENT')
      expect(body.error.details[0]?.reason).toBe('INVALID_CONDITION')
      expect(body.error.message).toContain(problem)
    }
    // The gcloud way refuses it the same.
    const cli = await owner.run([
      'run',
      'services',
      'add-iam-policy-binding',
      SERVICE,
      '--member=user:alice@example.com',
      '--role=roles/run.invoker',
      '--condition=expression=request.path.matches("[a-z]{1000}"),title=attack',
    ])
    expect(cli.code).toBe(1)
    expect(cli.stderr).toContain('INVALID_ARGUMENT')
    expect(cli.stderr).toContain('compiles to 1,002 instructions')
  })

  it('gives the heaviest accepted condition on an 8 KiB path an ordinary decision', async () => {
    const set = await setPolicy(HEAVIEST)
    expect(set.status, await set.clone().text()).toBe(200)
    const alice = `Bearer ${await idToken(server, 'alice@example.com', serviceUrl)}`
    const invoke = (path: string) =>
      invokeService(server, serviceUrl, path, { authorization: alice })
    // Cheap answers either way.
    expect((await invoke('/ok')).status).toBe(200)
    expect((await invoke(`/a${'b'.repeat(990)}`)).status).toBe(200)
    expect((await invoke('/nope')).status).toBe(403)
    // The worst input: the condition runs out of its work budget, so the binding grants nothing.
    const long = abPath(8192)
    expect((await invoke(long)).status).toBe(403)
  })

  it('keeps answering other requests while heavy ones arrive', async () => {
    const alice = `Bearer ${await idToken(server, 'alice@example.com', serviceUrl)}`
    const heavy = Array.from({ length: 24 }, (_, i) =>
      invokeService(server, serviceUrl, abPath(8192 - i), { authorization: alice }),
    )
    const others = Array.from({ length: 8 }, () =>
      fetch(`${server.url}/v2/projects/${PROJECT}/locations/us-central1/services/${SERVICE}`, {
        headers: { authorization: `Bearer ${token}` },
      }),
    )
    const cheap = invokeService(server, serviceUrl, '/ok', { authorization: alice })
    const [heavyReplies, otherReplies, cheapReply] = await Promise.all([
      Promise.all(heavy),
      Promise.all(others),
      cheap,
    ])
    expect(heavyReplies.map((r) => r.status)).toEqual(heavyReplies.map(() => 403))
    expect(otherReplies.map((r) => r.status)).toEqual(otherReplies.map(() => 200))
    expect(cheapReply.status).toBe(200)
  })
})
