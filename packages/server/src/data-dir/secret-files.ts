// Files that hold secrets (the bootstrap key file) are written owner-only, whatever the umask or
// the mode of a file left from an earlier run.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/** Writes `text` to `path` with mode 0600, creating its folder (0700) when missing. */
export function writeSecretFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  writeFileSync(path, text, { mode: 0o600 })
  // A file left from an earlier database keeps its old mode on overwrite: tighten it.
  chmodSync(path, 0o600)
}
