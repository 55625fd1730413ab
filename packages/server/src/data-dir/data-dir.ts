// The data folder holds secrets: the SQLite database (with runiam's signing key and every policy),
// its WAL and shared-memory files, and the bootstrap key file. It is made owner-only (0700, files
// 0600) whatever the umask, and an existing folder or file that others can read is tightened at
// start, with a log line saying so; one that cannot be tightened stops the start with a clear error.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Code, IamError } from '@runiam/core'

/** Files of the data folder that hold secrets, by name. */
export const SECRET_FILES = ['runiam.db', 'runiam.db-wal', 'runiam.db-shm', 'bootstrap-key.json']

function tighten(path: string, mode: number, log: (entry: Record<string, unknown>) => void): void {
  const st = statSync(path)
  if ((st.mode & 0o077) === 0) return
  try {
    chmodSync(path, mode)
  } catch (cause) {
    throw new IamError(
      Code.FAILED_PRECONDITION,
      'DATA_DIR_INSECURE',
      `${path} can be read by other users (mode ${(st.mode & 0o777).toString(8)}) and cannot be made owner-only: ${(cause as Error).message}. Fix its owner or mode (chmod ${mode.toString(8)}) and start again.`,
      { cause },
    )
  }
  log({
    event: 'data_dir_tightened',
    path,
    from: (st.mode & 0o777).toString(8),
    to: mode.toString(8),
  })
}

/**
 * Creates the data folder owner-only (or tightens it) and tightens the secret files already in
 * it; with `database`, also creates the (empty) database file 0600 so SQLite, which gives its WAL
 * and shared-memory files the database file's mode, creates those 0600 too.
 */
export function prepareDataDir(
  dir: string,
  options: { database?: string; log: (entry: Record<string, unknown>) => void },
): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch (err) {
    // A file under the name (EEXIST), a parent that is a file, no permission.
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'INVALID_CONFIG',
      `--data ${dir} is not a folder and cannot be made one: ${(err as Error).message}`,
    )
  }
  if (!statSync(dir).isDirectory()) {
    throw new IamError(Code.INVALID_ARGUMENT, 'INVALID_CONFIG', `--data ${dir} is not a folder.`)
  }
  tighten(dir, 0o700, options.log)
  for (const name of SECRET_FILES) {
    const path = join(dir, name)
    if (existsSync(path)) tighten(path, 0o600, options.log)
  }
  if (options.database !== undefined) {
    const path = join(dir, options.database)
    if (!existsSync(path)) {
      closeSync(openSync(path, 'a', 0o600))
      chmodSync(path, 0o600)
    }
  }
}
