// Test support for the admin API: serves createAdminApp on a real socket over a given store, with
// a fake authenticator (`Authorization: Bearer user:alice@example.com` → that caller), and a small
// JSON client. Used only by tests; takes the store so it never picks an engine itself.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Code, IamError } from '@runiam/core'
import type { Store } from '@runiam/store'
import { ensureOrganization } from '../services/bootstrap/ensure-organization.js'
import { createAdminApp, type AdminApp, type AdminAppOptions } from './admin-app.js'

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
  readonly app: AdminApp
  readonly logs: Record<string, unknown>[]
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>
  close(): Promise<void>
}

export async function startHarness(
  store: Store,
  nowMs = Date.parse('2026-01-01T00:00:00Z'),
  extra: Pick<AdminAppOptions, 'principals' | 'serviceAccountTokens'> = {},
): Promise<Harness> {
  const org = await ensureOrganization(store, {
    domain: 'example.com',
    owners: [OWNER],
    now: nowMs,
  })
  const logs: Record<string, unknown>[] = []
  const app = createAdminApp({
    ...extra,
    store,
    now: () => nowMs,
    runDomain: 'run.localhost',
    servicePort: 8080,
    log: (e) => logs.push(e),
    authenticate: async (req) => {
      const h = req.headers.authorization
      if (h === undefined) return undefined
      const m = /^Bearer ((?:user|serviceAccount):(.+))$/.exec(h)
      if (m?.[1] === undefined || m[2] === undefined) {
        throw new IamError(
          Code.UNAUTHENTICATED,
          'ACCESS_TOKEN_INVALID',
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        )
      }
      return { member: m[1], email: m[2] }
    },
  })
  const server: Server = createServer((req, res) => void app.handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    orgId: org.id,
    app,
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
      app.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
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
