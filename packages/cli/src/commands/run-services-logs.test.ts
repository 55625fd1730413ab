// How `run services logs read` prints entries (gcloud's one-line format) and parses --freshness.
import { describe, expect, it } from 'vitest'
import { formatLogLine, parseFreshness } from './cloud-run-logs.js'

describe('run services logs read', () => {
  it("prints stdout and stderr entries as 'YYYY-MM-DD HH:MM:SS TEXT' in UTC and skips others", () => {
    expect(
      formatLogLine({
        logName: 'projects/p/logs/run.googleapis.com%2Fstdout',
        timestamp: '2026-11-28T09:05:07.123Z',
        textPayload: 'hit /',
      }),
    ).toBe('2026-11-28 09:05:07 hit /')
    expect(
      formatLogLine({
        logName: 'projects/p/logs/run.googleapis.com%2Fstderr',
        timestamp: '2026-01-02T03:04:05Z',
        textPayload: 'oops',
      }),
    ).toBe('2026-01-02 03:04:05 oops')
    expect(
      formatLogLine({
        logName: 'projects/p/logs/run.googleapis.com%2Fvarlog%2Fsystem',
        timestamp: '2026-01-02T03:04:05Z',
        textPayload: 'Container called exit(1).',
      }),
    ).toBeUndefined()
  })

  it('parses --freshness durations and refuses others', () => {
    expect(parseFreshness('1d')).toBe(86_400_000)
    expect(parseFreshness('30s')).toBe(30_000)
    expect(parseFreshness('2H')).toBe(7_200_000)
    expect(() => parseFreshness('yesterday')).toThrow(/--freshness.*yesterday/)
  })
})
