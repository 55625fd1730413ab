// A local process's stdout or stderr as lines for ServiceLogs: split on newlines (a trailing
// carriage return dropped), a line longer than MAX_LINE cut into pieces, and the last
// unterminated line kept until the stream's flush.
import type { Readable } from 'node:stream'
import { MAX_LINE } from './service-logs.js'

/** Calls `emit` with each line `source` prints; returns a flush for the last unterminated one. */
export function captureLines(source: Readable | null, emit: (text: string) => void): () => void {
  let pending = ''
  const line = (text: string) => emit(text.replace(/\r$/, ''))
  source?.setEncoding('utf8')
  source?.on('data', (chunk: string) => {
    pending += chunk
    const parts = pending.split('\n')
    pending = parts.pop() ?? ''
    for (const p of parts) line(p)
    while (pending.length > MAX_LINE) {
      line(pending.slice(0, MAX_LINE))
      pending = pending.slice(MAX_LINE)
    }
  })
  return () => {
    if (pending !== '') line(pending)
    pending = ''
  }
}
