// Reading and writing export files. Writing is atomic (a temporary file in the same folder,
// flushed, then renamed over the name) and owner-only (0600): it holds every policy of the store,
// and with --include-private-keys the issuer's private keys. Reading
// refuses a file above a size limit before reading it, so a huge or hostile file never costs
// more memory than the limit allows.
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { Code, IamError } from '@runiam/core'

/** Default largest file `runiam import` reads (MiB); `--max-file-mb` raises it. */
export const DEFAULT_MAX_FILE_MB = 64

export function writeExportFile(path: string, text: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  let fd: number
  try {
    fd = openSync(tmp, 'wx', 0o600)
  } catch (err) {
    throw new IamError(
      Code.FAILED_PRECONDITION,
      'EXPORT_WRITE_FAILED',
      `Cannot write the export next to ${path}: ${(err as Error).message}`,
    )
  }
  try {
    const data = Buffer.from(text, 'utf8')
    for (let off = 0; off < data.length;) off += writeSync(fd, data, off)
    fsyncSync(fd)
    closeSync(fd)
    renameSync(tmp, path)
  } catch (err) {
    try {
      closeSync(fd)
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true })
    throw new IamError(
      Code.FAILED_PRECONDITION,
      'EXPORT_WRITE_FAILED',
      `Cannot write the export to ${path}: ${(err as Error).message}`,
    )
  }
}

/** The file's JSON; INVALID_ARGUMENT for a missing, oversized or malformed file. */
export function readExportFile(path: string, maxMb: number): unknown {
  let size: number
  try {
    const st = statSync(path)
    if (!st.isFile()) throw new Error('not a file')
    size = st.size
  } catch (err) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'IMPORT_FILE_UNREADABLE',
      `Cannot read ${path}: ${(err as Error).message}`,
    )
  }
  const max = maxMb * 1024 * 1024
  if (size > max) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'IMPORT_FILE_TOO_LARGE',
      `${path} is ${(size / 1024 / 1024).toFixed(1)} MiB, more than the ${maxMb} MiB runiam import reads by default; if it really is an export, give --max-file-mb=${Math.ceil(size / 1024 / 1024)} (the import holds the whole file in memory).`,
    )
  }
  let text: string
  try {
    // An editor may have saved the file with a byte order mark, which JSON.parse refuses.
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '')
  } catch (err) {
    // No read permission, an I/O error, a file that grew past what a string holds.
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'IMPORT_FILE_UNREADABLE',
      `Cannot read ${path}: ${(err as Error).message}`,
    )
  }
  try {
    return JSON.parse(text) as unknown
  } catch (err) {
    throw new IamError(
      Code.INVALID_ARGUMENT,
      'IMPORT_FILE_MALFORMED',
      `${path} is not valid JSON (a truncated or damaged file?): ${(err as Error).message}`,
    )
  }
}
