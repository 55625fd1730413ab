// Runs the bundled CLI (dist/bundle.cjs, a CommonJS script: scripts/bundle-cli.mjs) with V8's code
// cache. Node 20 compiles every module from source on every start and offers no compile cache
// (module.enableCompileCache is Node 22), so the launcher compiles the bundle itself with
// vm.Script, handing V8 the code it cached after an earlier run: parsing and compiling the bundle
// was the largest part of a command's own start-up. The cache is only ever an accelerator:
// - it lives in the user's cache folder (settings/cache-dir.ts), one file per bundle path
//   (cacheFileOf), so two installs (or checkouts) never throw out each other's cache, written
//   atomically (temp file + rename) at exit after a run that had none or had one V8 refused;
// - it is used only when its header names this bundle file as it is now (inode, size, change
//   time in ns: any rewrite or copy changes it) and this node (version, arch); V8 checks its own
//   version, flags and the source's length on top and compiles from source when they differ;
// - it is read only from a file the user owns that no one else can write (it becomes code);
// - any failure to read or write it is ignored: the bundle then compiles from source as before.
// The bundle registers in Node's module cache under its file name, so its chunks' require of the
// entry gets this instance; it must contain no import() (a script compiled here has no module
// loader for it: the bundler checks).
import { cacheDirOf } from './settings/cache-dir.js'

/**
 * The cache file's name for the bundle at `filename`: `cli-` and a hash of the path (FNV-1a, 32
 * bits: no node:crypto to load). Two paths with the same hash only share a file, as all did
 * before: the header still names the one bundle file a cache is for.
 */
export function cacheFileOf(filename: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < filename.length; i++) {
    h = Math.imul(h ^ filename.charCodeAt(i), 0x01000193)
  }
  return `cli-${(h >>> 0).toString(16).padStart(8, '0')}.v8cache`
}
const MAGIC = 'runiam-v8-code-cache 1'

/** The header that ties a cache file to one bundle file as it is now and to this node. */
export function cacheKey(filename: string, fd: number): string {
  const s = process.getBuiltinModule('node:fs').fstatSync(fd, { bigint: true })
  const file = `${s.dev}:${s.ino}:${s.size}:${s.ctimeNs}:${s.mtimeNs}`
  return `${MAGIC} ${process.version} ${process.arch} ${file} ${filename}\n`
}

/** The cached code in `path` if its header is `key` and only this user can write it. */
export function readCache(path: string, key: string): Buffer | undefined {
  const fs = process.getBuiltinModule('node:fs')
  let fd: number
  try {
    fd = fs.openSync(path, 'r')
  } catch {
    return undefined
  }
  try {
    const s = fs.fstatSync(fd)
    if (!s.isFile()) return undefined
    if (process.getuid !== undefined && (s.uid !== process.getuid() || (s.mode & 0o022) !== 0)) {
      return undefined
    }
    const data = fs.readFileSync(fd)
    const header = Buffer.byteLength(key)
    if (data.length <= header || data.toString('utf8', 0, header) !== key) return undefined
    return data.subarray(header)
  } catch {
    return undefined
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Writes `key` and the code `code()` makes to `path` atomically, readable by this user only;
 * never throws. `code` runs only once the file could be created: making it serializes all the
 * compiled code, which a run whose cache folder is read-only must not pay for every time.
 */
export function writeCache(path: string, key: string, code: () => Uint8Array): void {
  const fs = process.getBuiltinModule('node:fs')
  const tmp = `${path}.${process.pid}.tmp`
  let fd: number | undefined
  try {
    fs.mkdirSync(process.getBuiltinModule('node:path').dirname(path), {
      recursive: true,
      mode: 0o700,
    })
    fd = fs.openSync(tmp, 'wx', 0o600)
    fs.writeFileSync(fd, key)
    fs.writeFileSync(fd, code())
    fs.closeSync(fd)
    fd = undefined
    fs.renameSync(tmp, path)
  } catch {
    try {
      if (fd !== undefined) fs.closeSync(fd)
      fs.rmSync(tmp, { force: true })
    } catch {
      // nothing more to do: the next run compiles from source and tries again
    }
  }
}

/** How a compile used the cache: none kept, none valid, refused by V8, or used. */
export type CacheUse = 'off' | 'miss' | 'rejected' | 'hit'

export interface CompiledBundle {
  readonly cache: CacheUse
  /** Runs the bundle as Node's loader runs a CommonJS module. */
  readonly run: () => void
  /** Writes the cache (all the code compiled so far) unless it was used; never throws. */
  readonly save: () => void
}

/** Compiles the CommonJS bundle at `filename` with the code cache in `cacheDir` if valid. */
export function compileBundle(filename: string, cacheDir: string | undefined): CompiledBundle {
  const fs = process.getBuiltinModule('node:fs')
  const { Module, createRequire } = process.getBuiltinModule('node:module')
  const { dirname, join } = process.getBuiltinModule('node:path')
  const fd = fs.openSync(filename, 'r')
  let source: string
  let key: string
  try {
    key = cacheKey(filename, fd)
    source = fs.readFileSync(fd, 'utf8')
  } finally {
    fs.closeSync(fd)
  }
  const cachePath = cacheDir === undefined ? undefined : join(cacheDir, cacheFileOf(filename))
  const cachedData = cachePath === undefined ? undefined : readCache(cachePath, key)
  // The wrapper on a line of its own: line and column numbers in stack traces stay the file's.
  const script = new (process.getBuiltinModule('node:vm').Script)(
    `(function (exports, require, module, __filename, __dirname) {\n${source}\n})`,
    { filename, lineOffset: -1, ...(cachedData === undefined ? {} : { cachedData }) },
  )
  const cache: CacheUse =
    cachePath === undefined
      ? 'off'
      : cachedData === undefined
        ? 'miss'
        : script.cachedDataRejected === true
          ? 'rejected'
          : 'hit'
  return {
    cache,
    run: () => {
      const require = createRequire(filename)
      const mod = new Module(filename)
      mod.filename = filename
      // Its chunks require the entry back: they get this instance, not a second copy.
      require.cache[filename] = mod
      const wrapper = script.runInThisContext() as (...args: unknown[]) => void
      wrapper.call(mod.exports, mod.exports, require, mod, filename, dirname(filename))
      mod.loaded = true
    },
    save: () => {
      if (cachePath === undefined || cache === 'hit') return
      writeCache(cachePath, key, () => script.createCachedData())
    },
  }
}

/**
 * Runs the CommonJS bundle `entry` with the code cache in `cacheDir`, which it writes at exit
 * (then it holds every function this run compiled, not just the top level) unless it was used.
 */
export function runBundle(entry: URL, cacheDir: string | undefined = cacheDirOf()): void {
  const bundle = compileBundle(process.getBuiltinModule('node:url').fileURLToPath(entry), cacheDir)
  if (bundle.cache !== 'hit' && bundle.cache !== 'off') process.once('exit', bundle.save)
  bundle.run()
}
