// The error reasons of `runiam export`, `runiam import` and `runiam migrate`, registered in core's
// catalog so that listReasons() and docs/errors.md cover them. Imported for its side effect by the
// server's index.
import { Code, registerReasons } from '@runiam/core'

export const PORTABILITY_REASONS = {
  IMPORT_INVALID: {
    code: Code.INVALID_ARGUMENT,
    doc: '`runiam import`: an entry of the file is refused as the API would refuse it; the message names the entry.',
  },
  IMPORT_WRONG_FORMAT: {
    code: Code.INVALID_ARGUMENT,
    doc: '`runiam import`: the file is JSON but not a runiam export.',
  },
  IMPORT_WRONG_VERSION: {
    code: Code.INVALID_ARGUMENT,
    doc: '`runiam import`: the export is of a version this runiam does not read.',
  },
  IMPORT_FILE_UNREADABLE: {
    code: Code.INVALID_ARGUMENT,
    doc: '`runiam import`: the file cannot be read (missing, a folder, no permission).',
  },
  IMPORT_FILE_TOO_LARGE: {
    code: Code.INVALID_ARGUMENT,
    doc: '`runiam import`: the file is larger than --max-file-mb; it is refused before it is read.',
  },
  IMPORT_FILE_MALFORMED: {
    code: Code.INVALID_ARGUMENT,
    doc: '`runiam import`: the file is not valid JSON (truncated or damaged).',
  },
  IMPORT_STORE_NOT_EMPTY: {
    code: Code.FAILED_PRECONDITION,
    doc: '`runiam import`: the target store already holds something; import only into a new one.',
  },
  EXPORT_STORE_BUSY: {
    code: Code.ABORTED,
    doc: '`runiam export`: the store changed during every attempt to read one consistent snapshot.',
  },
  EXPORT_WRITE_FAILED: {
    code: Code.FAILED_PRECONDITION,
    doc: '`runiam export`: the output file cannot be written.',
  },
  STORE_NOT_FOUND: {
    code: Code.NOT_FOUND,
    doc: '`runiam export`: there is no SQLite store in the --data folder.',
  },
} as const

registerReasons(PORTABILITY_REASONS)
