// Serves the web console's built files (packages/console/dist) at /console/. The server never
// imports console code: it is given the folder (config `consoleDir`) and serves what is in it.
// A request can only ever name a file found by walking that folder (a manifest of regular files,
// symlinks skipped), so no spelling of a path (`..`, `%2e%2e`, `%2f`, `\`, NUL, absolute paths)
// can reach a file outside it. Deep links without a file extension get index.html (the app
// routes on the client).
import { lstat, readdir, readFile } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { encodeError } from '@runiam/api'
import { Code, IamError } from '@runiam/core'

export const CONSOLE_PREFIX = '/console'

/** Security headers on every console answer (docs/console.md, "Security"). */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
}

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
}

/** Worth compressing on the fly (once, then kept). */
const COMPRESSIBLE = new Set(['html', 'js', 'mjs', 'css', 'json', 'map', 'svg', 'txt'])

/** Longest path accepted after /console/; anything longer is not a file of ours. */
const MAX_PATH = 512
/** One path segment of a built file: no leading dot (so no `.`, `..` or hidden files). */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/
/** How often a miss may make us walk the folder again (a rebuilt console has new names). */
const RESCAN_MS = 2_000

interface Asset {
  readonly body: Buffer
  readonly type: string
  readonly compressible: boolean
  gzip?: Buffer
}

export interface ConsoleAssetsOptions {
  /** The built console (index.html and assets/); undefined when it cannot be found. */
  readonly dir: string | undefined
  readonly now?: () => number
}

export type ConsoleHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
) => Promise<void>

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase()
}

/** Regular files under `dir`, by their path relative to it ('/'-separated). */
async function walk(dir: string): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>()
  async function visit(abs: string, rel: string, depth: number): Promise<void> {
    if (depth > 8) return
    for (const name of await readdir(abs)) {
      if (!SEGMENT.test(name)) continue
      const file = join(abs, name)
      const st = await lstat(file)
      const key = rel === '' ? name : `${rel}/${name}`
      if (st.isDirectory()) await visit(file, key, depth + 1)
      else if (st.isFile()) {
        const ext = extensionOf(name)
        out.set(key, {
          body: await readFile(file),
          type: TYPES[ext] ?? 'application/octet-stream',
          compressible: COMPRESSIBLE.has(ext),
        })
      }
      // Symlinks and anything else are never served.
    }
  }
  await visit(dir, '', 0)
  return out
}

/**
 * The request path after /console/ as a manifest key, or undefined when it cannot name a built
 * file. Percent-escapes are decoded once; the decoded form must still be plain segments.
 */
export function assetKey(rest: string): string | undefined {
  if (rest.length > MAX_PATH * 3) return undefined
  let decoded: string
  try {
    decoded = decodeURIComponent(rest)
  } catch {
    return undefined
  }
  if (decoded.length > MAX_PATH) return undefined
  const segments = decoded.split('/')
  return segments.every((s) => SEGMENT.test(s)) ? decoded : undefined
}

/** Characters of a route segment: names, ids, emails and members (user:a@b.c), nothing else. */
const ROUTE_SEGMENT = /^[A-Za-z0-9_@:~.-]+$/

/**
 * Whether a path after /console/ is one of the app's routes: plain segments (no `.` or `..`, no
 * escapes, no backslash) whose last one does not end in a file extension the console has.
 */
export function isDeepLink(rest: string): boolean {
  if (rest.length > MAX_PATH) return false
  const segments = rest.split('/')
  if (segments[segments.length - 1] === '') segments.pop()
  if (!segments.every((s) => ROUTE_SEGMENT.test(s) && s !== '.' && s !== '..')) return false
  const last = segments[segments.length - 1] ?? ''
  return TYPES[extensionOf(last)] === undefined
}

function notBuiltPage(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>runiam console not built</title></head>
<body>
<h1>The runiam console is not built</h1>
<p>This server found no built console to serve. In the runiam checkout, run</p>
<pre>npm run build</pre>
<p>(or <code>npm run build --workspace packages/console</code>), then reload this page. A console
built elsewhere can be served with <code>runiam serve --console-dir DIR</code>.</p>
</body></html>
`
}

export function createConsoleAssets(options: ConsoleAssetsOptions): ConsoleHandler {
  const now = options.now ?? Date.now
  let manifest: Promise<Map<string, Asset>> | undefined
  let scannedAt = 0

  function load(force: boolean): Promise<Map<string, Asset>> {
    const dir = options.dir
    if (dir === undefined) return Promise.resolve(new Map())
    if (manifest === undefined || (force && now() - scannedAt >= RESCAN_MS)) {
      scannedAt = now()
      manifest = walk(dir).catch(() => new Map<string, Asset>())
    }
    return manifest
  }

  function send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    headers: Record<string, string>,
    body: Buffer | string,
  ): void {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body
    res.writeHead(status, {
      ...CONSOLE_HEADERS,
      ...headers,
      'content-length': String(bytes.length),
    })
    res.end(req.method === 'HEAD' ? undefined : bytes)
  }

  function sendError(req: IncomingMessage, res: ServerResponse, err: IamError, status?: number) {
    const { status: code, body } = encodeError(
      err,
      status === undefined ? {} : { httpStatus: status },
    )
    send(
      req,
      res,
      code,
      {
        'content-type': 'application/json; charset=UTF-8',
        'cache-control': 'no-store',
        ...(status === 405 ? { allow: 'GET, HEAD' } : {}),
      },
      JSON.stringify(body),
    )
  }

  function sendAsset(req: IncomingMessage, res: ServerResponse, key: string, asset: Asset): void {
    const cache = key.startsWith('assets/')
      ? 'public, max-age=31536000, immutable' // Vite puts a content hash in these names.
      : key === 'index.html'
        ? 'no-store'
        : 'no-cache'
    const accepts = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
    const headers: Record<string, string> = { 'content-type': asset.type, 'cache-control': cache }
    if (asset.compressible) headers['vary'] = 'accept-encoding'
    if (asset.compressible && accepts && asset.body.length > 1024) {
      asset.gzip ??= gzipSync(asset.body)
      headers['content-encoding'] = 'gzip'
      send(req, res, 200, headers, asset.gzip)
      return
    }
    send(req, res, 200, headers, asset.body)
  }

  return async function handle(req, res, path, query) {
    const method = (req.method ?? 'GET').toUpperCase()
    req.resume()
    if (method !== 'GET' && method !== 'HEAD') {
      sendError(
        req,
        res,
        new IamError(
          Code.UNIMPLEMENTED,
          'METHOD_NOT_ALLOWED',
          `Method ${method} is not allowed for the console. Allowed: GET, HEAD.`,
        ),
        405,
      )
      return
    }
    if (path === CONSOLE_PREFIX) {
      res.writeHead(301, {
        ...CONSOLE_HEADERS,
        location: `${CONSOLE_PREFIX}/${query === '' ? '' : `?${query}`}`,
        'content-length': '0',
        'cache-control': 'no-cache',
      })
      res.end()
      return
    }
    let files = await load(false)
    if (!files.has('index.html')) files = await load(true)
    if (!files.has('index.html')) {
      send(
        req,
        res,
        503,
        { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
        notBuiltPage(),
      )
      return
    }
    const rest = path.slice(CONSOLE_PREFIX.length + 1)
    const key = rest === '' ? 'index.html' : assetKey(rest)
    if (key !== undefined) {
      let asset = files.get(key)
      if (asset === undefined && extensionOf(key.slice(key.lastIndexOf('/') + 1)) !== '') {
        asset = (await load(true)).get(key)
      }
      if (asset !== undefined) return sendAsset(req, res, key, asset)
    }
    // A deep link into the app (a route, not a file name): the app routes it on the client.
    const index = files.get('index.html')
    if (index !== undefined && isDeepLink(rest)) return sendAsset(req, res, 'index.html', index)
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path
    sendError(
      req,
      res,
      new IamError(
        Code.NOT_FOUND,
        'URL_NOT_FOUND',
        `The requested URL ${shown} was not found on this server.`,
      ),
    )
  }
}
