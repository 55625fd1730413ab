// docs/api-compat.md must list exactly the routes of the @runiam/api table, each with the
// permission it checks. Change the table and the page together.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ROUTES } from '@runiam/api'

function documented(): Set<string> {
  const text = readFileSync(new URL('../../../../docs/api-compat.md', import.meta.url), 'utf8')
  const rows = new Set<string>()
  for (const line of text.split('\n')) {
    const m =
      /^\| (GET|POST|PATCH|PUT|DELETE) `([^`]+)` \| `([^`]+)` \(([^)]+)\) \| (`([^`]+)`|none)/.exec(
        line,
      )
    if (m === null) continue
    rows.add([m[1], m[2], m[3], m[4], m[6] ?? 'none'].join(' '))
  }
  return rows
}

describe('docs/api-compat.md', () => {
  it('lists every route with its permission, and nothing else', () => {
    const expected = new Set(
      ROUTES.map((r) => [r.method, r.template, r.id, r.api, r.permission ?? 'none'].join(' ')),
    )
    expect(documented()).toEqual(expected)
  })
})
