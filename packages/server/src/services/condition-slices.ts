// Compiling a policy's conditions without blocking the event loop: each distinct expression is
// compiled (core caches the plan by its text), and the loop is given a turn whenever about 2 ms
// of compiling has run, so a policy with many long conditions costs other requests a few
// milliseconds at a time, never the whole compile at once. Validation and compilePolicy then
// find every plan cached, and compile failures are kept so validation reports them without
// compiling the same text again.
import { distinctConditionText, MAX_CONDITION_TEXT_PER_POLICY } from '@runiam/core'
import { compileCondition } from '@runiam/core/conditions'

const SLICE_MS = 2

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Compiles the distinct condition expressions of raw `bindings`, in slices. Returns the errors of
 * the expressions that do not compile, by expression. Policies over the size cap are left to
 * validation, which refuses them before compiling anything.
 */
export async function compileConditionsInSlices(
  bindings: unknown,
): Promise<ReadonlyMap<string, unknown>> {
  const failures = new Map<string, unknown>()
  if (!Array.isArray(bindings)) return failures
  if (distinctConditionText(bindings) > MAX_CONDITION_TEXT_PER_POLICY) return failures
  const seen = new Set<string>()
  let sliceStart = performance.now()
  for (const b of bindings) {
    const condition = (b as { condition?: { expression?: unknown } } | null)?.condition
    const expression = condition?.expression
    if (typeof expression !== 'string' || expression === '' || seen.has(expression)) continue
    seen.add(expression)
    if (performance.now() - sliceStart > SLICE_MS) {
      await nextTurn()
      sliceStart = performance.now()
    }
    try {
      compileCondition(expression)
    } catch (err) {
      failures.set(expression, err)
    }
  }
  return failures
}
