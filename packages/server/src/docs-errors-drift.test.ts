// docs/errors.md must list exactly the reasons of the catalog (listReasons() of @runiam/core, plus
// whatever other modules register with registerReasons() when imported), each with its status and
// HTTP code. Add a reason to the catalog and to the table together.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { codeName, httpStatusOf, listReasons } from '@runiam/core'
// Imported for their registerReasons() side effects, if any.
import '@runiam/core/conditions'
import '@runiam/core/authorizer'

interface Row {
  readonly reason: string
  readonly status: string
  readonly http: number
  readonly when: string
  readonly example: string
}

function documentedReasons(): Row[] {
  const text = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  const rows: Row[] = []
  for (const line of text.split('\n')) {
    const m = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|([^|]*)\|(.*)\|(.*)\|\s*$/.exec(line)
    if (m === null) continue
    rows.push({
      reason: m[1] ?? '',
      status: (m[2] ?? '').trim(),
      http: Number((m[3] ?? '').trim()),
      when: (m[4] ?? '').trim(),
      example: (m[5] ?? '').trim(),
    })
  }
  return rows
}

describe('docs/errors.md', () => {
  const rows = documentedReasons()

  it('has a table', () => {
    expect(rows.length).toBeGreaterThan(10)
  })

  it('lists exactly the reasons of the catalog', () => {
    const documented = rows.map((r) => r.reason).sort()
    const catalog = listReasons().map((r) => r.reason)
    expect(documented).toEqual(catalog)
  })

  it('lists each reason once, with its status and HTTP code, when and an example', () => {
    const byReason = new Map(listReasons().map((r) => [r.reason, r.code]))
    expect(new Set(rows.map((r) => r.reason)).size).toBe(rows.length)
    for (const row of rows) {
      const code = byReason.get(row.reason)
      if (code === undefined) continue
      expect({ reason: row.reason, status: row.status, http: row.http }).toEqual({
        reason: row.reason,
        status: codeName(code),
        http: httpStatusOf(code),
      })
      expect(row.when, row.reason).not.toBe('')
      expect(row.example, row.reason).not.toBe('')
    }
  })
})
