// Which service answers a Host: an in-memory index from every service URL's host name to what
// the gateway needs (its name, audiences, invoker switch, upstream). Rebuilt from the store after
// any resource change (in-process feed; other replicas' changes via `refresh`), so a deploy or an
// invoker-switch flip is seen by the very next request and unchanged requests touch no store.
import type { ResourceRecord, Store } from '@runiam/store'
import { audiencesFor, type InvokeTarget } from '../services/invoke-check.js'

export const UPSTREAM_ANNOTATION = 'runiam.dev/upstream'

export interface ServiceRoute extends InvokeTarget {
  /** The service id, e.g. "hello". */
  readonly service: string
  /** runiam.dev/upstream, when set. */
  readonly upstream?: URL
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
    ...(container === undefined ? {} : { container }),
    etag: record.etag,
    ...(revision === undefined ? {} : { revision }),
  }
  return { hosts: urls.map(hostOf).filter((h): h is string => h !== undefined), route }
}

const normalizeHost = (hostHeader: string): string =>
  hostHeader.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase()

export class HostIndex {
  readonly #store: Store
  #byHost: Map<string, ServiceRoute> | undefined
  #loading: Promise<Map<string, ServiceRoute>> | undefined
  #epoch = 0
  readonly #unsubscribe: () => void

  constructor(store: Store) {
    this.#store = store
    this.#unsubscribe = store.onChange((changes) => {
      if (changes.some((c) => c.kind === 'resource' || c.kind === 'project')) this.invalidate()
    })
  }

  /** Drops the index; the next lookup rebuilds it. */
  invalidate(): void {
    this.#epoch++
    this.#byHost = undefined
    this.#loading = undefined
  }

  async #build(): Promise<Map<string, ServiceRoute>> {
    const epoch = this.#epoch
    const records = await this.#store.listAllResources('service')
    const map = new Map<string, ServiceRoute>()
    for (const r of records) {
      const { hosts, route } = routeOf(r)
      for (const h of hosts) map.set(h, route)
    }
    if (epoch === this.#epoch) this.#byHost = map
    return map
  }

  /** Synchronously, when the index is built: the route for a Host, or undefined (unknown or not built). */
  lookupNow(hostHeader: string): ServiceRoute | undefined {
    return this.#byHost?.get(normalizeHost(hostHeader))
  }

  /** The service for a Host header value (port ignored, case-insensitive), if any. */
  async lookup(hostHeader: string): Promise<ServiceRoute | undefined> {
    const map = this.#byHost ?? (await (this.#loading ??= this.#build()))
    return map.get(normalizeHost(hostHeader))
  }

  close(): void {
    this.#unsubscribe()
  }
}
