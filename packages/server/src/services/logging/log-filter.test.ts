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

  it('evaluates OR (tighter than AND), NOT, - and value disjunctions', () => {
    expect(match('severity = INFO OR severity = DEFAULT')).toBe(true)
    expect(match('NOT severity = DEFAULT')).toBe(false)
    expect(match('-resource.labels.service_name = other')).toBe(true)
    expect(match('resource.labels.service_name = ("x" OR "hello")')).toBe(true)
    // a AND b OR c is a AND (b OR c) in Cloud Logging.
    expect(match('severity = ERROR AND severity = INFO OR textPayload:hello')).toBe(false)
    expect(match('(severity = ERROR AND severity = INFO) OR textPayload:hello')).toBe(true)
    expect(match('resource.labels.service_name = "HELLO"')).toBe(true)
    expect(match('resource.labels.service_name != "hello"')).toBe(false)
  })

  it('walks protoPayload paths, quoted segments and repeated fields', () => {
    const audit = {
      ...entry,
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        methodName: 'google.cloud.run.v2.Services.SetIamPolicy',
        authorizationInfo: [{ permission: 'run.services.setIamPolicy', granted: false }],
        serviceData: { policyDelta: { bindingDeltas: [{ action: 'ADD', member: 'allUsers' }] } },
      },
    }
    const m = (f: string) => matchesFilter(audit, parseLogFilter(f))
    expect(m('protoPayload."@type"="type.googleapis.com/google.cloud.audit.AuditLog"')).toBe(true)
    expect(m('protoPayload.methodName:"Services.SetIamPolicy"')).toBe(true)
    expect(m('protoPayload.authorizationInfo.granted=false')).toBe(true)
    expect(m('protoPayload.serviceData.policyDelta.bindingDeltas.member="allUsers"')).toBe(true)
    expect(m('protoPayload.serviceData.policyDelta.bindingDeltas.member="user:x@y.z"')).toBe(false)
  })

  it('refuses regular expressions, bare words and other fields, naming them', () => {
    expect(reasonOf('textPayload =~ "x.*"')).toMatch(/^UNSUPPORTED_LOG_FILTER .*regular/)
    expect(reasonOf('jsonPayload.user = "a"')).toMatch(
      /^UNSUPPORTED_LOG_FILTER .*jsonPayload\.user/,
    )
    expect(reasonOf('hello')).toMatch(/^UNSUPPORTED_LOG_FILTER .*'hello'/)
    expect(reasonOf('timestamp >= "yesterday"')).toMatch(/^INVALID_LOG_REQUEST .*RFC 3339/)
    expect(reasonOf('(severity >= INFO')).toMatch(/^INVALID_LOG_REQUEST .*missing '\)'/)
    expect(reasonOf('severity >= INFO)')).toMatch(/^INVALID_LOG_REQUEST .*unexpected '\)'/)
    expect(reasonOf('textPayload:"open')).toMatch(/^INVALID_LOG_REQUEST .*unterminated/)
    expect(reasonOf('OR severity=INFO')).toMatch(/^INVALID_LOG_REQUEST .*'OR'/)
    expect(reasonOf('severity=INFO AND')).toMatch(/^INVALID_LOG_REQUEST .*ends/)
  })

  it('refuses huge and deeply nested filters cleanly', () => {
    expect(reasonOf('textPayload:"' + 'a'.repeat(20_001) + '"')).toMatch(
      /^INVALID_LOG_REQUEST .*20000/,
    )
    expect(reasonOf('('.repeat(100) + 'severity=INFO' + ')'.repeat(100))).toMatch(
      /^INVALID_LOG_REQUEST .*nested/,
    )
    expect(reasonOf(Array.from({ length: 600 }, () => 'severity=INFO').join(' OR '))).toMatch(
      /^INVALID_LOG_REQUEST .*comparisons/,
    )
  })
})
