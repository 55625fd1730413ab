// What every Cloud Run v2 resource write shares (services, jobs, worker pools, and any later
// kind): the boolean query flags, etag comparison and its conflict, the ALREADY_EXISTS answer, the
// stored record of a resource body, and the finished google.longrunning.Operation each write
// answers with and stores, so that operations get, list and wait read it back.
import type { Operation } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { ProjectRecord, ResourceKind, ResourceRecord, StoreTx } from '@runiam/store'
import { isoTime } from '../context.js'
import { invalidArgument } from '../names.js'

/** A boolean query parameter (`validateOnly`, `allowMissing`): absent, `true` or `false`. */
export function writeFlag(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === 'false') return false
  if (raw === 'true') return true
  throw invalidArgument(name, `Invalid value at '${name}' (TYPE_BOOL), "${raw}"`)
}

/** Etags arrive quoted from some clients (`etag=%22…%22`); compare without the quotes. */
export const unquoteEtag = (s: string): string => s.replace(/^"(.*)"$/, '$1')

export function resourceAlreadyExists(id: string): IamError {
  return new IamError(Code.ALREADY_EXISTS, 'ALREADY_EXISTS', `Resource '${id}' already exists.`, {
    metadata: { name: id },
  })
}

export function resourceEtagConflict(): IamError {
  return new IamError(
    Code.ABORTED,
    'ETAG_MISMATCH',
    'The etag in the request does not match the current etag of the resource. Read the resource again and retry.',
  )
}

/** The store record of a resource body (its etag and times are the body's). */
export function runResourceRecord(
  kind: ResourceKind,
  name: string,
  p: Pick<ProjectRecord, 'projectId'>,
  location: string,
  body: Readonly<Record<string, unknown>>,
): ResourceRecord {
  return {
    name,
    kind,
    parent: `projects/${p.projectId}/locations/${location}`,
    body,
    etag: String(body['etag']),
    createTime: String(body['createTime']),
    updateTime: String(body['updateTime']),
  }
}

/** The last time and sequence number timeOrderedUuid used (per process). */
let last = { ms: -1, seq: 0 }

/**
 * A UUID whose first 48 bits are the time in milliseconds and next 12 a sequence number within
 * that millisecond (UUID version 7 with a counter), so that operations listed by name come in
 * the order this process made them, even many in one millisecond, or under a frozen clock.
 */
export function timeOrderedUuid(nowMs: number): string {
  const ms = Math.max(0, Math.floor(nowMs))
  if (ms > last.ms) last = { ms, seq: 0 }
  else if (last.seq < 0xfff) last = { ms: last.ms, seq: last.seq + 1 }
  else last = { ms: last.ms + 1, seq: 0 }
  const b = globalThis.crypto.getRandomValues(new Uint8Array(16))
  let t = last.ms
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256
    t = Math.floor(t / 256)
  }
  b[6] = 0x70 | (last.seq >> 8)
  b[7] = last.seq & 0xff
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export interface FinishedOperation {
  /** The project id (operations are stored under the id, never the number). */
  readonly projectId: string
  readonly location: string
  /** `type.googleapis.com/google.cloud.run.v2.Service`, `…WorkerPool`, … */
  readonly typeUrl: string
  /** The resource as it is after the write (metadata and response). */
  readonly body: Readonly<Record<string, unknown>>
  readonly nowMs: number
}

/**
 * The Operation a write answers with: done, with the resource as metadata and response. Stored
 * in `tx` when given (a validateOnly write stores nothing, and its Operation cannot be read back).
 */
export async function finishedOperation(
  tx: StoreTx | undefined,
  o: FinishedOperation,
): Promise<Operation> {
  const name = `projects/${o.projectId}/locations/${o.location}/operations/${timeOrderedUuid(o.nowMs)}`
  const op: Operation = {
    name,
    metadata: { '@type': o.typeUrl, ...o.body },
    done: true,
    response: { '@type': o.typeUrl, ...o.body },
  }
  if (tx !== undefined) {
    await tx.putOperation({ name, body: { ...op }, createTime: isoTime(o.nowMs) })
  }
  return op
}
