// The admin benchmarks' HTTP client: node:http over keep-alive connections (cheaper per request
// than fetch, so on a 2-core machine the client takes less of the CPU the server needs).
import { Agent, request } from 'node:http'

export interface JsonResponse {
  readonly status: number
  readonly body: unknown
}

export class JsonClient {
  readonly #agent: Agent
  readonly #base: URL
  readonly #token: string

  constructor(api: string, token: string, connections: number) {
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections })
    this.#base = new URL(api)
    this.#token = token
  }

  /** One request; the body is parsed as JSON. */
  send(method: 'GET' | 'POST', path: string, body?: unknown): Promise<JsonResponse> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.#agent,
          host: this.#base.hostname,
          port: this.#base.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${this.#token}`,
            ...(payload === undefined
              ? {}
              : {
                  'content-type': 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => {
            try {
              const text = Buffer.concat(chunks).toString('utf8')
              resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : JSON.parse(text) })
            } catch (error) {
              reject(error as Error)
            }
          })
          res.on('error', reject)
        },
      )
      req.on('error', reject)
      req.end(payload)
    })
  }

  close(): void {
    this.#agent.destroy()
  }
}

/** The q-quantile of sorted milliseconds, rounded to µs. */
export function quantileMs(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const v = sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
  return Math.round(v * 1000) / 1000
}
