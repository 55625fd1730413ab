// Which service answers a Host: an in-memory index from every service URL's host name to what
// the gateway needs (its name, audiences, invoker switch, upstream), and which service owns each
// upstream backend. Rebuilt from the store after any resource change (in-process feed; other
// replicas' changes via `refresh`), so a deploy or an invoker-switch flip is seen by the very
// next request and unchanged requests touch no store.
import type { ResourceRecord, Store } from '@runiam/store'
import { audiencesFor, type InvokeTarget } from '../services/invoke-check.js'
import { backendKey, UPSTREAM_ANNOTATION } from '../services/run/upstream-policy.js'

export { UPSTREAM_ANNOTATION }

export interface ServiceRoute extends InvokeTarget {
  /** The service id, e.g. "hello". */
  readonly service: string
  /** runiam.dev/upstream, when set and a URL. */
  readonly upstream?: URL
  /** runiam.dev/upstream as stored, when set (a value that is not a URL is never forwarded to). */
  readonly upstreamText?: string
  /** The container's command/args/env, when the service runs as a local process. */
  readonly container?: {
    readonly command: readonly string[]
    readonly args: readonly string[]
    readonly env: Readonly<Record<string, string>>
  }
  readonly etag: string
  /** The serving revision id (e.g. hello-00002-abc), from latestReadyRevision. */
  readonly revision?: string
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase()
  } catch {
    return undefined
  }
}

/** Builds a route from a stored service body; exported for tests. */
export function routeOf(record: ResourceRecord): { hosts: string[]; route: ServiceRoute } {
  const body = record.body
  const urls = [
    ...new Set([
      ...strings(body['urls']),
      ...(typeof body['uri'] === 'string' ? [body['uri']] : []),
    ]),
  ]
  const annotations = (body['annotations'] ?? {}) as Record<string, unknown>
  const upstreamText = annotations[UPSTREAM_ANNOTATION]
  let upstream: URL | undefined
  if (typeof upstreamText === 'string' && upstreamText !== '') {
    try {
      upstream = new URL(upstreamText)
    } catch {
      upstream = undefined
    }
  }
  const containers = ((body['template'] as Record<string, unknown> | undefined)?.['containers'] ??
    []) as Record<string, unknown>[]
  const first = containers[0]
  const command = strings(first?.['command'])
  const container =
    first !== undefined && command.length > 0
      ? {
          command,
          args: strings(first['args']),
          env: Object.fromEntries(
            ((first['env'] ?? []) as { name?: unknown; value?: unknown }[])
              .filter((e) => typeof e.name === 'string' && typeof e.value === 'string')
              .map((e) => [e.name as string, e.value as string]),
          ),
        }
      : undefined
  const latest = body['latestReadyRevision'] ?? body['latestCreatedRevision']
  const revision =
    typeof latest === 'string' && latest !== '' ? latest.split('/').at(-1) : undefined
  const route: ServiceRoute = {
    name: record.name,
    service: record.name.split('/').at(-1) ?? '',
    invokerIamDisabled: body['invokerIamDisabled'] === true,
    audiences: audiencesFor(urls, strings(body['customAudiences'])),
    ...(upstream === undefined ? {} : { upstream }),
    ...(typeof upstreamText === 'string' && upstreamText !== '' ? { upstreamText } : {}),
    ...(container === undefined ? {} : { container }),
    etag: record.etag,
    ...(revision === undefined ? {} : { revision }),
  }
  return { hosts: urls.map(hostOf).filter((h): h is string => h !== undefined), route }
}

const normalizeHost = (hostHeader: string): string =>
  hostHeader.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase()

interface Index {
  readonly byHost: Map<string, ServiceRoute>
  /** backendKey → the service that owns that backend: the first created to name it. */
  readonly owners: Map<string, { readonly name: string; readonly createTime: string }>
}

export class HostIndex {
  readonly #store: Store
  #index: Index | undefined
  #loading: Promise<Index> | undefined
  #epoch = 0
  readonly #unsubscribe: () => void

  constructor(store: Store) {
    this.#store = store
    this.#unsubscribe = store.onChange((changes) => {
      const stale = (kind: string): boolean =>
        kind === 'resource' || kind === 'project' || kind === 'reset'
      if (changes.some((c) => stale(c.kind))) this.invalidate()
    })
  }

  /** Drops the index; the next lookup rebuilds it. */
  invalidate(): void {
    this.#epoch++
    this.#index = undefined
    this.#loading = undefined
  }

  async #build(): Promise<Index> {
    const epoch = this.#epoch
    const records = await this.#store.listAllResources('service')
    const index: Index = { byHost: new Map(), owners: new Map() }
    for (const r of records) {
      const { hosts, route } = routeOf(r)
      for (const h of hosts) index.byHost.set(h, route)
      if (route.upstream === undefined) continue
      // Services stored before upstreams had one owner each may share a backend: the first
      // created keeps it (ties by name), the others are refused at request time.
      const key = backendKey(route.upstream)
      const held = index.owners.get(key)
      const mine = { name: r.name, createTime: r.createTime }
      if (
        held === undefined ||
        mine.createTime < held.createTime ||
        (mine.createTime === held.createTime && mine.name < held.name)
      ) {
        index.owners.set(key, mine)
      }
    }
    if (epoch === this.#epoch) this.#index = index
    return index
  }

  async #current(): Promise<Index> {
    if (this.#index !== undefined) return this.#index
    let loading = this.#loading
    if (loading === undefined) {
      const started = this.#build()
      this.#loading = loading = started
      // A failed load (the database was down) is forgotten, so the next request tries again:
      // kept, it failed every gateway request until some service or project changed.
      started.catch(() => {
        if (this.#loading === started) this.#loading = undefined
      })
    }
    return loading
  }

  // The last Host header looked up and its normal form: clients repeat theirs.
  #lastHeader: string | undefined
  #lastHost = ''

  /** Synchronously, when the index is built: the route for a Host, or undefined (unknown or not built). */
  lookupNow(hostHeader: string): ServiceRoute | undefined {
    if (hostHeader !== this.#lastHeader) {
      this.#lastHost = normalizeHost(hostHeader)
      this.#lastHeader = hostHeader
    }
    return this.#index?.byHost.get(this.#lastHost)
  }

  /** The service for a Host header value (port ignored, case-insensitive), if any. */
  async lookup(hostHeader: string): Promise<ServiceRoute | undefined> {
    return (await this.#current()).byHost.get(normalizeHost(hostHeader))
  }

  /** The service whose upstream is this backend (any spelling of it), if any. */
  async upstreamOwner(upstream: URL): Promise<string | undefined> {
    return (await this.#current()).owners.get(backendKey(upstream))?.name
  }

  close(): void {
    this.#unsubscribe()
  }
}
