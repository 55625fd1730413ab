// The recommenders' computation with a fake clock: unused grants are removed, partly used ones
// narrowed, used and young ones left alone; public services without anonymous invocations closed.
import { describe, expect, it } from 'vitest'
import { permissionsOf } from '../roles/catalog.js'
import { iamRecommendations, narrowestRole } from './iam-recommendations.js'
import { nextState, readStateMetadata } from './recommendation-state.js'
import { recommendationFilter } from './recommendation-filter.js'
import { runRecommendations } from './run-recommendations.js'
import type { CurrentGrant, GrantUsage, Recommendation } from './types.js'

const MIN = 60_000
const NOW = Date.UTC(2026, 11, 1)
const WINDOW = 10 * MIN
const candidates = [
  'roles/run.invoker',
  'roles/run.viewer',
  'roles/run.developer',
  'roles/run.admin',
].map((name) => ({ name, permissions: permissionsOf(name) ?? new Set<string>() }))
const grant = (role: string, member: string, sinceMs = NOW - 60 * MIN): CurrentGrant => ({
  scope: 'projects/p1',
  role,
  member,
  condition: '',
  sinceMs,
})
const use = (g: CurrentGrant, permission: string, lastUsedMs: number): GrantUsage => ({
  scope: g.scope,
  role: g.role,
  member: g.member,
  condition: g.condition,
  permission,
  lastUsedMs,
})
const run = (grants: CurrentGrant[], usage: GrantUsage[]) =>
  iamRecommendations({ grants, usage, nowMs: NOW, windowMs: WINDOW, permissionsOf, candidates })

describe('iamRecommendations', () => {
  it('removes a grant unused in the window and leaves a used one alone', () => {
    const unused = grant('roles/run.viewer', 'user:idle@example.com')
    const used = grant('roles/run.viewer', 'user:busy@example.com')
    const out = run([unused, used], [use(used, 'run.services.get', NOW - MIN)])
    expect(out).toHaveLength(1)
    const [r] = out
    expect(r?.recommenderSubtype).toBe('REMOVE_ROLE')
    expect(r?.content.operationGroups[0]?.operations).toEqual([
      {
        action: 'remove',
        resource: '//cloudresourcemanager.googleapis.com/projects/p1',
        resourceType: 'cloudresourcemanager.googleapis.com/Project',
        path: '/iamPolicy/bindings/*/members/*',
        pathFilters: {
          '/iamPolicy/bindings/*/condition/expression': '',
          '/iamPolicy/bindings/*/members/*': 'user:idle@example.com',
          '/iamPolicy/bindings/*/role': 'roles/run.viewer',
        },
      },
    ])
    expect(r?.primaryImpact.category).toBe('SECURITY')
  })

  it('counts a use older than the window as no use', () => {
    const g = grant('roles/run.viewer', 'user:old@example.com')
    expect(run([g], [use(g, 'run.services.get', NOW - WINDOW - 1)])).toHaveLength(1)
  })

  it('waits for a grant younger than the window', () => {
    expect(run([grant('roles/run.viewer', 'user:new@example.com', NOW - WINDOW + 1)], [])).toEqual(
      [],
    )
  })

  it('narrows run.admin used only for invocation to run.invoker', () => {
    const g = grant('roles/run.admin', 'serviceAccount:ci@p1.iam.gserviceaccount.com')
    const [r] = run([g], [use(g, 'run.routes.invoke', NOW - MIN)])
    expect(r?.recommenderSubtype).toBe('REPLACE_ROLE')
    expect(r?.content.overview['addedRoles']).toEqual(['roles/run.invoker'])
    const [add, remove] = r?.content.operationGroups[0]?.operations ?? []
    expect(add).toMatchObject({
      action: 'add',
      value: g.member,
      path: '/iamPolicy/bindings/*/members/-',
    })
    expect(add?.pathFilters?.['/iamPolicy/bindings/*/role']).toBe('roles/run.invoker')
    expect(remove?.action).toBe('remove')
  })

  it('keeps a grant whose used permissions no smaller role covers', () => {
    const g = grant('roles/run.invoker', 'user:a@example.com')
    expect(run([g], [use(g, 'run.routes.invoke', NOW - MIN)])).toEqual([])
  })

  it('never recommends for allUsers or service agents, and ids are stable', () => {
    expect(
      run(
        [
          grant('roles/run.invoker', 'allUsers'),
          grant('roles/run.serviceAgent', 'serviceAccount:x@y'),
        ],
        [],
      ),
    ).toEqual([])
    const g = grant('roles/run.viewer', 'user:idle@example.com')
    expect(run([g], [])[0]?.id).toBe(run([g], [])[0]?.id)
  })

  it('narrowestRole never picks a role holding more than the current one', () => {
    const used = new Set(['run.routes.invoke'])
    expect(
      narrowestRole(used, new Set(['run.routes.invoke', 'x.y.z']), candidates, 'custom'),
    ).toBeUndefined()
  })
})

describe('runRecommendations', () => {
  const svc = 'projects/p1/locations/us-central1/services/web'
  it('closes a public service nobody invoked anonymously, not one that was', () => {
    const services = [
      { name: svc, invokerIamDisabled: false, publicInvoker: true, sinceMs: NOW - 60 * MIN },
      { name: `${svc}2`, invokerIamDisabled: true, publicInvoker: false, sinceMs: NOW - 60 * MIN },
    ]
    const used: GrantUsage = {
      scope: `${svc}2`,
      role: '',
      member: 'allUsers',
      condition: '',
      permission: 'run.routes.invoke',
      lastUsedMs: NOW - MIN,
    }
    const out = runRecommendations({ services, usage: [used], nowMs: NOW, windowMs: WINDOW })
    expect(out.map((r) => r.targetResources[0])).toEqual([`//run.googleapis.com/${svc}`])
    expect(out[0]?.content.operationGroups[0]?.operations[0]?.pathFilters).toMatchObject({
      '/iamPolicy/bindings/*/members/*': 'allUsers',
    })
  })
})

describe('state machine', () => {
  it('follows the RPC rules', () => {
    expect(nextState('r', 'ACTIVE', 'markClaimed')).toBe('CLAIMED')
    expect(nextState('r', 'CLAIMED', 'markSucceeded')).toBe('SUCCEEDED')
    expect(nextState('r', 'SUCCEEDED', 'markFailed')).toBe('FAILED')
    expect(() => nextState('r', 'CLAIMED', 'markDismissed')).toThrow(/CLAIMED/)
    expect(() => nextState('r', 'DISMISSED', 'markClaimed')).toThrow(/DISMISSED/)
  })
  it('checks stateMetadata', () => {
    expect(readStateMetadata({ 'ticket-id': 'T-1' })).toEqual({ 'ticket-id': 'T-1' })
    expect(() => readStateMetadata({ 'Bad Key': 'x' })).toThrow(/Bad Key/)
    expect(() => readStateMetadata({ ok: 'has space' })).toThrow(/ok/)
    expect(() => readStateMetadata('x')).toThrow()
  })
})

describe('recommendationFilter', () => {
  const rec = (state: string, subtype: string) =>
    ({
      stateInfo: { state },
      recommenderSubtype: subtype,
      priority: 'P4',
      targetResources: ['//x/y'],
    }) as unknown as Recommendation
  it('reads AIP-160 terms with AND and OR', () => {
    const f = recommendationFilter('stateInfo.state = ACTIVE OR stateInfo.state = DISMISSED')
    expect(f(rec('ACTIVE', 'REMOVE_ROLE'))).toBe(true)
    expect(f(rec('CLAIMED', 'REMOVE_ROLE'))).toBe(false)
    const g = recommendationFilter('recommenderSubtype = REPLACE_ROLE AND priority = P4')
    expect(g(rec('ACTIVE', 'REPLACE_ROLE'))).toBe(true)
    expect(recommendationFilter('targetResources : //x/y')(rec('ACTIVE', 'x'))).toBe(true)
  })
  it('refuses unknown fields, naming the term', () => {
    expect(() => recommendationFilter('color = red')).toThrow(/color = red/)
    expect(() => recommendationFilter('x'.repeat(501))).toThrow(/500/)
  })
})
