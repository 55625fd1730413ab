// Where the CLI keeps files it can always make again (the bundle's V8 code cache, code-cache.ts):
// RUNIAM_CACHE_DIR, else the platform's user cache folder. Read by the launcher before anything
// else loads, so node modules come from process.getBuiltinModule: an ESM import of a builtin
// builds its module facade, and node:fs's touches every lazy export (streams, promises).

/** The cache folder, or undefined when there is no home to put it in. */
export function cacheDirOf(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const { join, isAbsolute } = process.getBuiltinModule('node:path')
  const set = (name: string): string | undefined => {
    const v = env[name]
    return v !== undefined && v !== '' ? v : undefined
  }
  const explicit = set('RUNIAM_CACHE_DIR')
  if (explicit !== undefined) return explicit
  if (process.platform === 'win32') {
    const local = set('LOCALAPPDATA')
    return local === undefined ? undefined : join(local, 'runiam', 'Cache')
  }
  // XDG: a relative XDG_CACHE_HOME is invalid and ignored.
  const xdg = set('XDG_CACHE_HOME')
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, 'runiam')
  let home: string
  try {
    home = process.getBuiltinModule('node:os').homedir()
  } catch {
    return undefined // no HOME and no passwd entry
  }
  if (home === '') return undefined
  return process.platform === 'darwin'
    ? join(home, 'Library', 'Caches', 'runiam')
    : join(home, '.cache', 'runiam')
}
