// Loading data for a page: one hook with the three states every page shows (loading, error,
// ready) and a reload() for after a change or a "try again".
import { useCallback, useEffect, useRef, useState } from 'react'

export type Load<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly error: unknown }
  | { readonly state: 'ready'; readonly value: T }

export function useLoad<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
): Load<T> & { reload: () => void } {
  const [result, setResult] = useState<Load<T>>({ state: 'loading' })
  const [generation, setGeneration] = useState(0)
  const reloading = useRef(false)
  useEffect(() => {
    let live = true
    // A reload keeps showing what was there until the new value arrives (no flash of loading).
    if (!reloading.current) setResult({ state: 'loading' })
    reloading.current = false
    load().then(
      (value) => live && setResult({ state: 'ready', value }),
      (error: unknown) => live && setResult({ state: 'error', error }),
    )
    return () => {
      live = false
    }
  }, [...deps, generation])
  const reload = useCallback(() => {
    reloading.current = true
    setGeneration((g) => g + 1)
  }, [])
  return { ...result, reload }
}
