// Test support for the admin API: serves createAdminApp behind the real front door on a real
// socket over a given store, with a fake authenticator (`Authorization: Bearer
// user:alice@example.com` → that caller) unless one is given, and a small JSON client. Used only
// by tests; takes the store so it never picks an engine itself.
import type { AddressInfo } from 'node:net'
import { Code, IamError } from '@runiam/core'
import type { Store } from '@runiam/store'
import { createFrontDoor } from '../http/front-door.js'
import type { Caller } from '../services/caller.js'
import { ensureOrganization } from '../services/bootstrap/ensure-organization.js'
import { createServices, type Services, type ServicesOptions } from '../services/create-services.js'
import { UpstreamPolicy } from '../services/run/upstream-policy.js'
import { createAdminApp } from './admin-app.js'

export const OWNER = 'user:owner@example.com'

export interface CallResult {
  readonly status: number
  readonly json: Record<string, unknown>
  readonly headers: Headers
}

export interface CallOptions {
  /** Member to authenticate as; undefined sends no Authorization header. */
  readonly as?: string | undefined
  readonly body?: unknown
  readonly rawBody?: string
  readonly headers?: Record<string, string>
}

export interface Harness {
  readonly url: string
  readonly orgId: string
  readonly services: Services
  readonly logs: Record<string, unknown>[]
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>
  close(): Promise<void>
}

export async function startHarness(
  store: Store,
  nowMs = Date.parse('2026-01-01T00:00:00Z'),
  extra: Pick<
    ServicesOptions,
    'principals' | 'serviceAccountTokens' | 'jobs' | 'signingKeys' | 'recommenderWindowMs' | 'audit'
  > & {
    /** A moving clock (default: always `nowMs`). */
    clock?: () => number
    /** Replaces the fake authenticator (tests of real credentials). */
    authenticate?: (authorization: string | undefined) => Promise<Caller | undefined>
  } = {},
): Promise<Harness> {
  const org = await ensureOrganization(store, {
    domain: 'example.com',
    owners: [OWNER],
    now: nowMs,
  })
  const logs: Record<string, unknown>[] = []
  const { authenticate, clock, ...serviceExtras } = extra
  const services = createServices({
    ...serviceExtras,
    store,
    now: clock ?? (() => nowMs),
    runDomain: 'run.localhost',
    servicePort: 8080,
    // As `runiam serve --dev`: loopback upstreams may be named.
    upstreams: new UpstreamPolicy({
      allow: [{ kind: 'loopback' }],
      self: { port: 8080, hosts: ['127.0.0.1'] },
      runDomain: 'run.localhost',
    }),
  })
  const app = createAdminApp({
    services,
    log: (e) => logs.push(e),
    authenticate: authenticate ?? fakeAuthenticate,
  })
  const { server } = createFrontDoor({
    surfaces: {
      authz: () => Promise.reject(new Error('no gateway in the admin harness')),
      gateway: {
        handle: () => Promise.reject(new Error('no gateway in the admin harness')),
        handleUpgrade: () => Promise.reject(new Error('no gateway in the admin harness')),
      },
      console: () => Promise.reject(new Error('no console in the admin harness')),
      identity: () => Promise.resolve(false),
      admin: (req, res, ctx, target) => app.handle(req, res, ctx, target),
      ready: () => Promise.resolve({ ok: true, store: 'ok' }),
      metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
    },
    isServiceHost: () => false,
    observe: () => {},
    log: (e) => logs.push(e),
    accessLog: false,
    limits: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    orgId: org.id,
    services,
    logs,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers }
      if (options.as !== undefined) headers['authorization'] = `Bearer ${options.as}`
      let body: string | undefined = options.rawBody
      if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body)
      if (body !== undefined) headers['content-type'] = 'application/json'
      const res = await fetch(url + path, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      })
      const text = await res.text()
      return {
        status: res.status,
        json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        headers: res.headers,
      }
    },
    async close() {
      services.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** `Authorization: Bearer user:alice@example.com` → that caller (tests only). */
export async function fakeAuthenticate(
  authorization: string | undefined,
): Promise<Caller | undefined> {
  if (authorization === undefined) return undefined
  const m = /^Bearer ((?:user|serviceAccount):(.+))$/.exec(authorization)
  if (m?.[1] === undefined || m[2] === undefined) {
    throw new IamError(
      Code.UNAUTHENTICATED,
      'ACCESS_TOKEN_INVALID',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    )
  }
  return { member: m[1], email: m[2] }
}

/** The error envelope's fields of a result (for terse assertions). */
export function errorOf(r: Pick<CallResult, 'status' | 'json'>): {
  code: number
  status: string
  message: string
} {
  const e = r.json['error'] as { code: number; status: string; message: string } | undefined
  if (e === undefined)
    throw new Error(`expected an error, got ${r.status} ${JSON.stringify(r.json)}`)
  return { code: e.code, status: e.status, message: e.message }
}
