// better-sqlite3 errors → IamError, once, inside the engine (DESIGN: driver → IamError in the store).
import { Code, IamError, isIamError } from '@runiam/core'
import { contention, internal, sanitize, unavailable } from '../internal/errors.js'

function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined
}

/** True for SQLITE_BUSY and its extended codes: another connection holds the write lock. */
export function isSqliteBusy(error: unknown): boolean {
  const code = sqliteCode(error)
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
}

export function translateSqliteError(error: unknown): IamError {
  if (isIamError(error)) return error
  const code = sqliteCode(error)
  if (code === undefined) return internal(error)
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new IamError(Code.ALREADY_EXISTS, 'ALREADY_EXISTS', 'The record already exists.', {
      cause: sanitize(error),
    })
  }
  if (isSqliteBusy(error)) return contention(error)
  if (
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_PERM'
  ) {
    return unavailable(error)
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new IamError(Code.DATA_LOSS, 'STORE_CORRUPT', 'The database file is damaged.', {
      cause: sanitize(error),
    })
  }
  return internal(error)
}
