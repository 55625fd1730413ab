// The filter subset: what gcloud sends parses and matches; what runiam cannot evaluate is refused
// naming the clause.
import { describe, expect, it } from 'vitest'
import { isIamError } from '@runiam/core'
import { matchesFilter, parseLogFilter, type FilterableEntry } from './log-filter.js'

const entry: FilterableEntry = {
  resource: {
    type: 'cloud_run_revision',
    labels: { service_name: 'hello', location: 'us-central1', project_id: 'p' },
  },
  logName: 'projects/p/logs/run.googleapis.com%2Fstdout',
  severity: 'DEFAULT',
  timestamp: '2026-11-28T10:00:00.000Z',
  textPayload: 'GET /Hello done',
}

const match = (f: string) => matchesFilter(entry, parseLogFilter(f))

function reasonOf(f: string): string | undefined {
  try {
    parseLogFilter(f)
    return undefined
  } catch (err) {
    return isIamError(err) ? `${err.reason} ${err.message}` : String(err)
  }
}

describe('parseLogFilter / matchesFilter', () => {
  it("matches gcloud run services logs read's filter, quoted or bare, with parentheses", () => {
    expect(
      match(
        '(resource.type = cloud_run_revision \n) AND (resource.labels.service_name = "hello" \n) AND (resource.labels.location = us-central1) AND (severity >= DEFAULT) AND (timestamp>="2026-11-27T10:00:00Z")',
      ),
    ).toBe(true)
    expect(match('resource.labels.service_name = "other"')).toBe(false)
    expect(match('timestamp > "2026-11-28T10:00:00Z"')).toBe(false)
    expect(match('timestamp <= "2026-11-28T10:00:00Z"')).toBe(true)
    expect(match('severity >= ERROR')).toBe(false)
    expect(match('')).toBe(true)
  })

  it('logName with / or %2F, textPayload: as a case-insensitive substring, implicit AND', () => {
    expect(match('logName = "projects/p/logs/run.googleapis.com/stdout"')).toBe(true)
    expect(match('logName="projects/p/logs/run.googleapis.com%2Fstderr"')).toBe(false)
    expect(match('textPayload:hello resource.type="cloud_run_revision"')).toBe(true)
    expect(match('textPayload:"nothing here"')).toBe(false)
  })

  it('refuses OR, NOT, regular expressions and other fields, naming them', () => {
    expect(reasonOf('severity = INFO OR severity = ERROR')).toMatch(
      /^UNSUPPORTED_LOG_FILTER .*'OR'/,
    )
    expect(reasonOf('NOT severity = ERROR')).toMatch(/^UNSUPPORTED_LOG_FILTER .*negation/)
    expect(reasonOf('textPayload =~ "x.*"')).toMatch(/^UNSUPPORTED_LOG_FILTER .*regular/)
    expect(reasonOf('jsonPayload.user = "a"')).toMatch(
      /^UNSUPPORTED_LOG_FILTER .*jsonPayload\.user/,
    )
    expect(reasonOf('timestamp >= "yesterday"')).toMatch(/^INVALID_LOG_REQUEST .*RFC 3339/)
    expect(reasonOf('(severity >= INFO')).toMatch(/^INVALID_LOG_REQUEST .*missing '\)'/)
    expect(reasonOf('textPayload:"open')).toMatch(/^INVALID_LOG_REQUEST .*unterminated/)
  })
})
