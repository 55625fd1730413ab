// A small history router for the console: paths under /console/ (the server answers every deep
// link with index.html), matched against the route table in routes.ts. Links are real <a href>s
// (open in a new tab works) that navigate without reloading.
import {
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
  type ReactNode,
} from 'react'

export const BASE = '/console'

/** A route: a pattern such as `/projects/:project/run` and what renders it. */
export interface RouteDef<P extends Record<string, string> = Record<string, string>> {
  readonly pattern: string
  /** Shown in the browser tab (and to screen readers) for this page. */
  readonly title: (params: P) => string
  readonly render: (params: P, query: URLSearchParams) => ReactNode
  /** Asks for the page's data as the console starts on it, before the first render (optional). */
  readonly preload?: (params: P) => void
}

export interface Match {
  readonly route: RouteDef
  readonly params: Record<string, string>
}

/** The route matching `path` (the part after /console), with its decoded parameters. */
export function matchRoute(routes: readonly RouteDef[], path: string): Match | undefined {
  const parts = path.split('/').filter((p) => p !== '')
  for (const route of routes) {
    const pattern = route.pattern.split('/').filter((p) => p !== '')
    if (pattern.length !== parts.length) continue
    const params: Record<string, string> = {}
    let ok = true
    for (let i = 0; i < pattern.length && ok; i++) {
      const want = pattern[i] ?? ''
      const got = parts[i] ?? ''
      if (want.startsWith(':')) {
        try {
          params[want.slice(1)] = decodeURIComponent(got)
        } catch {
          ok = false
        }
      } else ok = want === got
    }
    if (ok) return { route, params }
  }
  return undefined
}

type Listener = () => void
const listeners = new Set<Listener>()
window.addEventListener('popstate', () => listeners.forEach((l) => l()))

function subscribe(l: Listener): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}

const snapshot = (): string => window.location.pathname + window.location.search

function parse(full: string): { path: string; query: URLSearchParams } {
  const url = new URL(full, window.location.origin)
  const path = url.pathname.startsWith(BASE) ? url.pathname.slice(BASE.length) || '/' : '/'
  return { path, query: url.searchParams }
}

/** The current location inside the console: its path (after /console) and query. */
export function useLocation(): { path: string; query: URLSearchParams } {
  return parse(useSyncExternalStore(subscribe, snapshot))
}

/** Runs the preload of the route the console is starting on, if it has one. */
export function preloadRoute(routes: readonly RouteDef[]): void {
  const match = matchRoute(routes, parse(snapshot()).path)
  match?.route.preload?.(match.params)
}

/** `to` is a console path such as `/projects/p`; segments must be encoded by the caller (href()). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = `${BASE}${to}`
  if (options.replace === true) window.history.replaceState(null, '', url)
  else window.history.pushState(null, '', url)
  listeners.forEach((l) => l())
  window.scrollTo(0, 0)
}

/** Builds a console path from segments, each encoded: href('projects', id, 'run'). */
export function href(...segments: readonly string[]): string {
  return `/${segments.map(encodeURIComponent).join('/')}`
}

export function Link(
  props: { to: string; children: ReactNode } & Omit<
    AnchorHTMLAttributes<HTMLAnchorElement>,
    'href'
  >,
) {
  const { to, children, onClick, ...rest } = props
  return (
    <a
      {...rest}
      href={`${BASE}${to}`}
      onClick={(e: MouseEvent<HTMLAnchorElement>) => {
        onClick?.(e)
        if (
          e.defaultPrevented ||
          e.button !== 0 ||
          e.metaKey ||
          e.ctrlKey ||
          e.shiftKey ||
          e.altKey
        )
          return
        e.preventDefault()
        navigate(to)
      }}
    >
      {children}
    </a>
  )
}
