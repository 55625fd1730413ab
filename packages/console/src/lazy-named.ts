// React.lazy for a module's named export (the console's pages and panels are named exports): a
// page or panel the first screen does not show is its own chunk, loaded when first rendered.
// Usage: lazyNamed(() => import('./pages/x.js').then((m) => m.XPage)).
import { lazy, type ComponentType } from 'react'

export function lazyNamed<P extends object>(
  load: () => Promise<ComponentType<P>>,
): ComponentType<P> {
  return lazy(async () => ({ default: await load() }))
}
