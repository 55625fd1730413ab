// The console's one way to the REST API: @runiam/api's fetch client, same origin, with the
// signed-in user's token. An expired or refused token signs the user out with a message, so every
// page gets back to the sign-in page the same way.
import { createClient, type RuniamClient } from '@runiam/api/client'
import { Code, isIamError } from '@runiam/core/errors'
import { getSession, isExpired, signOut } from '../auth/session.js'

export const EXPIRED_NOTICE = 'Your session has expired. Sign in again.'

function token(): Promise<string> {
  const session = getSession()
  if (session === undefined) {
    signOut('Sign in to continue.')
    return Promise.reject(new Error('Not signed in.'))
  }
  if (isExpired(session)) {
    signOut(EXPIRED_NOTICE)
    return Promise.reject(new Error(EXPIRED_NOTICE))
  }
  return Promise.resolve(session.token)
}

const client: RuniamClient = createClient({
  endpoint: window.location.origin,
  getToken: token,
  fetch: async (input, init) => {
    const res = await fetch(input, init)
    // 401: the token is no longer accepted (expired, or its key was rotated away).
    if (res.status === 401 && getSession() !== undefined) signOut(EXPIRED_NOTICE)
    return res
  },
})

/** The API client for the signed-in user. */
export function api(): RuniamClient {
  return client
}

/** Whether an error is the caller lacking a permission (the page shows the policy read-only). */
export function isPermissionDenied(err: unknown): boolean {
  return isIamError(err) && err.code === Code.PERMISSION_DENIED
}
