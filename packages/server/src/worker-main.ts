// The program each worker of `runiam serve --workers N` runs (node:cluster forks it; an entry point
// beside serve.ts, as it starts the server): it waits for
// the primary's start message, runs the whole server with its own store connection and caches on
// the shared port, joins propagation through WorkersPeer, and stops cleanly when told or signalled.
import { Code, IamError } from '@runiam/core'
import {
  isRuniamMessage,
  type Channel,
  type ToPrimary,
  type ToWorker,
} from './cluster/cluster-messages.js'
import './cluster/reasons.js'
import { WorkersPeer } from './cluster/workers-peer.js'
import { startServer, type RunningServer } from './main.js'
import { bufferedLog, isRegularFile, streamWriter } from './observability/buffered-log.js'

const channel: Channel<ToWorker, ToPrimary> = {
  send(message) {
    // Errors (the primary gone) are left to node:cluster, which ends a worker whose primary left.
    process.send?.(message, undefined, {}, () => {})
  },
  onMessage(listener) {
    const on = (m: unknown) => {
      if (isRuniamMessage(m)) listener(m as ToWorker)
    }
    process.on('message', on)
    return () => void process.off('message', on)
  },
}

// Each line names the worker that wrote it: the workers share the primary's stderr (written in
// whole batches when it is a regular file, where a write is never interleaved with another's).
const log = bufferedLog(
  streamWriter(process.stderr),
  { pid: process.pid },
  { shared: !isRegularFile(2) },
)
const peer = new WorkersPeer(channel)
let server: RunningServer | undefined
let stopping = false

function stop(): void {
  if (stopping) return
  stopping = true
  const done = () => process.exit(0)
  if (server === undefined) done()
  else
    server.close().then(done, (err: unknown) => {
      log({ event: 'worker_stop_failed', error: String(err) })
      process.exit(1)
    })
}

channel.onMessage((message) => {
  if (message.runiam === 'stop') stop()
  if (message.runiam !== 'start' || server !== undefined) return
  startServer(message.config, {
    log,
    worker: {
      peer,
      setup: message.setup,
      ...(message.port === undefined ? {} : { port: message.port }),
    },
  }).then(
    (running) => {
      server = running
      if (stopping) {
        stopping = false
        stop()
        return
      }
      channel.send({
        runiam: 'ready',
        summary: {
          url: running.url,
          port: running.port,
          organizationId: running.organizationId,
          ...(running.demo === undefined ? {} : { demo: running.demo }),
          ...(running.bootstrap === undefined ? {} : { bootstrap: running.bootstrap }),
        },
      })
    },
    (err: unknown) => {
      const e = err instanceof IamError ? err : undefined
      channel.send({
        runiam: 'failed',
        code: e?.code ?? Code.UNAVAILABLE,
        reason: e?.reason ?? 'WORKER_START_FAILED',
        message: err instanceof Error ? err.message : String(err),
      })
      process.exitCode = 1
      // Let the message reach the primary, then leave.
      setTimeout(() => process.exit(1), 100).unref()
    },
  )
})

channel.send({ runiam: 'hello' })

// Ctrl-C reaches every process of the terminal's group: the primary stops the workers in order
// (a worker that left on its own first would be counted as died). SIGTERM to one worker stops it
// gracefully, and the primary starts another.
process.on('SIGINT', () => {})
process.on('SIGTERM', stop)
