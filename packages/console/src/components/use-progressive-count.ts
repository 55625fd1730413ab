// How many rows of a long list to render so far: a first screenful at once, then the rest a step
// at a time, each step in its own task (a timer), so the browser paints and answers clicks and
// keys between steps instead of spending one long task on a thousand rows' script and layout.
import { startTransition, useEffect, useState } from 'react'

/** Rows shown at once: more than a 1280×800 window shows, so the first screen is complete. */
export const FIRST_ROWS = 40
/** Rows added per step after that. Each step costs a commit, a frame and the new rows' layout
 * (about 60 ms for 250 rows on a busy 2-CPU machine); 120-row steps made the last of 1,000 rows
 * arrive ~25% later than one big render, 250 ~5% sooner, the first click as soon in both. */
export const STEP_ROWS = 250

/**
 * The number of rows to render out of `total`: FIRST_ROWS on the first render, then STEP_ROWS more
 * after each commit until all are there. It never shrinks, so a list read again (after a bulk
 * change) renders whole; one that grew gets its new rows in steps too.
 */
export function useProgressiveCount(total: number): number {
  const [count, setCount] = useState(() => Math.min(total, FIRST_ROWS))
  useEffect(() => {
    if (count >= total) return
    // A transition: React builds the step in slices and drops it for a click or a key meanwhile.
    const timer = setTimeout(
      () => startTransition(() => setCount((c) => Math.min(total, c + STEP_ROWS))),
      0,
    )
    return () => clearTimeout(timer)
  }, [count, total])
  return Math.min(count, total)
}
