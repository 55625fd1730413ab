// The error every call on a closed Store gets.
import { Code, IamError } from '@runiam/core'

export function storeClosed(): IamError {
  return new IamError(Code.UNAVAILABLE, 'STORE_CLOSED', 'The store has been closed.')
}
