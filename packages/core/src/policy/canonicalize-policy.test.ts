import { describe, expect, it } from 'vitest'
import { canonicalizePolicy } from './canonicalize-policy.js'
import { computeEtag, isWithcondRole, withcondRole } from './compute-etag.js'
import type { Policy } from './types.js'

describe('canonicalizePolicy', () => {
  it('dedupes, normalises and sorts members; merges and sorts bindings; drops empties', () => {
    const p: Policy = {
      version: 3,
      etag: 'BwYabc123xY=',
      bindings: [
        { role: 'roles/run.viewer', members: ['user:b@example.com', 'user:A@Example.com'] },
        { role: 'roles/run.invoker', members: [] },
        {
          role: 'roles/run.invoker',
          members: ['user:z@example.com'],
          condition: { expression: 'x', title: 't', description: '' },
        },
        { role: 'roles/run.invoker', members: ['allUsers'] },
        { role: 'roles/run.viewer', members: ['user:a@example.com'] },
        {
          role: 'roles/run.invoker',
          members: ['user:y@example.com', 'user:z@example.com'],
          condition: { expression: 'x', title: 't' },
        },
      ],
    }
    expect(canonicalizePolicy(p)).toEqual({
      version: 3,
      bindings: [
        { role: 'roles/run.invoker', members: ['allUsers'] },
        {
          role: 'roles/run.invoker',
          members: ['user:y@example.com', 'user:z@example.com'],
          condition: { expression: 'x', title: 't' },
        },
        { role: 'roles/run.viewer', members: ['user:a@example.com', 'user:b@example.com'] },
      ],
    })
  })

  it('uses version 1 without conditions, whatever was written', () => {
    expect(
      canonicalizePolicy({ version: 3, bindings: [{ role: 'r', members: ['allUsers'] }] }).version,
    ).toBe(1)
    expect(canonicalizePolicy({})).toEqual({ version: 1 })
  })

  it('keeps key order version, bindings, auditConfigs', () => {
    const c = canonicalizePolicy({
      auditConfigs: [{ service: 's' }],
      bindings: [{ members: ['allUsers'], role: 'r' }],
    })
    expect(Object.keys(c)).toEqual(['version', 'bindings', 'auditConfigs'])
    expect(Object.keys(c.bindings?.[0] ?? {})).toEqual(['role', 'members'])
  })

  it('merges audit configs per service and log type', () => {
    expect(
      canonicalizePolicy({
        auditConfigs: [
          { service: 'run.googleapis.com', auditLogConfigs: [{ logType: 'DATA_READ' }] },
          {
            service: 'allServices',
            auditLogConfigs: [
              { logType: 'DATA_WRITE', exemptedMembers: ['user:b@example.com'] },
              { logType: 'ADMIN_READ' },
            ],
          },
          {
            service: 'allServices',
            auditLogConfigs: [{ logType: 'DATA_WRITE', exemptedMembers: ['user:A@example.com'] }],
          },
        ],
      }).auditConfigs,
    ).toEqual([
      {
        service: 'allServices',
        auditLogConfigs: [
          { logType: 'ADMIN_READ' },
          { logType: 'DATA_WRITE', exemptedMembers: ['user:a@example.com', 'user:b@example.com'] },
        ],
      },
      { service: 'run.googleapis.com', auditLogConfigs: [{ logType: 'DATA_READ' }] },
    ])
  })
})

describe('computeEtag', () => {
  const p: Policy = {
    bindings: [
      { role: 'roles/run.invoker', members: ['user:b@example.com', 'allUsers'] },
      { role: 'roles/run.admin', members: ['user:a@example.com'] },
    ],
  }

  it('is 8 bytes of base64, never ACAB, stable under reordering', () => {
    const etag = computeEtag(canonicalizePolicy(p))
    expect(etag).toMatch(/^[A-Za-z0-9+/]{11}=$/)
    expect(etag).not.toBe('ACAB')
    const reordered: Policy = {
      bindings: [
        { role: 'roles/run.admin', members: ['user:a@example.com'] },
        { role: 'roles/run.invoker', members: ['allUsers', 'user:b@example.com'] },
      ],
    }
    expect(computeEtag(canonicalizePolicy(reordered))).toBe(etag)
  })

  it('ignores the etag field and key order of its input', () => {
    const c = canonicalizePolicy(p)
    const shuffled = JSON.parse(
      JSON.stringify({ bindings: c.bindings, etag: 'BwYabc123xY=', version: c.version }),
    ) as Policy
    expect(computeEtag(shuffled)).toBe(computeEtag(c))
  })

  it('changes with content', () => {
    const a = computeEtag(canonicalizePolicy(p))
    const b = computeEtag(
      canonicalizePolicy({
        bindings: [...(p.bindings ?? []), { role: 'r', members: ['allUsers'] }],
      }),
    )
    const c = computeEtag(
      canonicalizePolicy({
        version: 3,
        bindings: [
          {
            role: 'roles/run.admin',
            members: ['user:a@example.com'],
            condition: { expression: 'x', title: 't' },
          },
        ],
      }),
    )
    const d = computeEtag(
      canonicalizePolicy({
        version: 3,
        bindings: [
          {
            role: 'roles/run.admin',
            members: ['user:a@example.com'],
            condition: { expression: 'x', title: 'u' },
          },
        ],
      }),
    )
    expect(new Set([a, b, c, d]).size).toBe(4)
  })

  it('is a pinned value, so every engine and release computes the same etag', () => {
    expect(computeEtag(canonicalizePolicy({}))).toBe(computeEtag({ version: 1 }))
    expect(computeEtag({ version: 1 })).toBe('+QEvja5P5ek=')
  })
})

describe('withcondRole', () => {
  it('renders ROLE_withcond_ + 20 hex characters, distinct per condition', () => {
    const a = withcondRole('roles/run.invoker', { expression: 'x', title: 't' })
    const b = withcondRole('roles/run.invoker', { expression: 'x', title: 'u' })
    expect(a).toMatch(/^roles\/run\.invoker_withcond_[0-9a-f]{20}$/)
    expect(a).not.toBe(b)
    expect(isWithcondRole(a)).toBe(true)
    expect(isWithcondRole('roles/run.invoker')).toBe(false)
  })
})
