// The signed-in user's session: an access token, who it is for and when it expires, kept in
// sessionStorage (gone when the tab closes; never localStorage, which every tab and every later
// visit would share). Components read it through useSession(); the API module signs out on expiry.
import { useSyncExternalStore } from 'react'

export interface Session {
  readonly token: string
  /** The signed-in identity's email, as shown in the header. */
  readonly email: string
  /** Milliseconds since the epoch; undefined when the token does not say. */
  readonly expiresAt?: number
  readonly method: 'dev' | 'token' | 'key-file' | 'oidc'
}

const KEY = 'runiam.console.session'
/** Why the user was last signed out (shown on the sign-in page), e.g. an expired token. */
const NOTICE_KEY = 'runiam.console.notice'

type Listener = () => void
const listeners = new Set<Listener>()
let current: Session | undefined = read()

function read(): Session | undefined {
  try {
    const text = sessionStorage.getItem(KEY)
    if (text === null) return undefined
    const s = JSON.parse(text) as Partial<Session>
    if (typeof s.token !== 'string' || typeof s.email !== 'string') return undefined
    return s as Session
  } catch {
    return undefined
  }
}

function emit(): void {
  for (const l of listeners) l()
}

export function getSession(): Session | undefined {
  return current
}

export function isExpired(session: Session, now = Date.now()): boolean {
  // A few seconds early, so a call does not leave with a token that dies on the way.
  return session.expiresAt !== undefined && now >= session.expiresAt - 5_000
}

export function signIn(session: Session): void {
  current = session
  sessionStorage.setItem(KEY, JSON.stringify(session))
  sessionStorage.removeItem(NOTICE_KEY)
  emit()
}

/** Forgets the token; `notice` is shown on the sign-in page (why the user is there again). */
export function signOut(notice?: string): void {
  current = undefined
  sessionStorage.removeItem(KEY)
  if (notice === undefined) sessionStorage.removeItem(NOTICE_KEY)
  else sessionStorage.setItem(NOTICE_KEY, notice)
  emit()
}

export function takeNotice(): string | undefined {
  return sessionStorage.getItem(NOTICE_KEY) ?? undefined
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function useSession(): Session | undefined {
  return useSyncExternalStore(subscribe, getSession)
}
