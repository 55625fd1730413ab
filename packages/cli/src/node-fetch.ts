// A minimal fetch over node:http(s) for the API client. Compat with the client's FetchLike only:
// method, headers, a string body; answers status and text. Node's own fetch (undici) takes longer
// to load than a whole CLI command is allowed to take (≤150 ms). node:https (with TLS) loads only
// for an https endpoint; process.getBuiltinModule rather than import(), which the bundled CLI, run
// as a script, does not have (scripts/bundle-cli.mjs).
import type { FetchLike } from '@runiam/api'

type ResponseLike = Awaited<ReturnType<FetchLike>>

export const nodeFetch: FetchLike = async (input, init) => {
  const url = new URL(input)
  const mod =
    url.protocol === 'https:'
      ? process.getBuiltinModule('node:https')
      : process.getBuiltinModule('node:http')
  const body = typeof init.body === 'string' ? init.body : undefined
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) }
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
  return new Promise<ResponseLike>((resolve, reject) => {
    const req = mod.request(
      url,
      // No keep-alive: one CLI command makes a few calls and then exits.
      { method: init.method ?? 'GET', headers, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, text: async () => text })
        })
      },
    )
    // Same shape as fetch's network failure, so the client reports it the same way.
    req.on('error', (err) => reject(new TypeError('fetch failed', { cause: err })))
    req.end(body)
  })
}
