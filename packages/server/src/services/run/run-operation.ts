// A Cloud Run v2 long-running Operation of an execution (jobs.run, executions.cancel, delete),
// finished or still running (jobs.run's, until its execution completes): named under the
// project's location with a time-ordered id, typed (`@type`) metadata and response, and stored so
// that operations get, list and wait read it back. Writes that finish at once use
// run-resource-writes.ts' finishedOperation. Compat: google.longrunning.Operation.
import type { AnyMessage, Operation } from '@runiam/api'
import type { StoreTx } from '@runiam/store'
import { isoTime } from '../context.js'
import { timeOrderedUuid } from './run-resource-writes.js'

export interface RunOperationArgs {
  readonly projectId: string
  readonly location: string
  readonly typeUrl: string
  readonly body: Readonly<Record<string, unknown>>
  /** Finished (with `response`) or still running (metadata only). */
  readonly done: boolean
  /** For a new operation's time-ordered id (operations list in creation order). */
  readonly nowMs: number
  /** An existing operation's name (rewriting it when it finishes); default: a new one. */
  readonly name?: string
}

export function runOperation(a: RunOperationArgs): Operation {
  const name =
    a.name ??
    `projects/${a.projectId}/locations/${a.location}/operations/${timeOrderedUuid(a.nowMs)}`
  const message: AnyMessage = { '@type': a.typeUrl, ...a.body }
  return a.done
    ? { name, metadata: message, done: true, response: message }
    : { name, metadata: message, done: false }
}

/**
 * Stores the operation so that operations.get reads it back; rewriting one (a run that finished)
 * keeps its creation time.
 */
export async function putRunOperation(tx: StoreTx, op: Operation, nowMs: number): Promise<void> {
  const previous = await tx.getOperation(op.name)
  await tx.putOperation({
    name: op.name,
    body: { ...op },
    createTime: previous?.createTime ?? isoTime(nowMs),
  })
}
