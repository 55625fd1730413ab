// The stamp that ties the bundled CLI to the build it was made from. `npm run build` runs tsc,
// then scripts/bundle-cli.mjs, which bundles dist/cli.js with what it imports from the cli, api
// and core packages into dist/bundle*.cjs and, last, writes dist/bundle.json: the bundle's entry
// file and the size and change time of each file the bundle depends on: the entry itself and the
// tsc build info (dist/.tsbuildinfo) of every package whose code it holds, which tsc rewrites
// whenever it writes that package's output, and the package.json of each dependency it holds from
// node_modules (http-parser-js), which npm rewrites when it installs another version. bin.ts runs
// the bundle only while all of them are unchanged, so the bundle never runs code older than dist/
// (or a dependency other than the one installed): once tsc has rebuilt a package
// (tsc -b, tsc --watch, a build that failed before bundling) dist/cli.js runs until the next
// `npm run build`. A missing or unreadable stamp means the same: no bundle.
// node:fs comes from process.getBuiltinModule: this runs before every command, and an ESM import
// of node:fs builds its module facade, which loads every lazy export (streams, fs/promises).
const { readFileSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs')

/** The stamp's name in dist/. */
export const STAMP_FILE = 'bundle.json'

interface Stamp {
  /** The bundle's entry, relative to dist/. */
  readonly entry: string
  /** Each file the bundle depends on, relative to dist/, with its fingerprint when bundled. */
  readonly files: Readonly<Record<string, string>>
}

/**
 * Size and change time. The change time (ctime) is set by the kernel on every write and cannot be
 * set back by a tool (touch, cp -p, tar); a copy of the tree gets new ones, so a copied bundle
 * counts as stale until rebuilt: slower, never wrong.
 */
function fingerprint(file: URL): string | undefined {
  const s = statSync(file, { throwIfNoEntry: false })
  return s === undefined ? undefined : `${s.size}:${s.ctimeMs}`
}

function isStamp(x: unknown): x is Stamp {
  if (typeof x !== 'object' || x === null) return false
  const { entry, files } = x as Partial<Stamp>
  return (
    typeof entry === 'string' &&
    typeof files === 'object' &&
    files !== null &&
    Object.keys(files).length > 0 &&
    Object.values(files).every((v) => typeof v === 'string')
  )
}

/** The bundle's entry in `dist` if the stamp there says it was made from the build now in place. */
export function freshBundle(dist: URL): URL | undefined {
  let stamp: unknown
  try {
    stamp = JSON.parse(readFileSync(new URL(STAMP_FILE, dist), 'utf8'))
  } catch {
    return undefined
  }
  if (!isStamp(stamp) || stamp.files[stamp.entry] === undefined) return undefined
  for (const [file, print] of Object.entries(stamp.files)) {
    if (fingerprint(new URL(file, dist)) !== print) return undefined
  }
  return new URL(stamp.entry, dist)
}

/** Removes the stamp: done before a bundle is rewritten, so a half-written one never runs. */
export function removeStamp(dist: URL): void {
  rmSync(new URL(STAMP_FILE, dist), { force: true })
}

/**
 * Writes the stamp for the bundle whose entry is `entry`, made from the builds whose tsc build
 * info files (and bundled dependencies' package.json) are `buildInfos` (all relative to `dist`).
 * Throws if any of them is missing.
 */
export function writeStamp(dist: URL, entry: string, buildInfos: readonly string[]): void {
  const files: Record<string, string> = {}
  for (const file of [entry, ...buildInfos]) {
    const print = fingerprint(new URL(file, dist))
    if (print === undefined) throw new Error(`cannot stamp the bundle: ${file} is missing`)
    files[file] = print
  }
  writeFileSync(new URL(STAMP_FILE, dist), `${JSON.stringify({ entry, files }, null, 2)}\n`)
}
