// docs/errors.md must list exactly the reasons of the catalog (listReasons() of @runiam/core, plus
// whatever every package registers with registerReasons() when imported), each with its status and
// HTTP code; and every reason literal the source raises must be in the catalog. Add a reason to a
// package's reasons module and to the table together.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { codeName, httpStatusOf, listReasons, type Code } from '@runiam/core'
// Imported for their registerReasons() side effects: every entry point of every package the
// server can see. The CLI is not importable from here, so the CLI's client-side reasons live in
// core (BINDING_NOT_FOUND…) or @runiam/api (CONNECTION_FAILED…); the source scan below enforces it.
import '@runiam/core/conditions'
import '@runiam/core/authorizer'
import '@runiam/core/deny'
import '@runiam/api'
import '@runiam/store'
import '@runiam/store/sqlite'
import '@runiam/store/postgres'
import './index.js'
import './admin/admin-app.js'

interface Row {
  readonly reason: string
  readonly status: string
  readonly http: number
  readonly when: string
  readonly example: string
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

function documentedReasons(): Row[] {
  const text = readFileSync(join(repoRoot, 'docs/errors.md'), 'utf8')
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

interface ReasonUse {
  readonly reason: string
  /** The google.rpc code name when the use names one (`new IamError(Code.X, 'REASON'`). */
  readonly code: string | undefined
  /** file:line, for the failure message. */
  readonly where: string
}

const R = `'([A-Z][A-Z0-9_]*)'`
// The ways source code names a reason it raises, forwards or tests for. Typed call sites
// (validatePolicy's collector takes a CoreReason) are checked by the compiler instead.
const USE_PATTERNS: readonly RegExp[] = [
  // new IamError(Code.X, 'REASON', …) / new IamError(3, 'REASON', …)
  new RegExp(String.raw`\bIamError\(\s*(?:Code\.([A-Z_]+)|[^,()'\s]+)\s*,\s*${R}`, 'g'),
  // iamError('REASON', …) and the store's invalidArgument('REASON', …)
  new RegExp(String.raw`\b(?:iamError|invalidArgument)\(\s*()${R}`, 'g'),
  // google.rpc.ErrorInfo details: { reason: 'REASON', … }
  new RegExp(String.raw`\breason:\s*()${R}`, 'g'),
  // err.reason === 'REASON'
  new RegExp(String.raw`\breason\s*[!=]==?\s*()${R}`, 'g'),
]

/** Every .ts file under dir except tests. */
function sourceFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...sourceFiles(path))
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

/** The non-test .ts files of every package's src folder. */
function allSourceFiles(): string[] {
  const out: string[] = []
  const packagesDir = join(repoRoot, 'packages')
  for (const pkg of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!pkg.isDirectory()) continue
    try {
      out.push(...sourceFiles(join(packagesDir, pkg.name, 'src')))
    } catch {
      continue
    }
  }
  return out
}

/** Every reason literal in packages/*\/src (tests excluded), with where it is used. */
function reasonUses(): ReasonUse[] {
  const uses: ReasonUse[] = []
  for (const file of allSourceFiles()) {
    const text = readFileSync(file, 'utf8')
    for (const pattern of USE_PATTERNS) {
      for (const m of text.matchAll(pattern)) {
        const line = text.slice(0, m.index).split('\n').length
        uses.push({
          reason: m[2] ?? '',
          code: m[1] === undefined || m[1] === '' ? undefined : m[1],
          where: `${file.slice(repoRoot.length)}:${line}`,
        })
      }
    }
  }
  return uses
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

describe('the reason catalog', () => {
  const uses = reasonUses()
  const catalog = new Map(listReasons().map((r) => [r.reason, r.code]))

  it('the source scan finds the reasons raised across the packages', () => {
    // Guards the scan itself: a broken pattern or path would otherwise make the next tests vacuous.
    expect(uses.length).toBeGreaterThan(50)
    const where = new Set(uses.map((u) => u.where.split('/')[1]))
    expect([...where].sort()).toEqual(expect.arrayContaining(['api', 'core', 'server', 'store']))
    expect(uses.map((u) => u.reason)).toEqual(
      expect.arrayContaining(['STORE_CORRUPT', 'INVALID_CONDITION', 'LISTEN_FAILED']),
    )
  })

  it('registers every reason the source raises (register it, then document it)', () => {
    const unregistered = uses
      .filter((u) => !catalog.has(u.reason))
      .map((u) => `${u.reason} (${u.where})`)
    expect(unregistered).toEqual([])
  })

  it('registers each reason with the code the source raises it with', () => {
    const mismatched = uses
      .filter((u) => u.code !== undefined && catalog.has(u.reason))
      .filter((u) => codeName(catalog.get(u.reason) as Code) !== u.code)
      .map(
        (u) =>
          `${u.reason}: raised as ${u.code ?? ''} at ${u.where}, registered as ${codeName(catalog.get(u.reason) as Code)}`,
      )
    expect(mismatched).toEqual([])
  })

  it('has every *reasons.ts module loaded by its package (registered at run time, not only here)', async () => {
    // The catalog above comes from the packages' entry points only. Importing each registration
    // module directly must add nothing: a module that does is not imported by the code that
    // raises its reasons, so listReasons() misses them in a running server or CLI.
    const modules = allSourceFiles().filter((f) => /reasons\.ts$/.test(f))
    expect(modules.length).toBeGreaterThan(3)
    const notLoaded: string[] = []
    for (const file of modules) {
      const before = new Set(listReasons().map((r) => r.reason))
      await import(pathToFileURL(file).href)
      const added = listReasons().filter((r) => !before.has(r.reason))
      if (added.length > 0) {
        notLoaded.push(`${file.slice(repoRoot.length)}: ${added.map((r) => r.reason).join(', ')}`)
      }
    }
    expect(notLoaded).toEqual([])
  })
})
