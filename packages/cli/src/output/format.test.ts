import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { formatList, formatResource, formatTable, parseFormat } from './format.js'
import { toYaml } from './to-yaml.js'

describe('toYaml', () => {
  it('prints a policy in gcloud layout and key order', () => {
    const policy = {
      version: 3,
      etag: 'BwYabc123=',
      bindings: [
        { role: 'roles/run.invoker', members: ['allUsers'] },
        {
          role: 'roles/run.admin',
          members: ['user:a@example.com'],
          condition: { title: 't', expression: 'request.path.startsWith("/admin")' },
        },
      ],
    }
    expect(formatResource(policy, parseFormat(undefined))).toBe(
      [
        'bindings:',
        '- members:',
        '  - allUsers',
        '  role: roles/run.invoker',
        '- condition:',
        '    expression: request.path.startsWith("/admin")',
        '    title: t',
        '  members:',
        '  - user:a@example.com',
        '  role: roles/run.admin',
        'etag: BwYabc123=',
        'version: 3',
        '',
      ].join('\n'),
    )
  })

  it('quotes only what a YAML reader would misread, and round-trips', () => {
    const doc = {
      a: '123456789012',
      b: 'true',
      c: 'x: y',
      d: '- no',
      e: "it's",
      f: 'line\nbreak',
      g: '',
      h: 'plain text',
      i: '#hash',
      j: [],
      k: {},
      l: [[1, 2], { m: null }],
      n: 'a #b',
      o: 1.5,
    }
    const text = toYaml(doc)
    expect(text).toContain("a: '123456789012'\n")
    expect(text).toContain('h: plain text\n')
    expect(parse(text)).toEqual(doc)
  })
})

describe('formats', () => {
  it('prints JSON with sorted keys and value() rows', () => {
    expect(formatResource({ b: 1, a: { d: 1, c: 2 } }, parseFormat('json'))).toBe(
      '{\n  "a": {\n    "c": 2,\n    "d": 1\n  },\n  "b": 1\n}\n',
    )
    const items = [
      { name: 'x', bindings: [{ role: 'r1' }, { role: 'r2' }] },
      { name: 'y', bindings: [] },
    ]
    expect(formatList(items, parseFormat('value(name, bindings.role)'))).toBe('x\tr1;r2\ny\t\n')
    expect(() => parseFormat('table')).toThrow('Format [table] requires a non-empty projection.')
    expect(() => parseFormat('bogus')).toThrow(/Format must be one of .*received \[bogus\]/)
  })

  it('aligns table columns', () => {
    expect(formatTable(['A', 'LONGER'], [['xyz', '1']])).toBe('A    LONGER\nxyz  1\n')
  })
})
