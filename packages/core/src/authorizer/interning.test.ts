// compilePolicy's interning (intern-table.ts): policies share members, roles, single-member
// bindings and compiled conditions, and that sharing must never show — not in a decision, not in
// the explanation (which resource granted), not in the per-binding condition errors — and the
// tables must stay bounded whatever members callers write.
import { describe, expect, it } from 'vitest'
import { check, compilePolicy, principalSetFor, type CompiledPolicy } from './index.js'
import { InternTable } from './intern-table.js'
import { ConditionTable } from './interned-conditions.js'

const INVOKE = 'run.routes.invoke'
const attrs = { timeMs: Date.UTC(2026, 0, 1), host: 'h', path: '/admin/x' }
const svc = (i: number): string => `projects/p/locations/us-central1/services/s${i}`
const alice = principalSetFor('user:alice@example.com')

describe('InternTable', () => {
  it('keeps one value per key and never more entries than its limit', () => {
    const table = new InternTable<{ key: string }>(4)
    const first = table.get('a', (key) => ({ key }))
    expect(table.get('a', (key) => ({ key }))).toBe(first)
    for (let i = 0; i < 1_000; i++) {
      const key = `k${i}`
      expect(table.get(key, (k) => ({ key: k })).key).toBe(key)
      expect(table.size).toBeLessThanOrEqual(4)
    }
  })
})

describe('ConditionTable', () => {
  const table = (limit: number) => {
    let made = 0
    const t = new ConditionTable(limit, (e: { expression: string; title?: string }) => {
      made++
      return { ...e }
    })
    return { t, made: () => made }
  }

  it('makes one condition per title and expression, and never holds more than its limit', () => {
    const { t, made } = table(8)
    const first = t.get({ expression: 'e', title: 'a' })
    expect(t.get({ expression: 'e', title: 'a' })).toBe(first)
    expect(made()).toBe(1)
    for (let i = 0; i < 1_000; i++) {
      const expr = { expression: `e${i % 3}`, title: `t${i}` }
      expect(t.get(expr)).toEqual(expr)
      expect(t.size).toBeLessThanOrEqual(8)
    }
    // Started over: the first is made again, equal, not the same.
    const again = t.get({ expression: 'e', title: 'a' })
    expect(again).toEqual(first)
    expect(again).not.toBe(first)
  })

  it('keeps a few titles per expression, each found by its own title', () => {
    const { t, made } = table(1 << 18)
    for (let i = 0; i < 200; i++)
      expect(t.get({ expression: 'e', title: `t${i}` }).title).toBe(`t${i}`)
    expect(made()).toBe(200)
    // The last titles are still shared; the first was dropped when its list started over.
    expect(t.get({ expression: 'e', title: 't199' }).title).toBe('t199')
    expect(made()).toBe(200)
    expect(t.get({ expression: 'e', title: 't0' }).title).toBe('t0')
    expect(made()).toBe(201)
  })
})

describe('compilePolicy interning', () => {
  it('shares single-member bindings across policies, and each policy still explains itself', () => {
    // Fresh strings, as JSON.parse gives them: equal content, different objects.
    const member = (): string => ['user:alice', 'example.com'].join('@')
    const a = compilePolicy(svc(1), {
      bindings: [{ role: 'roles/run.invoker', members: [member()] }],
    })
    const b = compilePolicy(svc(2), {
      bindings: [{ role: 'roles/run.invoker', members: [member()] }],
    })
    expect(b.bindings[0]).toBe(a.bindings[0])
    expect(Object.isFrozen(a.bindings[0])).toBe(true)
    expect(Object.isFrozen(a.bindings[0]?.members)).toBe(true)
    for (const [policy, resource] of [
      [a, svc(1)],
      [b, svc(2)],
    ] as const) {
      const d = check({ principals: alice, permission: INVOKE, resource, attributes: attrs }, [
        policy,
      ])
      expect(d).toEqual({
        allowed: true,
        grantedBy: [{ resource, role: 'roles/run.invoker', member: 'user:alice@example.com' }],
        conditionErrors: [],
      })
    }
  })

  it('normalises a hand-written member once and shares it with its normal form', () => {
    const upper = compilePolicy(svc(3), {
      bindings: [{ role: 'roles/run.invoker', members: ['user:Alice@Example.COM'] }],
    })
    const lower = compilePolicy(svc(4), {
      bindings: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'] }],
    })
    expect(upper.bindings[0]?.members).toEqual(['user:alice@example.com'])
    expect(upper.bindings[0]).toBe(lower.bindings[0])
    const d = check(
      { principals: alice, permission: INVOKE, resource: svc(3), attributes: attrs },
      [upper],
    )
    expect(d.allowed).toBe(true)
  })

  it('does not let a shared binding stand for another role or member', () => {
    const invoker = compilePolicy(svc(5), {
      bindings: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'] }],
    })
    const viewer = compilePolicy(svc(6), {
      bindings: [{ role: 'roles/run.viewer', members: ['user:alice@example.com'] }],
    })
    const bob = compilePolicy(svc(7), {
      bindings: [{ role: 'roles/run.invoker', members: ['user:bob@example.com'] }],
    })
    expect(viewer.bindings[0]).not.toBe(invoker.bindings[0])
    expect(bob.bindings[0]).not.toBe(invoker.bindings[0])
    const can = (policy: CompiledPolicy, resource: string): boolean =>
      check({ principals: alice, permission: INVOKE, resource, attributes: attrs }, [policy])
        .allowed
    expect(can(invoker, svc(5))).toBe(true)
    expect(can(viewer, svc(6))).toBe(false)
    expect(can(bob, svc(7))).toBe(false)
  })

  it('reports a shared erroring condition once per resource that binds it', () => {
    // The same condition (title and expression) at two levels: one compiled condition, but two
    // bindings, each evaluated and reported under its own resource.
    const condition = { title: 'admin', expression: 'request.path.startsWith("/admin")' }
    const binding = { role: 'roles/run.invoker', members: ['user:alice@example.com'], condition }
    const service = compilePolicy(svc(8), { version: 3, bindings: [binding] })
    const project = compilePolicy('projects/p', { version: 3, bindings: [binding] })
    expect(service.bindings[0]?.condition).toBe(project.bindings[0]?.condition)
    expect(service.bindings[0]).not.toBe(project.bindings[0])
    const d = check(
      { principals: alice, permission: INVOKE, resource: svc(8), attributes: { timeMs: 0 } },
      [service, project],
    )
    expect(d.allowed).toBe(false)
    expect(d.conditionErrors.map((e) => e.resource)).toEqual([svc(8), 'projects/p'])
  })

  it('keeps conditions with the same expression but different titles apart', () => {
    const expression = 'request.path.startsWith("/admin")'
    const a = compilePolicy(svc(9), {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: ['user:alice@example.com'],
          condition: { title: 'a', expression },
        },
      ],
    })
    const b = compilePolicy(svc(10), {
      version: 3,
      bindings: [
        {
          role: 'roles/run.invoker',
          members: ['user:alice@example.com'],
          condition: { title: 'b', expression },
        },
      ],
    })
    expect(a.bindings[0]?.condition?.title).toBe('a')
    expect(b.bindings[0]?.condition?.title).toBe('b')
    const d = check(
      { principals: alice, permission: INVOKE, resource: svc(10), attributes: attrs },
      [b],
    )
    expect(d.grantedBy[0]?.condition).toEqual({ title: 'b', expression })
  })

  it('shares a condition by title and expression: no title, an empty one and others kept apart', () => {
    // Fresh strings, as JSON.parse gives them; a title that is a prefix of the expression's start
    // or the expression's own text, so no concatenated key could be confused with another.
    const fresh = (s: string): string => JSON.parse(JSON.stringify(s)) as string
    const expression = 'request.path.startsWith("/admin")'
    const conditionOf = (title: string | undefined, expr = expression) => {
      const condition =
        title === undefined
          ? { expression: fresh(expr) }
          : { title: fresh(title), expression: fresh(expr) }
      const policy = compilePolicy(svc(20), {
        version: 3,
        bindings: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'], condition }],
      })
      return policy.bindings[0]?.condition
    }
    const titles = [undefined, '', 'a', 'request', expression, '-', '0:']
    const first = titles.map((t) => conditionOf(t))
    first.forEach((c, i) => {
      expect(c?.title).toBe(titles[i])
      expect(c?.expression).toBe(expression)
      expect(conditionOf(titles[i])).toBe(c)
      first.forEach((other, j) => expect(other === c).toBe(i === j))
    })
    // Same title, other expression: another condition.
    expect(conditionOf('a', 'request.path.startsWith("/api")')).not.toBe(first[2])
    // Many titles for one expression (its list starts over): each still gets its own, right one.
    for (let i = 0; i < 200; i++) {
      const c = conditionOf(`t${i}`)
      expect(c?.title).toBe(`t${i}`)
      expect(conditionOf(`t${i}`)?.title).toBe(`t${i}`)
    }
    const d = check(
      { principals: alice, permission: INVOKE, resource: svc(20), attributes: attrs },
      [
        compilePolicy(svc(20), {
          version: 3,
          bindings: [
            {
              role: 'roles/run.invoker',
              members: ['user:alice@example.com'],
              condition: { title: '', expression },
            },
          ],
        }),
      ],
    )
    expect(d.grantedBy[0]?.condition).toEqual({ title: '', expression })
  })

  it('tells apart members the member cache files together, and each policy keeps its own', () => {
    // Same length, same characters around the `@`: one set of the cache, one fingerprint; only
    // the strings themselves (fresh, as JSON.parse gives them) tell these members apart.
    const fresh = (s: string): string => JSON.parse(JSON.stringify(s)) as string
    const names = ['ab', 'ba', 'cd', 'dc', 'ef', 'fe'].map((x) => `user:${x}zzzz@example.com`)
    for (let round = 0; round < 3; round++) {
      names.forEach((name, i) => {
        const resource = svc(100 + i)
        const policy = compilePolicy(resource, {
          bindings: [
            { role: 'roles/run.invoker', members: [fresh(name)] },
            { role: 'roles/run.viewer', members: [fresh(names[(i + 1) % names.length] as string)] },
          ],
        })
        expect(policy.bindings.map((b) => b.members)).toEqual([
          [name],
          [names[(i + 1) % names.length]],
        ])
        names.forEach((caller) => {
          const d = check(
            {
              principals: principalSetFor(caller),
              permission: INVOKE,
              resource,
              attributes: attrs,
            },
            [policy],
          )
          expect(d.allowed).toBe(caller === name)
        })
      })
    }
  })

  it('starts its tables over past their limit, and decisions stay right', () => {
    // 300,000 distinct members, beyond the tables' limit: a table that grew without end would
    // still hand `late` the binding `early` got; a bounded one has started over.
    const alone = (resource: string): CompiledPolicy =>
      compilePolicy(resource, {
        bindings: [{ role: 'roles/run.invoker', members: ['user:alice@example.com'] }],
      })
    const early = alone(svc(11))
    // Bindings are decoded from the plan when read, sharing what the member table holds then.
    const earlyBinding = early.bindings[0]
    for (let i = 0; i < 300_000; i += 1_000) {
      compilePolicy(svc(12), {
        bindings: [
          {
            role: 'roles/run.invoker',
            members: Array.from({ length: 1_000 }, (_, k) => `user:m${i + k}@example.com`),
          },
        ],
      })
    }
    const late = alone(svc(13))
    expect(late.bindings[0]).not.toBe(earlyBinding)
    expect(alone(svc(14)).bindings[0]).toBe(late.bindings[0])
    expect(early.bindings[0]).toEqual(earlyBinding)
    for (const [policy, resource] of [
      [early, svc(11)],
      [late, svc(13)],
    ] as const) {
      expect(
        check({ principals: alice, permission: INVOKE, resource, attributes: attrs }, [policy])
          .grantedBy,
      ).toEqual([{ resource, role: 'roles/run.invoker', member: 'user:alice@example.com' }])
    }
  })
})
