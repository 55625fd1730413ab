// What the primary of `runiam serve --workers N` and its workers say to each other over the
// node:cluster IPC channel: start-up, the settle protocol that holds a write's answer until every
// other worker has applied it, and stop. Plain JSON values only (the channel serializes as JSON).
import type { ServerConfig } from '../config/schema.js'

/** What the primary needs to print the banner once, from the worker that did the set-up. */
export interface ServerSummary {
  readonly url: string
  readonly port: number
  readonly organizationId: string
  readonly demo?: { project: string; service: string; region: string }
  readonly bootstrap?: { email: string; keyFile: string; created: boolean }
}

/** Worker → primary. */
export type ToPrimary =
  /** Listening for messages now (an ESM worker loads for a while; nothing sent before is lost). */
  | { readonly runiam: 'hello' }
  | { readonly runiam: 'ready'; readonly summary: ServerSummary }
  | {
      readonly runiam: 'failed'
      readonly code: number
      readonly reason: string
      readonly message: string
    }
  /** This worker committed `revision`: tell it (settled, same id) once the others applied it. */
  | { readonly runiam: 'settle'; readonly id: number; readonly revision: number }
  /** The answer to a refresh: this worker's applied revision now, or why it could not catch up. */
  | {
      readonly runiam: 'applied'
      readonly id: number
      readonly revision: number
      readonly error?: string
    }

/** Primary → worker. */
export type ToWorker =
  | {
      readonly runiam: 'start'
      readonly config: ServerConfig
      /** The port the first worker got (--port 0); the others serve the same one. */
      readonly port?: number
      /** The first worker of a run does the one-time start-up chores (reconciling executions). */
      readonly setup: boolean
    }
  /** Catch up with the store's change feed to at least `revision`, then answer `applied`. */
  | { readonly runiam: 'refresh'; readonly id: number; readonly revision: number }
  | { readonly runiam: 'settled'; readonly id: number; readonly error?: string }
  | { readonly runiam: 'stop' }

/** One end of the IPC channel, as the code on that end sees it. */
export interface Channel<In, Out> {
  send(message: Out): void
  onMessage(listener: (message: In) => void): () => void
}

/** Whether an IPC message is one of ours (cluster's own messages never reach 'message'). */
export function isRuniamMessage(value: unknown): value is { runiam: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { runiam?: unknown }).runiam === 'string'
  )
}
