// A project's Cloud Run list asked for as the console starts (main.tsx, when the address is such a
// list and there is a session), while the script still builds the first render: the page would
// otherwise ask only after that render has painted. The page takes the answer once; a later visit
// or a reload lists again.
import { getSession, isExpired } from '../auth/session.js'
import { listRun, type RunKind, type RunResource } from './run-resources.js'

/** How long an early list waits to be taken: past that (the page never showed it) it is stale. */
const FRESH_MS = 10_000

let early:
  { readonly key: string; readonly at: number; readonly list: Promise<RunResource[]> } | undefined

const keyOf = (project: string, kind: RunKind): string => `${kind}/${project}`

/** Starts listing `kind` in `project` now, if signed in (no session: the sign-in page shows). */
export function listRunEarly(project: string, kind: RunKind): void {
  const session = getSession()
  if (session === undefined || isExpired(session)) return
  const list = listRun(project, kind)
  // Taken later by the page, which reports a failure; never an unhandled rejection meanwhile.
  list.catch(() => undefined)
  early = { key: keyOf(project, kind), at: Date.now(), list }
}

/** The early list of `kind` in `project`, once, while fresh; else a new request. */
export function takeRunList(project: string, kind: RunKind): Promise<RunResource[]> {
  const found = early
  early = undefined
  if (found !== undefined && found.key === keyOf(project, kind) && Date.now() - found.at < FRESH_MS)
    return found.list
  return listRun(project, kind)
}
