// --flatten, --filter and the table/value/csv printers against the output gcloud's guides show:
// `get-iam-policy P --flatten="bindings[].members" --format="table(bindings.role,
// bindings.members)"` prints ROLE and MEMBERS columns, one row per member of each binding.
import { describe, expect, it } from 'vitest'
import { formatList, formatResource, parseFormat, withDefault } from './format.js'

const policy = {
  version: 1,
  etag: 'BwYabc123=',
  bindings: [
    { role: 'roles/owner', members: ['user:alice@example.com'] },
    {
      role: 'roles/run.invoker',
      members: ['user:bob@example.com', 'serviceAccount:robot@p1.iam.gserviceaccount.com'],
    },
    { role: 'roles/run.viewer', members: ['user:alice@example.com', 'group:eng@example.com'] },
  ],
}

const out = (
  resource: unknown,
  format: string | undefined,
  flatten?: string[],
  filter?: string,
): string => formatResource(resource, parseFormat({ format, flatten, filter }))

describe('--flatten with table(…)', () => {
  it('prints one row per member, headed ROLE and MEMBERS (the guides’ example)', () => {
    expect(out(policy, 'table(bindings.role, bindings.members)', ['bindings[].members'])).toBe(
      [
        'ROLE               MEMBERS',
        'roles/owner        user:alice@example.com',
        'roles/run.invoker  user:bob@example.com',
        'roles/run.invoker  serviceAccount:robot@p1.iam.gserviceaccount.com',
        'roles/run.viewer   user:alice@example.com',
        'roles/run.viewer   group:eng@example.com',
        '',
      ].join('\n'),
    )
  })

  it('lists the roles of one principal (flatten, filter, table of one column)', () => {
    expect(
      out(
        policy,
        'table(bindings.role)',
        ['bindings[].members'],
        'bindings.members:user:alice@example.com',
      ),
    ).toBe('ROLE\nroles/owner\nroles/run.viewer\n')
  })

  it('prints value(bindings.role) one per line, and nothing when the filter matches nothing', () => {
    expect(
      out(
        policy,
        'value(bindings.role)',
        ['bindings[].members'],
        'bindings.members=group:eng@example.com',
      ),
    ).toBe('roles/run.viewer\n')
    expect(
      out(policy, 'value(bindings.role)', ['bindings[].members'], 'bindings.members:nobody'),
    ).toBe('')
  })

  it('flattening only the bindings shows each binding’s members as a Python list', () => {
    expect(out(policy, 'table(bindings.role, bindings.members)', ['bindings'])).toBe(
      [
        'ROLE               MEMBERS',
        "roles/owner        ['user:alice@example.com']",
        "roles/run.invoker  ['user:bob@example.com', 'serviceAccount:robot@p1.iam.gserviceaccount.com']",
        "roles/run.viewer   ['user:alice@example.com', 'group:eng@example.com']",
        '',
      ].join('\n'),
    )
  })

  it('keeps a record whose list is empty, with nothing in that column', () => {
    const p = {
      bindings: [
        { role: 'roles/x', members: [] },
        { role: 'roles/y', members: ['a'] },
      ],
    }
    expect(out(p, 'table(bindings.role, bindings.members)', ['bindings[].members'])).toBe(
      'ROLE     MEMBERS\nroles/x\nroles/y  a\n',
    )
  })

  it('prints flattened records as YAML documents, or a JSON list', () => {
    const yaml = out({ bindings: policy.bindings.slice(0, 1), etag: 'E' }, undefined, [
      'bindings[].members',
    ])
    expect(yaml).toBe(
      '---\nbindings:\n  members: user:alice@example.com\n  role: roles/owner\netag: E\n',
    )
    const json = JSON.parse(out(policy, 'json', ['bindings[].members'])) as unknown[]
    expect(json).toHaveLength(5)
    expect(json[1]).toEqual({
      bindings: { members: 'user:bob@example.com', role: 'roles/run.invoker' },
      etag: 'BwYabc123=',
      version: 1,
    })
  })

  it('accepts comma-separated and repeated keys', () => {
    const a = out(policy, 'value(bindings.members)', ['bindings,bindings.members'])
    const b = out(policy, 'value(bindings.members)', ['bindings', 'bindings.members'])
    expect(a).toBe(b)
    expect(a.split('\n')).toHaveLength(6)
  })
})

describe('table headings, alignment and sorting', () => {
  it('uses the last name in ANGRY_SNAKE_CASE, widened right to left to stay distinct', () => {
    const rows = [{ name: 'a', metadata: { name: 'b' }, displayName: 'c', status: { url: 'u' } }]
    expect(
      formatList(rows, parseFormat('table(name, metadata.name, displayName, status.url)')),
    ).toBe('NAME  METADATA_NAME  DISPLAY_NAME  URL\na     b              c             u\n')
  })

  it("prints gcloud organizations list's default format", () => {
    const orgs = [
      {
        displayName: 'example.com',
        name: 'organizations/123456789012',
        owner: { directoryCustomerId: 'C123456789012' },
      },
      { displayName: 'b.example', name: 'organizations/42', owner: { directoryCustomerId: 'C42' } },
    ]
    const f = withDefault(
      parseFormat(undefined),
      'table(displayName:label=DISPLAY_NAME, name.segment():label=ID:align=right:sort=1, owner.directoryCustomerId:label=DIRECTORY_CUSTOMER_ID:align=right)',
    )
    expect(formatList(orgs, f)).toBe(
      [
        'DISPLAY_NAME            ID  DIRECTORY_CUSTOMER_ID',
        'example.com   123456789012          C123456789012',
        'b.example               42                    C42',
        '',
      ].join('\n'),
    )
  })

  it('sorts by sort=N (numbers before text), reverse flips it, no-heading drops headings', () => {
    const rows = [{ n: 10 }, { n: 9 }, { n: 'x' }]
    expect(formatList(rows, parseFormat('table[no-heading](n:sort=1)'))).toBe('9\n10\nx\n')
    expect(formatList(rows, parseFormat('table[no-heading](n:sort=1:reverse)'))).toBe('x\n10\n9\n')
  })

  it('prints nothing for no rows, and transforms basename, segment, join and len', () => {
    expect(formatList([], parseFormat('table(a)'))).toBe('')
    const r = { name: 'projects/p/locations/l/services/s', tags: ['a', 'b'] }
    expect(
      formatResource(
        r,
        parseFormat('value(name.basename(), name.segment(1), tags.join(+), tags.len())'),
      ),
    ).toBe('s\tp\ta+b\t2\n')
  })
})

describe('--filter', () => {
  const items = [
    { name: 'alpha', size: 10, labels: { env: 'prod' }, tags: ['x', 'y'] },
    { name: 'beta', size: 2, labels: { env: 'dev' } },
    { name: 'gamma', size: 30 },
  ]
  const names = (filter: string): string =>
    formatList(items, parseFormat({ format: 'value(name)', filter }))
      .trim()
      .split('\n')
      .join(' ')

  it('supports : = != < > ~ !~, NOT, -, AND, OR, parentheses and lists of values', () => {
    expect(names('labels.env:prod')).toBe('alpha')
    expect(names('labels.env=PROD')).toBe('alpha')
    expect(names('labels.env!=prod')).toBe('beta gamma')
    expect(names('size>5')).toBe('alpha gamma')
    expect(names('size<=10 AND name~^a')).toBe('alpha')
    expect(names('size<=10 name!~^a')).toBe('beta')
    expect(names('NOT labels.env:*')).toBe('gamma')
    expect(names('-labels.env:*')).toBe('gamma')
    expect(names('name=(beta gamma)')).toBe('beta gamma')
    expect(names('(name:al OR name:ga) size>20')).toBe('gamma')
    expect(names('name:a*')).toBe('alpha')
    expect(names('tags:y')).toBe('alpha')
    expect(names('prod')).toBe('alpha')
  })

  it('refuses a malformed expression, naming --filter and where', () => {
    expect(() => parseFormat({ filter: '(name:a' })).toThrow(
      'Invalid value for [--filter]: Right parenthesis expected [(name:a *HERE* ].',
    )
    expect(() => parseFormat({ filter: 'name:' })).toThrow(/Operand expected/)
  })

  it('with no --format, prints the records that pass as YAML', () => {
    expect(formatList(items, parseFormat({ filter: 'name=beta' }))).toBe(
      '---\nlabels:\n  env: dev\nname: beta\nsize: 2\n',
    )
  })
})

describe('format errors', () => {
  it('names the problem and the place', () => {
    expect(() => parseFormat('table(a.nope())')).toThrow(
      'Invalid value for [--format]: Unknown transform function [nope] [table( *HERE* a.nope())].',
    )
    expect(() => parseFormat('table(a:colour=red)')).toThrow(/Unknown key attribute \[colour\]/)
    expect(() => parseFormat('table(a b)')).toThrow(/Expected , or \) in projection/)
  })

  it('prints csv with a heading and quoted fields, json(…) with only the projected keys', () => {
    const rows = [{ a: 'x,y', b: { c: 1, d: 2 } }]
    expect(formatList(rows, parseFormat('csv(a, b.c)'))).toBe('A,C\n"x,y",1\n')
    expect(formatResource(rows[0], parseFormat('json(b.c)'))).toBe(
      '{\n  "b": {\n    "c": 1\n  }\n}\n',
    )
  })
})
