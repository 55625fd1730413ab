// A small fake of runiam's server for the CLI's tests: real HTTP on port 0, Google-shaped JSON,
// every request recorded. Policies keep etags and answer a stale etag with 409 ABORTED, so the
// CLI's read-modify-write retry is exercised for real.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: IncomingMessage['headers']
  readonly body: unknown
  readonly rawBody: string
}

interface Canned {
  readonly status: number
  readonly body: unknown
}

interface PolicyRecord {
  policy: Record<string, unknown>
  etagN: number
}

const STATUS_CODES: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  INTERNAL: 500,
}

export function envelope(status: string, message: string): Canned {
  const code = STATUS_CODES[status] ?? 500
  return { status: code, body: { error: { code, message, status } } }
}

const etagOf = (n: number): string => Buffer.from(`etag-${n}`).toString('base64')

export class FakeGoogle {
  readonly requests: RecordedRequest[] = []
  readonly services = new Map<string, Record<string, unknown>>()
  readonly projects = new Map<string, Record<string, unknown>>()
  readonly policies = new Map<string, PolicyRecord>()
  /** Permissions testIamPermissions grants (all asked when undefined). */
  grantedPermissions: string[] | undefined
  private readonly injected: { match: (r: RecordedRequest) => boolean; answer: Canned }[] = []
  private server: Server | undefined
  endpoint = ''

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res))
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r))
    const { port } = this.server.address() as AddressInfo
    this.endpoint = `http://127.0.0.1:${port}`
    return this
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => this.server?.close(() => r()))
  }

  /** Answers the next request matching `match` with `answer` instead of the normal handling. */
  inject(match: (r: RecordedRequest) => boolean, answer: Canned): void {
    this.injected.push({ match, answer })
  }

  /** Requests other than token requests, as "METHOD path". */
  calls(): string[] {
    return this.requests.filter((r) => r.path !== '/token').map((r) => `${r.method} ${r.path}`)
  }

  addService(
    project: string,
    region: string,
    id: string,
    extra: Record<string, unknown> = {},
  ): void {
    const name = `projects/${project}/locations/${region}/services/${id}`
    this.services.set(name, {
      name,
      uri: `http://${id}-123456789012.${region}.run.localhost:8080`,
      latestReadyRevision: `${name}/revisions/${id}-00001-abc`,
      generation: '1',
      ...extra,
    })
  }

  setPolicy(resource: string, policy: Record<string, unknown>): string {
    const prev = this.policies.get(resource)
    const etagN = (prev?.etagN ?? 0) + 1
    this.policies.set(resource, { policy, etagN })
    return etagOf(etagN)
  }

  policyOf(resource: string): Record<string, unknown> {
    const rec = this.policies.get(resource)
    return rec === undefined ? { etag: 'ACAB' } : { ...rec.policy, etag: etagOf(rec.etagN) }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    const rawBody = Buffer.concat(chunks).toString('utf8')
    const url = new URL(req.url ?? '/', 'http://x')
    let body: unknown
    if (rawBody !== '') {
      try {
        body = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')
          ? Object.fromEntries(new URLSearchParams(rawBody))
          : JSON.parse(rawBody)
      } catch {
        body = rawBody
      }
    }
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      rawBody,
    }
    this.requests.push(rec)
    const i = this.injected.findIndex((x) => x.match(rec))
    const answer = i >= 0 ? this.injected.splice(i, 1)[0]?.answer : undefined
    const out = answer ?? this.route(rec)
    res.writeHead(out.status, { 'content-type': 'application/json' })
    res.end(typeof out.body === 'string' ? out.body : JSON.stringify(out.body))
  }

  private route(r: RecordedRequest): Canned {
    if (r.path === '/token') {
      const form = r.body as Record<string, string>
      if (form['grant_type'] !== 'urn:runiam:params:oauth:grant-type:dev-login')
        return { status: 400, body: { error: 'unsupported_grant_type' } }
      const subject = form['subject'] ?? ''
      return {
        status: 200,
        body: {
          access_token: `access-${subject}`,
          id_token: `id-${subject}`,
          token_type: 'Bearer',
          expires_in: 3600,
        },
      }
    }
    if (!String(r.headers.authorization ?? '').startsWith('Bearer '))
      return envelope('UNAUTHENTICATED', 'Request is missing required authentication credential.')

    let m =
      /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/services\/[^/:]+):(getIamPolicy|setIamPolicy|testIamPermissions)$/.exec(
        r.path,
      )
    if (m !== null) {
      const resource = m[1] as string
      if (!this.services.has(resource))
        return envelope('NOT_FOUND', `Resource '${resource}' was not found`)
      return this.iam(resource, m[2] as string, r)
    }
    m = /^\/v1\/projects\/([^/:]+):(getIamPolicy|setIamPolicy|testIamPermissions)$/.exec(r.path)
    if (m !== null) {
      if (!this.projects.has(m[1] as string))
        return envelope('PERMISSION_DENIED', `The caller does not have permission`)
      return this.iam(`projects/${m[1]}`, m[2] as string, r)
    }
    if (r.path === '/v1/projects' && r.method === 'POST') {
      const b = r.body as { projectId: string; name?: string }
      if (this.projects.has(b.projectId))
        return envelope('ALREADY_EXISTS', `Requested entity already exists`)
      const p = {
        projectId: b.projectId,
        name: b.name ?? b.projectId,
        projectNumber: '123456789012',
        lifecycleState: 'ACTIVE',
      }
      this.projects.set(b.projectId, p)
      return {
        status: 200,
        body: {
          name: 'operations/cp.1',
          done: true,
          response: { '@type': 'type.googleapis.com/google.cloudresourcemanager.v1.Project', ...p },
        },
      }
    }
    if (r.path === '/v1/projects' && r.method === 'GET')
      return { status: 200, body: { projects: [...this.projects.values()] } }
    m = /^\/v1\/projects\/([^/:]+)$/.exec(r.path)
    if (m !== null && r.method === 'GET') {
      const p = this.projects.get(m[1] as string)
      return p === undefined
        ? envelope('PERMISSION_DENIED', 'The caller does not have permission')
        : { status: 200, body: p }
    }
    m = /^\/v2\/projects\/([^/]+)\/locations\/([^/]+)\/services$/.exec(r.path)
    if (m !== null) {
      const parent = `projects/${m[1]}/locations/${m[2]}`
      if (r.method === 'GET') {
        const all = [...this.services.values()].filter((s) =>
          m?.[2] === '-'
            ? String(s['name']).startsWith(`projects/${m[1]}/`)
            : String(s['name']).startsWith(`${parent}/`),
        )
        return { status: 200, body: all.length === 0 ? {} : { services: all } }
      }
      const id = r.query['serviceId'] ?? ''
      const name = `${parent}/services/${id}`
      if (this.services.has(name))
        return envelope('ALREADY_EXISTS', `Resource '${id}' already exists.`)
      this.addService(m[1] as string, m[2] as string, id, r.body as Record<string, unknown>)
      const s = this.services.get(name)
      return {
        status: 200,
        body: {
          name: `${parent}/operations/op1`,
          done: true,
          response: { '@type': 'type.googleapis.com/google.cloud.run.v2.Service', ...s },
        },
      }
    }
    m = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/services\/[^/]+)$/.exec(r.path)
    if (m !== null) {
      const name = m[1] as string
      const s = this.services.get(name)
      if (s === undefined) return envelope('NOT_FOUND', `Resource '${name}' was not found`)
      if (r.method === 'GET') return { status: 200, body: s }
      if (r.method === 'DELETE') {
        this.services.delete(name)
        return { status: 200, body: { name: 'op-del', done: true, response: s } }
      }
      if (r.method === 'PATCH') {
        const next = {
          ...s,
          ...(r.body as Record<string, unknown>),
          generation: String(Number(s['generation']) + 1),
        }
        this.services.set(name, next)
        return { status: 200, body: { name: 'op-upd', done: true, response: next } }
      }
    }
    return envelope('NOT_FOUND', `No route for ${r.method} ${r.path}`)
  }

  private iam(resource: string, verb: string, r: RecordedRequest): Canned {
    if (verb === 'getIamPolicy') return { status: 200, body: this.policyOf(resource) }
    if (verb === 'testIamPermissions') {
      const asked = (r.body as { permissions: string[] }).permissions
      const held = asked.filter((p) => this.grantedPermissions?.includes(p) ?? true)
      return { status: 200, body: held.length === 0 ? {} : { permissions: held } }
    }
    const { policy } = r.body as { policy: Record<string, unknown> }
    const current = this.policyOf(resource)
    if (policy['etag'] !== undefined && policy['etag'] !== current['etag'])
      return envelope(
        'ABORTED',
        'There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff.',
      )
    const stored = { ...policy }
    delete stored['etag']
    this.setPolicy(resource, stored)
    return { status: 200, body: this.policyOf(resource) }
  }
}
