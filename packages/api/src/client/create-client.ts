// A fetch-based client for runiam's server (Google's REST paths), usable from the browser and
// Node alike. Every failure becomes an IamError, decoded once here from Google's envelope.
import type { Policy } from '@runiam/core'
import { Code, IamError } from '@runiam/core/errors'
import { DEV_LOGIN_GRANT } from '../wire-constants.js'
import { decodeError } from './decode-error.js'
import type {
  ListProjectsResponse,
  ListServicesResponse,
  Operation,
  Project,
  Service,
  ServiceInput,
  ServiceRef,
  TestIamPermissionsResponse,
} from './types.js'

/** What the client needs of an HTTP response: a status and the body text. */
export interface ResponseLike {
  readonly status: number
  text(): Promise<string>
}

/**
 * The global fetch, or anything shaped like it. The CLI passes a node:http one: loading Node's
 * fetch (undici) costs more start-up time than the whole rest of a CLI command.
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<ResponseLike>

export interface ClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:8080 (a trailing slash is ignored). */
  readonly endpoint: string
  /** The bearer token for each call; asked for on every request so callers can refresh. */
  readonly getToken?: () => Promise<string>
  readonly fetch?: FetchLike
}

export type QueryValue = string | number | boolean | undefined
export interface RequestOptions {
  readonly query?: Readonly<Record<string, QueryValue>>
  readonly body?: unknown
  /** Extra headers, e.g. the regional `Host` Cloud Run's v1 namespaces API reads a region from. */
  readonly headers?: Readonly<Record<string, string>>
}

/** Tokens from runiam's token endpoint (OAuth 2.0 token response). */
export interface TokenResponse {
  access_token: string
  id_token?: string
  token_type: string
  expires_in?: number
}

export interface RuniamClient {
  readonly endpoint: string
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>
  /** Dev login (server in --dev): tokens for any account, no password. */
  devLogin(subject: string): Promise<TokenResponse>

  createProject(project: { projectId: string; name?: string }): Promise<Operation>
  getProject(projectId: string): Promise<Project>
  listProjects(pageToken?: string): Promise<ListProjectsResponse>
  getProjectIamPolicy(projectId: string, requestedPolicyVersion?: number): Promise<Policy>
  setProjectIamPolicy(projectId: string, policy: Policy, updateMask?: string): Promise<Policy>
  testProjectIamPermissions(projectId: string, permissions: readonly string[]): Promise<string[]>

  createService(ref: ServiceRef, service: ServiceInput): Promise<Operation>
  getService(ref: ServiceRef): Promise<Service>
  listServices(project: string, region: string, pageToken?: string): Promise<ListServicesResponse>
  updateService(ref: ServiceRef, service: ServiceInput, updateMask?: string): Promise<Operation>
  deleteService(ref: ServiceRef): Promise<Operation>
  /** v1 like gcloud; requestedPolicyVersion undefined sends no version (deploy does that). */
  getServiceIamPolicy(ref: ServiceRef, requestedPolicyVersion?: number): Promise<Policy>
  setServiceIamPolicy(ref: ServiceRef, policy: Policy, updateMask?: string): Promise<Policy>
  testServiceIamPermissions(ref: ServiceRef, permissions: readonly string[]): Promise<string[]>
}

const seg = (s: string): string => encodeURIComponent(s)
const projectPath = (p: string): string => `/v1/projects/${seg(p)}`
const servicesV2 = (p: string, r: string): string =>
  `/v2/projects/${seg(p)}/locations/${seg(r)}/services`
const serviceV2 = (x: ServiceRef): string => `${servicesV2(x.project, x.region)}/${seg(x.service)}`
const serviceV1 = (x: ServiceRef): string =>
  `/v1/projects/${seg(x.project)}/locations/${seg(x.region)}/services/${seg(x.service)}`

function buildQuery(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (query === undefined) return ''
  const parts: string[] = []
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`
}

async function send(
  doFetch: FetchLike,
  endpoint: string,
  url: string,
  init: RequestInit,
): Promise<{ status: number; text: string }> {
  let res: ResponseLike
  try {
    res = await doFetch(url, init)
  } catch (err) {
    const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause
    const why =
      typeof cause?.code === 'string'
        ? cause.code
        : typeof cause?.message === 'string'
          ? cause.message
          : String((err as Error).message ?? err)
    throw new IamError(
      Code.UNAVAILABLE,
      'CONNECTION_FAILED',
      `Could not reach the runiam server at [${endpoint}] (${why}). Is \`runiam serve\` running, and is api_endpoint right?`,
      { cause: err },
    )
  }
  return { status: res.status, text: await res.text() }
}

function parseJson<T>(status: number, text: string): T {
  if (text === '') return {} as T
  try {
    return JSON.parse(text) as T
  } catch (err) {
    throw new IamError(
      Code.INTERNAL,
      'BAD_RESPONSE',
      `The server answered ${status} with a body that is not JSON: ${text.slice(0, 200)}`,
      { cause: err },
    )
  }
}

/** Creates a client. `fetch` defaults to the global one (browser, Node ≥ 18). */
export function createClient(options: ClientOptions): RuniamClient {
  const endpoint = options.endpoint.replace(/\/+$/, '')
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const getToken = options.getToken

  async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { ...opts.headers, accept: 'application/json' }
    if (getToken !== undefined) headers['authorization'] = `Bearer ${await getToken()}`
    const init: RequestInit = { method, headers }
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json'
      init.body = JSON.stringify(opts.body)
    }
    const url = `${endpoint}${path}${buildQuery(opts.query)}`
    const { status, text } = await send(doFetch, endpoint, url, init)
    if (status < 200 || status >= 300) throw decodeError(status, text)
    return parseJson<T>(status, text)
  }

  async function devLogin(subject: string): Promise<TokenResponse> {
    const body = new URLSearchParams({
      grant_type: DEV_LOGIN_GRANT,
      subject,
    }).toString()
    const { status, text } = await send(doFetch, endpoint, `${endpoint}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
    })
    if (status < 200 || status >= 300) throw decodeError(status, text)
    const tokens = parseJson<Partial<TokenResponse>>(status, text)
    if (typeof tokens.access_token !== 'string')
      throw new IamError(
        Code.INTERNAL,
        'BAD_RESPONSE',
        'The token endpoint returned no access_token.',
      )
    return tokens as TokenResponse
  }

  return {
    endpoint,
    request,
    devLogin,

    createProject: (project) => request('POST', '/v1/projects', { body: project }),
    getProject: (id) => request('GET', projectPath(id)),
    listProjects: (pageToken) => request('GET', '/v1/projects', { query: { pageToken } }),
    // Compat: Resource Manager v1 getIamPolicy is a POST with the options in the body.
    getProjectIamPolicy: (id, requestedPolicyVersion = 3) =>
      request('POST', `${projectPath(id)}:getIamPolicy`, {
        body: { options: { requestedPolicyVersion } },
      }),
    setProjectIamPolicy: (id, policy, updateMask) =>
      request('POST', `${projectPath(id)}:setIamPolicy`, {
        body: updateMask === undefined ? { policy } : { policy, updateMask },
      }),
    testProjectIamPermissions: async (id, permissions) => {
      const res = await request<TestIamPermissionsResponse>(
        'POST',
        `${projectPath(id)}:testIamPermissions`,
        { body: { permissions } },
      )
      return [...(res.permissions ?? [])]
    },

    createService: (ref, service) =>
      request('POST', servicesV2(ref.project, ref.region), {
        query: { serviceId: ref.service },
        body: service,
      }),
    getService: (ref) => request('GET', serviceV2(ref)),
    listServices: (project, region, pageToken) =>
      request('GET', servicesV2(project, region), { query: { pageToken } }),
    updateService: (ref, service, updateMask) =>
      request('PATCH', serviceV2(ref), { query: { updateMask }, body: service }),
    deleteService: (ref) => request('DELETE', serviceV2(ref)),
    // Compat: gcloud talks to Cloud Run v1 for IAM; getIamPolicy is a GET with a query option.
    getServiceIamPolicy: (ref, requestedPolicyVersion) =>
      request('GET', `${serviceV1(ref)}:getIamPolicy`, {
        query: { 'options.requestedPolicyVersion': requestedPolicyVersion },
      }),
    setServiceIamPolicy: (ref, policy, updateMask) =>
      request('POST', `${serviceV1(ref)}:setIamPolicy`, {
        body: updateMask === undefined ? { policy } : { policy, updateMask },
      }),
    testServiceIamPermissions: async (ref, permissions) => {
      const res = await request<TestIamPermissionsResponse>(
        'POST',
        `${serviceV1(ref)}:testIamPermissions`,
        { body: { permissions } },
      )
      return [...(res.permissions ?? [])]
    },
  }
}
