// One change (add or remove principals in roles) applied to several resources in one action, each
// as its own read-modify-write with the etag it read: a write that loses a race (409 ABORTED) is
// read and applied again, not lost. Every resource gets its own result, success or the server's
// message; one failing does not stop the others.
import { readModifyWrite, type RetryOptions } from '@runiam/api/client'
import { describeError } from '../components/error-panel.js'
import { addMembers, removeMembers } from './policy-changes.js'
import { getRunPolicy, setRunPolicy, type RunRef } from '../api/run-resources.js'

export interface BulkChange {
  readonly action: 'add' | 'remove'
  readonly members: readonly string[]
  readonly roles: readonly string[]
}

export type BulkOutcome =
  | { readonly state: 'pending' }
  | { readonly state: 'updated'; readonly attempts: number }
  | { readonly state: 'unchanged' }
  | {
      readonly state: 'failed'
      readonly title: string
      readonly message: string
      readonly error: unknown
    }

export interface BulkResult {
  readonly ref: RunRef
  readonly outcome: BulkOutcome
}

/** Applies the change to one resource, retrying the whole cycle on ABORTED. */
export async function applyToResource(
  ref: RunRef,
  change: BulkChange,
  retry: RetryOptions = {},
): Promise<BulkOutcome> {
  try {
    return await readModifyWrite(async (attempt) => {
      const current = await getRunPolicy(ref)
      const edit = change.action === 'add' ? addMembers : removeMembers
      const next = edit(current, change.members, change.roles)
      if (!next.changed) return { state: 'unchanged' } as const
      // The read etag goes back with the write: a concurrent change makes it 409, and we retry.
      await setRunPolicy(ref, next.policy)
      return { state: 'updated', attempts: attempt } as const
    }, retry)
  } catch (error) {
    const { title, message } = describeError(error)
    return { state: 'failed', title, message, error }
  }
}

/**
 * Applies the change to every resource (a few at a time, so a long list does not flood the
 * server) and reports each result as it arrives.
 */
export async function applyBulk(
  refs: readonly RunRef[],
  change: BulkChange,
  onResult: (index: number, outcome: BulkOutcome) => void,
  options: { concurrency?: number; retry?: RetryOptions } = {},
): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < refs.length) {
      const index = next++
      const ref = refs[index]
      if (ref === undefined) continue
      onResult(index, await applyToResource(ref, change, options.retry))
    }
  }
  const n = Math.max(1, Math.min(options.concurrency ?? 4, refs.length))
  await Promise.all(Array.from({ length: n }, worker))
}
