// The Store contract suite: one set of behaviours every engine (and every decorator) must show,
// run against real databases by the *.contract.test.ts wiring files. Fresh store per test.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Code, EMPTY_POLICY_ETAG, isIamError, type Policy } from '@runiam/core'
import type {
  Change,
  OperationRecord,
  OrganizationRecord,
  OrgPolicyRecord,
  ProjectRecord,
  ResourceKind,
  ResourceRecord,
  SigningKeyRecord,
} from './records.js'
import type { Store } from './store.js'

export interface StoreContractOptions {
  readonly name: string
  /** A new, empty store on a database of its own. */
  readonly create: () => Promise<Store>
  /** Closes the store (if still open) and removes its database. */
  readonly destroy: (store: Store) => Promise<void>
  /**
   * Opens another Store on the same database as `store` (reopen after close; a second process).
   * The caller closes what this returns. Cases that need it are skipped without it.
   */
  readonly openSame?: (store: Store) => Promise<Store>
  /** Cases this engine cannot pass, each with its reason. */
  readonly skip?: readonly { readonly reason: string; readonly tests: readonly string[] }[]
}

// --- fixtures

const T0 = '2026-01-02T03:04:05.000Z'
const T1 = '2026-01-02T03:04:06.000Z'

const org: OrganizationRecord = {
  id: '123456789012',
  domain: 'example.com',
  displayName: 'example.com',
  createTime: T0,
}

function project(id: string, number: string, extra: Partial<ProjectRecord> = {}): ProjectRecord {
  return {
    projectId: id,
    projectNumber: number,
    displayName: `Project ${id}`,
    parent: 'organizations/123456789012',
    state: 'ACTIVE',
    labels: { env: 'test' },
    createTime: T0,
    updateTime: T0,
    etag: `p-${id}`,
    ...extra,
  }
}

const LOC = 'projects/p1/locations/us-central1'

function resource(
  id: string,
  kind: ResourceKind = 'service',
  parent = LOC,
  etag = `e-${id}`,
): ResourceRecord {
  const collection = {
    service: 'services',
    job: 'jobs',
    workerPool: 'workerPools',
    execution: 'executions',
    task: 'tasks',
  }[kind]
  const name = `${parent}/${collection}/${id}`
  return {
    name,
    kind,
    parent,
    body: {
      name,
      uid: `uid-${id}`,
      etag,
      labels: { 'run.googleapis.com/x': 'é✓' },
      template: {
        containers: [{ image: 'us-docker.pkg.dev/x/y', ports: [{ containerPort: 8080 }] }],
      },
      generation: '1',
      scaling: { minInstanceCount: 0, ratio: 0.5, on: true, nothing: null },
    },
    etag,
    createTime: T0,
    updateTime: T0,
  }
}

function policy(etag: string, members: string[] = ['user:alice@example.com']): Policy {
  return {
    version: 3,
    bindings: [
      { role: 'roles/run.invoker', members },
      {
        role: 'roles/run.viewer',
        members: ['group:g@example.com'],
        condition: { title: 't', expression: 'request.path.startsWith("/a")' },
      },
    ],
    etag,
  }
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p
  } catch (error) {
    return error
  }
  throw new Error('expected the call to fail, but it succeeded')
}

async function expectIamError(
  p: Promise<unknown>,
  code: Code,
  reason: string,
  message?: string | RegExp,
): Promise<void> {
  const error = await caught(p)
  expect(isIamError(error), `not an IamError: ${String(error)}`).toBe(true)
  const e = error as { code: number; reason: string; message: string }
  expect({ code: e.code, reason: e.reason }).toEqual({ code, reason })
  if (typeof message === 'string') expect(e.message).toBe(message)
  else if (message !== undefined) expect(e.message).toMatch(message)
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

/** Read-modify-write of one policy with compare-and-set, retried on ABORTED like a real client. */
async function addMember(store: Store, resourceName: string, member: string): Promise<number> {
  for (let attempt = 1; attempt <= 500; attempt++) {
    try {
      await store.transact(async (tx) => {
        const current = await tx.getPolicy(resourceName)
        const members = current?.policy.bindings?.[0]?.members ?? []
        const next: Policy = {
          version: 1,
          bindings: [{ role: 'roles/run.invoker', members: [...members, member] }],
          etag: `etag-${member}`,
        }
        await tx.putPolicy(resourceName, next, { ifEtag: current?.etag ?? EMPTY_POLICY_ETAG })
      })
      return attempt
    } catch (error) {
      if (isIamError(error) && error.code === Code.ABORTED) {
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(2 ** attempt, 20)))
        continue
      }
      throw error
    }
  }
  throw new Error(`gave up adding ${member}`)
}

// --- the suite

export function describeStoreContract(options: StoreContractOptions): void {
  const skipped = new Map<string, string>()
  for (const s of options.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason)
  const test = (title: string, fn: () => Promise<void>): void => {
    if (skipped.has(title)) it.skip(`${title} (skipped: ${skipped.get(title) ?? ''})`, fn)
    else it(title, fn)
  }
  const testSame = (
    title: string,
    fn: (openSame: (s: Store) => Promise<Store>) => Promise<void>,
  ) => {
    const openSame = options.openSame
    if (openSame === undefined) it.skip(`${title} (skipped: engine offers no openSame)`, () => {})
    else test(title, () => fn(openSame))
  }

  describe(`Store contract: ${options.name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.destroy(store)
    })

    describe('organization', () => {
      test('is absent at first, then created, and only once', async () => {
        expect(await store.getOrganization()).toBeUndefined()
        await store.transact((tx) => tx.createOrganization(org))
        expect(await store.getOrganization()).toEqual(org)
        await expectIamError(
          store.transact((tx) => tx.createOrganization({ ...org, id: '999' })),
          Code.ALREADY_EXISTS,
          'ALREADY_EXISTS',
          "Organization 'organizations/123456789012' already exists.",
        )
        expect(await store.getOrganization()).toEqual(org)
      })
    })

    describe('projects', () => {
      test('create, get by id and by number, absent is undefined', async () => {
        const p = project('p1', '111')
        await store.transact((tx) => tx.createProject(p))
        expect(await store.getProject('p1')).toEqual(p)
        expect(await store.getProject('111')).toEqual(p)
        expect(await store.getProject('p2')).toBeUndefined()
        expect(await store.getProject('222')).toBeUndefined()
      })

      test('a taken id or number is ALREADY_EXISTS', async () => {
        await store.transact((tx) => tx.createProject(project('p1', '111')))
        await expectIamError(
          store.transact((tx) => tx.createProject(project('p1', '222'))),
          Code.ALREADY_EXISTS,
          'ALREADY_EXISTS',
          "Project 'p1' already exists.",
        )
        await expectIamError(
          store.transact((tx) => tx.createProject(project('p2', '111'))),
          Code.ALREADY_EXISTS,
          'ALREADY_EXISTS',
          "Project number '111' already exists.",
        )
        expect(await store.getProject('p2')).toBeUndefined()
        expect(await store.getProject('222')).toBeUndefined()
      })

      test('update replaces the record; missing is NOT_FOUND; the number cannot change', async () => {
        await store.transact((tx) => tx.createProject(project('p1', '111')))
        const updated = project('p1', '111', {
          displayName: 'Renamed',
          labels: {},
          state: 'DELETE_REQUESTED',
          updateTime: T1,
          etag: 'p-2',
        })
        await store.transact((tx) => tx.updateProject(updated))
        expect(await store.getProject('p1')).toEqual(updated)
        await expectIamError(
          store.transact((tx) => tx.updateProject(project('nope', '999'))),
          Code.NOT_FOUND,
          'NOT_FOUND',
          "Project 'nope' was not found.",
        )
        await expectIamError(
          store.transact((tx) => tx.updateProject(project('p1', '112'))),
          Code.INVALID_ARGUMENT,
          'PROJECT_NUMBER_IMMUTABLE',
          /'p1'.*111.*112/,
        )
        expect(await store.getProject('p1')).toEqual(updated)
      })

      test('listProjects pages in project id order', async () => {
        const ids = ['p-c', 'p-a', 'p-e', 'p-b', 'p-d']
        await store.transact(async (tx) => {
          for (const [i, id] of ids.entries()) await tx.createProject(project(id, String(100 + i)))
        })
        const first = await store.listProjects({ pageSize: 2 })
        expect(first.items.map((p) => p.projectId)).toEqual(['p-a', 'p-b'])
        expect(first.nextPageToken).toBeTypeOf('string')
        const second = await store.listProjects({
          pageSize: 2,
          pageToken: first.nextPageToken ?? '',
        })
        expect(second.items.map((p) => p.projectId)).toEqual(['p-c', 'p-d'])
        const third = await store.listProjects({
          pageSize: 2,
          pageToken: second.nextPageToken ?? '',
        })
        expect(third.items.map((p) => p.projectId)).toEqual(['p-e'])
        expect(third.nextPageToken).toBeUndefined()
        const all = await store.listProjects()
        expect(all.items.map((p) => p.projectId)).toEqual(['p-a', 'p-b', 'p-c', 'p-d', 'p-e'])
        expect(all.nextPageToken).toBeUndefined()
      })
    })

    describe('resources', () => {
      test('create and get return the record as written; absent is undefined', async () => {
        const r = resource('s1')
        await store.transact((tx) => tx.createResource(r))
        expect(await store.getResource(r.name)).toEqual(r)
        expect(await store.getResource(`${LOC}/services/none`)).toBeUndefined()
      })

      test("getResourceKind names a stored resource's kind, inside and outside a transaction", async () => {
        const s = resource('s1')
        const j = resource('j1', 'job')
        await store.transact((tx) => tx.createResource(s))
        expect(await store.getResourceKind(s.name)).toBe('service')
        expect(await store.getResourceKind(j.name)).toBeUndefined()
        expect(await store.getResourceKind(`${LOC}/services/none`)).toBeUndefined()
        await store.transact(async (tx) => {
          await tx.createResource(j)
          // The transaction's own write, not yet committed: seen inside, not outside.
          expect(await tx.getResourceKind(j.name)).toBe('job')
          expect(await store.getResourceKind(j.name)).toBeUndefined()
          await tx.deleteResource(s.name)
          expect(await tx.getResourceKind(s.name)).toBeUndefined()
        })
        expect(await store.getResourceKind(j.name)).toBe('job')
        expect(await store.getResourceKind(s.name)).toBeUndefined()
      })

      test('a taken name is ALREADY_EXISTS and changes nothing', async () => {
        const r = resource('s1')
        await store.transact((tx) => tx.createResource(r))
        await expectIamError(
          store.transact((tx) => tx.createResource({ ...r, etag: 'other' })),
          Code.ALREADY_EXISTS,
          'ALREADY_EXISTS',
          `Resource '${r.name}' already exists.`,
        )
        expect(await store.getResource(r.name)).toEqual(r)
      })

      test('update replaces; compare-and-set on etag; missing is NOT_FOUND', async () => {
        const r = resource('s1')
        await store.transact((tx) => tx.createResource(r))
        const v2 = { ...r, etag: 'e2', updateTime: T1, body: { ...r.body, etag: 'e2', x: [1, 2] } }
        await store.transact((tx) => tx.updateResource(v2))
        expect(await store.getResource(r.name)).toEqual(v2)
        const v3 = { ...v2, etag: 'e3' }
        await store.transact((tx) => tx.updateResource(v3, { ifEtag: 'e2' }))
        expect(await store.getResource(r.name)).toEqual(v3)
        await expectIamError(
          store.transact((tx) => tx.updateResource({ ...v3, etag: 'e4' }, { ifEtag: 'e2' })),
          Code.ABORTED,
          'ETAG_MISMATCH',
          /'e2'.*'e3'/,
        )
        expect(await store.getResource(r.name)).toEqual(v3)
        await expectIamError(
          store.transact((tx) => tx.updateResource(resource('missing'))),
          Code.NOT_FOUND,
          'NOT_FOUND',
          `Resource '${LOC}/services/missing' was not found.`,
        )
        await expectIamError(
          store.transact((tx) => tx.updateResource(resource('missing'), { ifEtag: 'x' })),
          Code.NOT_FOUND,
          'NOT_FOUND',
        )
      })

      test('delete removes the resource and its policy; missing is NOT_FOUND', async () => {
        const r = resource('s1')
        await store.transact(async (tx) => {
          await tx.createResource(r)
          await tx.putPolicy(r.name, policy('P1'))
        })
        await store.transact((tx) => tx.deleteResource(r.name))
        expect(await store.getResource(r.name)).toBeUndefined()
        expect(await store.getPolicy(r.name)).toBeUndefined()
        await expectIamError(
          store.transact((tx) => tx.deleteResource(r.name)),
          Code.NOT_FOUND,
          'NOT_FOUND',
          `Resource '${r.name}' was not found.`,
        )
      })

      test('listResources filters by parent and kind; listAllResources by kind', async () => {
        const other = 'projects/p2/locations/europe-west1'
        await store.transact(async (tx) => {
          for (const r of [
            resource('b'),
            resource('a'),
            resource('j1', 'job'),
            resource('w1', 'workerPool'),
            resource('c', 'service', other),
          ]) {
            await tx.createResource(r)
          }
        })
        const services = await store.listResources(LOC, 'service')
        expect(services.items.map((r) => r.name)).toEqual([
          `${LOC}/services/a`,
          `${LOC}/services/b`,
        ])
        expect(services.nextPageToken).toBeUndefined()
        expect((await store.listResources(LOC, 'job')).items).toEqual([resource('j1', 'job')])
        expect((await store.listResources(LOC, 'workerPool')).items).toEqual([
          resource('w1', 'workerPool'),
        ])
        expect((await store.listResources('projects/none/locations/x', 'service')).items).toEqual(
          [],
        )
        expect((await store.listAllResources('service')).map((r) => r.name)).toEqual([
          `${LOC}/services/a`,
          `${LOC}/services/b`,
          `${other}/services/c`,
        ])
        expect(await store.listAllResources('job')).toEqual([resource('j1', 'job')])
      })

      test("a job's executions and an execution's tasks list under their parent's name", async () => {
        const job = `${LOC}/jobs/j1`
        const e1 = `${job}/executions/j1-aaaaa`
        await store.transact(async (tx) => {
          await tx.createResource(resource('j1', 'job'))
          await tx.createResource(resource('j1-bbbbb', 'execution', job))
          await tx.createResource(resource('j1-aaaaa', 'execution', job))
          await tx.createResource(resource('j1-aaaaa-task1', 'task', e1))
          await tx.createResource(resource('j1-aaaaa-task0', 'task', e1))
        })
        const executions = await store.listResources(job, 'execution')
        expect(executions.items.map((r) => r.name)).toEqual([e1, `${job}/executions/j1-bbbbb`])
        expect((await store.listResources(e1, 'task')).items.map((r) => r.name)).toEqual([
          `${e1}/tasks/j1-aaaaa-task0`,
          `${e1}/tasks/j1-aaaaa-task1`,
        ])
        // Neither kind shows up among the location's jobs.
        expect((await store.listResources(LOC, 'job')).items.map((r) => r.name)).toEqual([job])
        expect((await store.listAllResources('task')).length).toBe(2)
      })
    })

    describe('pagination', () => {
      test('pages are stable, disjoint and complete, with no token on the last page', async () => {
        const ids = Array.from({ length: 7 }, (_, i) => `s${i}`)
        await store.transact(async (tx) => {
          for (const id of [...ids].reverse()) await tx.createResource(resource(id))
        })
        const seen: string[] = []
        let token: string | undefined
        let pages = 0
        do {
          const page = await store.listResources(LOC, 'service', {
            pageSize: 3,
            ...(token === undefined ? {} : { pageToken: token }),
          })
          pages++
          expect(page.items.length).toBe(pages < 3 ? 3 : 1)
          seen.push(...page.items.map((r) => r.name.split('/').at(-1) ?? ''))
          // A write between pages neither repeats nor hides what was already paged.
          if (pages === 1) await store.transact((tx) => tx.createResource(resource('s0a')))
          token = page.nextPageToken
        } while (token !== undefined)
        expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6'])
      })

      test('pageSize 0 means the default (100) and a huge pageSize is capped at 1000', async () => {
        await store.transact(async (tx) => {
          for (let i = 0; i < 101; i++) {
            await tx.createResource(resource(`s${String(i).padStart(3, '0')}`))
          }
        })
        const dflt = await store.listResources(LOC, 'service', { pageSize: 0 })
        expect(dflt.items.length).toBe(100)
        expect(dflt.nextPageToken).toBeTypeOf('string')
        const rest = await store.listResources(LOC, 'service', {
          pageToken: dflt.nextPageToken ?? '',
        })
        expect(rest.items.map((r) => r.name.split('/').at(-1))).toEqual(['s100'])
        const big = await store.listResources(LOC, 'service', { pageSize: 5000 })
        expect(big.items.length).toBe(101)
        expect(big.nextPageToken).toBeUndefined()
      })

      test('a bad page token or page size is INVALID_ARGUMENT naming it', async () => {
        await expectIamError(
          store.listResources(LOC, 'service', { pageToken: 'not a token!' }),
          Code.INVALID_ARGUMENT,
          'INVALID_PAGE_TOKEN',
          "Invalid page token 'not a token!'.",
        )
        await expectIamError(
          store.listProjects({ pageToken: 'Zm9v' }),
          Code.INVALID_ARGUMENT,
          'INVALID_PAGE_TOKEN',
          /'Zm9v'/,
        )
        await expectIamError(
          store.listProjects({ pageSize: -1 }),
          Code.INVALID_ARGUMENT,
          'INVALID_PAGE_SIZE',
          /-1/,
        )
        await expectIamError(
          store.listProjects({ pageSize: 2.5 }),
          Code.INVALID_ARGUMENT,
          'INVALID_PAGE_SIZE',
          /2\.5/,
        )
      })
    })

    describe('policies', () => {
      const R = `${LOC}/services/s1`

      test('absent is undefined; put returns and stores the policy as given', async () => {
        expect(await store.getPolicy(R)).toBeUndefined()
        const stored = await store.transact((tx) =>
          tx.putPolicy(R, policy('P1'), { updateTime: T1 }),
        )
        expect(stored).toEqual({ resource: R, policy: policy('P1'), etag: 'P1', updateTime: T1 })
        expect(await store.getPolicy(R)).toEqual(stored)
        // Without an updateTime the store stamps its own clock.
        const again = await store.transact((tx) => tx.putPolicy(R, policy('P2')))
        expect(Number.isNaN(Date.parse(again.updateTime))).toBe(false)
        expect(await store.getPolicy(R)).toEqual(again)
      })

      test('compare-and-set: "ACAB" matches no policy; the current etag matches', async () => {
        await store.transact((tx) => tx.putPolicy(R, policy('P1'), { ifEtag: EMPTY_POLICY_ETAG }))
        await store.transact((tx) => tx.putPolicy(R, policy('P2'), { ifEtag: 'P1' }))
        expect((await store.getPolicy(R))?.policy).toEqual(policy('P2'))
        // An omitted etag overwrites whatever is there.
        await store.transact((tx) => tx.putPolicy(R, policy('P3')))
        expect((await store.getPolicy(R))?.etag).toBe('P3')
      })

      test("compare-and-set mismatch is ABORTED / ETAG_MISMATCH with Google's message", async () => {
        await store.transact((tx) => tx.putPolicy(R, policy('P1')))
        await expectIamError(
          store.transact((tx) => tx.putPolicy(R, policy('P2'), { ifEtag: 'STALE' })),
          Code.ABORTED,
          'ETAG_MISMATCH',
          "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff. The request's ETag 'STALE' did not match the current policy's ETag 'P1'.",
        )
        await expectIamError(
          store.transact((tx) => tx.putPolicy(R, policy('P2'), { ifEtag: EMPTY_POLICY_ETAG })),
          Code.ABORTED,
          'ETAG_MISMATCH',
          "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff. The request's ETag 'ACAB' did not match the current policy's ETag 'P1'.",
        )
        const other = `${LOC}/services/none`
        await expectIamError(
          store.transact((tx) => tx.putPolicy(other, policy('P2'), { ifEtag: 'P1' })),
          Code.ABORTED,
          'ETAG_MISMATCH',
          "There were concurrent policy changes. Please retry the whole read-modify-write with exponential backoff. The request's ETag 'P1' did not match the current policy's ETag 'ACAB'.",
        )
        expect((await store.getPolicy(R))?.etag).toBe('P1')
        expect(await store.getPolicy(other)).toBeUndefined()
      })

      test('getPolicies reads several at once and leaves out the absent ones', async () => {
        await store.transact(async (tx) => {
          await tx.putPolicy('organizations/1', policy('O'))
          await tx.putPolicy('projects/p1', policy('PR'))
          await tx.putPolicy(R, policy('S'))
        })
        const got = await store.getPolicies([
          'organizations/1',
          'projects/p1',
          'projects/none',
          R,
          R,
        ])
        expect([...got.keys()].sort()).toEqual(['organizations/1', 'projects/p1', R].sort())
        expect(got.get('projects/p1')?.policy).toEqual(policy('PR'))
        expect(got.get(R)?.etag).toBe('S')
        expect((await store.getPolicies([])).size).toBe(0)
        expect((await store.getPolicies(['x', 'y'])).size).toBe(0)
      })

      test('deletePolicy removes it; deleting an absent policy is a no-op', async () => {
        await store.transact((tx) => tx.putPolicy(R, policy('P1')))
        await store.transact((tx) => tx.deletePolicy(R))
        expect(await store.getPolicy(R)).toBeUndefined()
        const before = await store.revision()
        await store.transact((tx) => tx.deletePolicy(R))
        expect(await store.revision()).toBe(before)
      })

      test('a policy without an etag is refused as a bug', async () => {
        await expectIamError(
          store.transact((tx) => tx.putPolicy(R, { version: 1, bindings: [] })),
          Code.INTERNAL,
          'BUG',
          new RegExp(R),
        )
        expect(await store.getPolicy(R)).toBeUndefined()
      })
    })

    describe('organization policies', () => {
      const orgPolicy = (
        parent: string,
        constraint: string,
        etag: string,
        spec: Record<string, unknown> = { rules: [{ enforce: true }] },
      ): OrgPolicyRecord => ({
        name: `${parent}/policies/${constraint}`,
        parent,
        policy: { name: `${parent}/policies/${constraint}`, spec: { ...spec, etag }, etag },
        etag,
        updateTime: T0,
      })
      const A = orgPolicy('projects/p1', 'run.managed.requireInvokerIam', 'E1')

      test('absent is undefined; create stores the record as given, once', async () => {
        expect(await store.getOrgPolicy(A.name)).toBeUndefined()
        await store.transact((tx) => tx.createOrgPolicy(A))
        expect(await store.getOrgPolicy(A.name)).toEqual(A)
        await expectIamError(
          store.transact((tx) => tx.createOrgPolicy({ ...A, etag: 'E2' })),
          Code.ALREADY_EXISTS,
          'ALREADY_EXISTS',
          `Policy '${A.name}' already exists.`,
        )
        expect(await store.getOrgPolicy(A.name)).toEqual(A)
      })

      test('update: compare-and-set on the etag, NOT_FOUND when missing', async () => {
        await expectIamError(
          store.transact((tx) => tx.updateOrgPolicy(A)),
          Code.NOT_FOUND,
          'NOT_FOUND',
          `Policy '${A.name}' was not found.`,
        )
        await store.transact((tx) => tx.createOrgPolicy(A))
        const B = {
          ...orgPolicy('projects/p1', 'run.managed.requireInvokerIam', 'E2'),
          updateTime: T1,
        }
        await store.transact((tx) => tx.updateOrgPolicy(B, { ifEtag: 'E1' }))
        expect(await store.getOrgPolicy(A.name)).toEqual(B)
        await expectIamError(
          store.transact((tx) => tx.updateOrgPolicy(A, { ifEtag: 'E1' })),
          Code.ABORTED,
          'ETAG_MISMATCH',
          /'E1'.*'E2'/,
        )
        // No etag: unconditional replace.
        await store.transact((tx) => tx.updateOrgPolicy(A))
        expect(await store.getOrgPolicy(A.name)).toEqual(A)
      })

      test('delete: compare-and-set on the etag, NOT_FOUND when missing', async () => {
        await expectIamError(
          store.transact((tx) => tx.deleteOrgPolicy(A.name)),
          Code.NOT_FOUND,
          'NOT_FOUND',
          `Policy '${A.name}' was not found.`,
        )
        await store.transact((tx) => tx.createOrgPolicy(A))
        await expectIamError(
          store.transact((tx) => tx.deleteOrgPolicy(A.name, { ifEtag: 'STALE' })),
          Code.ABORTED,
          'ETAG_MISMATCH',
          /'STALE'.*'E1'/,
        )
        expect(await store.getOrgPolicy(A.name)).toEqual(A)
        await store.transact((tx) => tx.deleteOrgPolicy(A.name, { ifEtag: 'E1' }))
        expect(await store.getOrgPolicy(A.name)).toBeUndefined()
        await store.transact((tx) => tx.createOrgPolicy(A))
        await store.transact((tx) => tx.deleteOrgPolicy(A.name))
        expect(await store.getOrgPolicy(A.name)).toBeUndefined()
      })

      test('list: by parent, ordered by name, paged; other parents left out', async () => {
        await store.transact(async (tx) => {
          await tx.createOrgPolicy(orgPolicy('projects/p1', 'run.managed.requireInvokerIam', 'a'))
          await tx.createOrgPolicy(orgPolicy('projects/p1', 'iam.allowedPolicyMemberDomains', 'b'))
          await tx.createOrgPolicy(orgPolicy('projects/p10', 'iam.allowedPolicyMemberDomains', 'c'))
          await tx.createOrgPolicy(
            orgPolicy('organizations/1', 'iam.allowedPolicyMemberDomains', 'd'),
          )
        })
        const all = await store.listOrgPolicies('projects/p1')
        expect(all.items.map((p) => p.name)).toEqual([
          'projects/p1/policies/iam.allowedPolicyMemberDomains',
          'projects/p1/policies/run.managed.requireInvokerIam',
        ])
        expect(all.nextPageToken).toBeUndefined()
        const first = await store.listOrgPolicies('projects/p1', { pageSize: 1 })
        expect(first.items.map((p) => p.etag)).toEqual(['b'])
        const second = await store.listOrgPolicies('projects/p1', {
          pageSize: 1,
          pageToken: first.nextPageToken ?? '',
        })
        expect(second.items.map((p) => p.etag)).toEqual(['a'])
        expect(second.nextPageToken).toBeUndefined()
        expect((await store.listOrgPolicies('organizations/1')).items.map((p) => p.etag)).toEqual([
          'd',
        ])
        expect((await store.listOrgPolicies('projects/none')).items).toEqual([])
      })

      test('every write is one orgPolicy change; a rolled-back write is none', async () => {
        const before = await store.revision()
        await store.transact((tx) => tx.createOrgPolicy(A))
        await store.transact((tx) => tx.updateOrgPolicy(A))
        await expect(
          store.transact(async (tx) => {
            await tx.deleteOrgPolicy(A.name)
            throw new Error('roll back')
          }),
        ).rejects.toThrow('roll back')
        await store.transact((tx) => tx.deleteOrgPolicy(A.name))
        const feed = await store.changesSince(before)
        expect(feed.changes.map((c) => [c.kind, c.name])).toEqual([
          ['orgPolicy', A.name],
          ['orgPolicy', A.name],
          ['orgPolicy', A.name],
        ])
      })
    })

    describe('operations and signing keys', () => {
      test('operations are put, read back and replaced', async () => {
        const op: OperationRecord = {
          name: 'projects/p1/locations/us-central1/operations/op1',
          body: { name: 'projects/p1/locations/us-central1/operations/op1', done: false },
          createTime: T0,
        }
        expect(await store.getOperation(op.name)).toBeUndefined()
        await store.transact((tx) => tx.putOperation(op))
        expect(await store.getOperation(op.name)).toEqual(op)
        const done = { ...op, body: { ...op.body, done: true, response: { '@type': 't', a: 1 } } }
        await store.transact((tx) => tx.putOperation(done))
        expect(await store.getOperation(op.name)).toEqual(done)
      })

      test('signing keys are listed oldest first and can be retired', async () => {
        const key = (kid: string, createTime: string): SigningKeyRecord => ({
          kid,
          alg: 'RS256',
          privateJwk: { kty: 'RSA', d: 'secret', kid },
          publicJwk: { kty: 'RSA', n: 'abc', e: 'AQAB', kid },
          createTime,
        })
        expect(await store.listSigningKeys()).toEqual([])
        await store.transact(async (tx) => {
          await tx.putSigningKey(key('k2', T1))
          await tx.putSigningKey(key('k1', T0))
        })
        expect((await store.listSigningKeys()).map((k) => k.kid)).toEqual(['k1', 'k2'])
        const retired = { ...key('k1', T0), retireTime: T1 }
        await store.transact((tx) => tx.putSigningKey(retired))
        expect(await store.listSigningKeys()).toEqual([retired, key('k2', T1)])
        await store.transact((tx) => tx.deleteSigningKey('k1'))
        expect(await store.listSigningKeys()).toEqual([key('k2', T1)])
        await expect(store.transact((tx) => tx.deleteSigningKey('k1'))).rejects.toMatchObject({
          code: Code.NOT_FOUND,
        })
      })

      test('lockSigningKeys makes create-unless-one-exists exact under concurrent writers', async () => {
        // Without the lock, PostgreSQL at READ COMMITTED lets every writer see no key and insert.
        await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            store.transact(async (tx) => {
              await tx.lockSigningKeys()
              if ((await tx.listSigningKeys()).length > 0) return
              await new Promise((r) => setTimeout(r, 5)) // widen the race window
              await tx.putSigningKey({
                kid: `k${i}`,
                alg: 'RS256',
                privateJwk: {},
                publicJwk: {},
                createTime: T0,
              })
            }),
          ),
        )
        expect(await store.listSigningKeys()).toHaveLength(1)
      })
    })

    describe('stored JSON', () => {
      // toEqual ignores key order; the wire (and the CLI's YAML) does not. PostgreSQL's jsonb
      // sorted keys by length, so a job came back as {uid, etag, name, …} there and a condition
      // as {title, expression}, and as written on SQLite (found by engines.prop.test.ts).
      const ordered = (value: unknown): string => JSON.stringify(value)

      test('bodies and records come back with their keys in the order written', async () => {
        const r = resource('ordered', 'job')
        const op: OperationRecord = {
          name: `${LOC}/operations/ordered`,
          body: {
            name: `${LOC}/operations/ordered`,
            metadata: { '@type': 't', name: r.name, uid: 'u', generation: '1', etag: 'e' },
            done: true,
          },
          createTime: T0,
        }
        const orgPolicy: OrgPolicyRecord = {
          name: 'projects/p1/policies/run.managed.requireInvokerIam',
          parent: 'projects/p1',
          policy: {
            name: 'projects/p1/policies/run.managed.requireInvokerIam',
            spec: { updateTime: T0, rules: [{ enforce: true }], etag: 'E' },
            etag: 'E',
          },
          etag: 'E',
          updateTime: T0,
        }
        const p = project('ordered', '424242424242', { labels: { zz: '1', a: '2' } })
        const conditional: Policy = {
          version: 3,
          bindings: [
            {
              role: 'roles/run.invoker',
              members: ['user:alice@example.com'],
              condition: { expression: 'request.path.startsWith("/api")', title: 'api' },
            },
          ],
          etag: 'BwYAAAAAAAE=',
        }
        await store.transact(async (tx) => {
          await tx.putPolicy(r.name, conditional)
          await tx.createProject(p)
          await tx.createResource(r)
          await tx.putOperation(op)
          await tx.createOrgPolicy(orgPolicy)
        })
        expect(ordered((await store.getResource(r.name))?.body)).toBe(ordered(r.body))
        expect(ordered((await store.listResources(LOC, 'job')).items[0]?.body)).toBe(
          ordered(r.body),
        )
        expect(ordered((await store.getOperation(op.name))?.body)).toBe(ordered(op.body))
        expect(ordered((await store.getOrgPolicy(orgPolicy.name))?.policy)).toBe(
          ordered(orgPolicy.policy),
        )
        expect(ordered((await store.getProject('ordered'))?.labels)).toBe(ordered(p.labels))
        expect(ordered((await store.getPolicy(r.name))?.policy)).toBe(ordered(conditional))
        expect(
          ordered((await store.getPolicies([r.name])).get(r.name)?.policy.bindings?.[0]?.condition),
        ).toBe(ordered(conditional.bindings?.[0]?.condition))
      })
    })

    describe('transactions', () => {
      test("returns the callback result; reads inside see the transaction's own writes", async () => {
        const r = resource('s1')
        const result = await store.transact(async (tx) => {
          await tx.createResource(r)
          await tx.putPolicy(r.name, policy('P1'))
          expect(await tx.getResource(r.name)).toEqual(r)
          expect((await tx.getPolicies([r.name])).get(r.name)?.etag).toBe('P1')
          expect((await tx.listResources(LOC, 'service')).items).toEqual([r])
          return 42
        })
        expect(result).toBe(42)
      })

      test('a callback that throws rolls back every write and emits no change', async () => {
        await store.transact((tx) => tx.createProject(project('p0', '100')))
        const revision = await store.revision()
        const seen: Change[][] = []
        store.onChange((c) => seen.push([...c]))
        const boom = new Error('boom')
        const error = await caught(
          store.transact(async (tx) => {
            await tx.createProject(project('p1', '111'))
            await tx.createResource(resource('s1'))
            await tx.putPolicy('projects/p1', policy('P1'))
            await tx.updateProject(project('p0', '100', { displayName: 'changed' }))
            throw boom
          }),
        )
        expect(error).toBe(boom)
        expect(await store.getProject('p1')).toBeUndefined()
        expect(await store.getResource(resource('s1').name)).toBeUndefined()
        expect(await store.getPolicy('projects/p1')).toBeUndefined()
        expect((await store.getProject('p0'))?.displayName).toBe('Project p0')
        expect(await store.revision()).toBe(revision)
        expect((await store.changesSince(revision)).changes).toEqual([])
        expect(seen).toEqual([])
        // The store is still usable after a rollback.
        await store.transact((tx) => tx.createProject(project('p1', '111')))
        expect(await store.getProject('p1')).toBeDefined()
      })

      test('a conflict inside a transaction rolls back its earlier writes too', async () => {
        await store.transact((tx) => tx.createResource(resource('s1')))
        await expectIamError(
          store.transact(async (tx) => {
            await tx.createResource(resource('s2'))
            await tx.createResource(resource('s1'))
          }),
          Code.ALREADY_EXISTS,
          'ALREADY_EXISTS',
        )
        expect(await store.getResource(resource('s2').name)).toBeUndefined()
      })

      test('a tx cannot be used after its transaction ended, nor nest transact()', async () => {
        let leaked: Parameters<Parameters<Store['transact']>[0]>[0] | undefined
        await store.transact(async (tx) => {
          leaked = tx
        })
        if (leaked === undefined) throw new Error('unreachable')
        await expectIamError(leaked.createResource(resource('late')), Code.INTERNAL, 'BUG')
        await expectIamError(leaked.getResource('x'), Code.INTERNAL, 'BUG')
        await expectIamError(
          store.transact(() => store.transact(async () => 1)),
          Code.INTERNAL,
          'BUG',
          /inside a transaction/,
        )
        expect(await store.getResource(resource('late').name)).toBeUndefined()
      })

      test('every method of a finished tx refuses, whatever its arguments', async () => {
        let leaked: Parameters<Parameters<Store['transact']>[0]>[0] | undefined
        const names: string[] = []
        await store.transact(async (tx) => {
          leaked = tx
          // The methods as the live tx has them (own or inherited), not as the finished one does.
          for (let o: object | null = tx; o !== null && o !== Object.prototype;) {
            for (const k of Object.getOwnPropertyNames(o)) {
              const v: unknown = Reflect.get(tx, k)
              if (k !== 'constructor' && typeof v === 'function' && !names.includes(k))
                names.push(k)
            }
            o = Object.getPrototypeOf(o) as object | null
          }
        })
        if (leaked === undefined) throw new Error('unreachable')
        // Enough of them to be the whole StoreTx (reads, writes, groups, roles, audit…).
        expect(names).toEqual(
          expect.arrayContaining(['putPolicy', 'getPolicy', 'recordGrantUsage']),
        )
        expect(names.length).toBeGreaterThan(60)
        for (const name of names) {
          const method = Reflect.get(leaked, name) as (...args: unknown[]) => Promise<unknown>
          // Empty arguments: methods that would touch no row (an empty batch) must refuse too.
          for (const args of [[], [[]], [[], {}]]) {
            await expectIamError(
              Promise.resolve().then(() => method.apply(leaked, args)),
              Code.INTERNAL,
              'BUG',
              /already finished/,
            )
          }
        }
      })

      test('nesting is refused after awaits and through helpers; other callers meanwhile wait', async () => {
        const nestedLater = (): Promise<number> =>
          store.transact(async (tx) => {
            await tx.getResource('x')
            await new Promise((r) => setTimeout(r, 1))
            return store.transact(async () => 1)
          })
        const helper = async (): Promise<number> => {
          await Promise.resolve()
          return store.transact(async () => 2)
        }
        const viaHelper = (): Promise<number> =>
          store.transact(async (tx) => {
            await tx.getResource('x')
            return helper()
          })
        // Each refused again after the guard went quiet between transactions.
        for (let round = 0; round < 2; round++) {
          await expectIamError(nestedLater(), Code.INTERNAL, 'BUG', /inside a transaction/)
          await expectIamError(viaHelper(), Code.INTERNAL, 'BUG', /inside a transaction/)
          await store.transact((tx) => tx.getResource('x'))
        }
        // A caller outside is not nested: it runs (after the running transaction, on SQLite).
        const inside = deferred()
        const release = deferred()
        const running = store.transact(async (tx) => {
          await tx.createResource(resource('first'))
          inside.resolve()
          await release.promise
        })
        await inside.promise
        const outside = store.transact((tx) => tx.createResource(resource('second')))
        release.resolve()
        await Promise.all([running, outside])
        expect(await store.getResource(resource('second').name)).toEqual(resource('second'))
      })

      test('readers never see uncommitted writes', async () => {
        const r = resource('s1')
        const written = deferred()
        const release = deferred()
        const running = store.transact(async (tx) => {
          await tx.createResource(r)
          await tx.putPolicy(r.name, policy('P1'))
          written.resolve()
          await release.promise
        })
        await written.promise
        try {
          // The transaction has written and is now suspended inside an await.
          expect(await store.getResource(r.name)).toBeUndefined()
          expect(await store.getPolicy(r.name)).toBeUndefined()
          expect((await store.getPolicies([r.name])).size).toBe(0)
          expect((await store.listResources(LOC, 'service')).items).toEqual([])
          expect((await store.changesSince(0)).changes).toEqual([])
          expect(await store.revision()).toBe(0)
        } finally {
          release.resolve()
          await running
        }
        expect(await store.getResource(r.name)).toEqual(r)
        expect((await store.getPolicy(r.name))?.etag).toBe('P1')
      })

      test('50 concurrent read-modify-write transactions with CAS and retry lose no edit', async () => {
        const R = `${LOC}/services/hot`
        const members = Array.from({ length: 50 }, (_, i) => `user:u${i}@example.com`)
        await Promise.all(members.map((m) => addMember(store, R, m)))
        const final = await store.getPolicy(R)
        expect([...(final?.policy.bindings?.[0]?.members ?? [])].sort()).toEqual(
          [...members].sort(),
        )
        const changes = (await store.changesSince(0)).changes
        expect(changes.filter((c) => c.kind === 'policy' && c.name === R)).toHaveLength(50)
      })
    })

    describe('change feed', () => {
      test('every write appends a change; revisions increase; changesSince pages the feed', async () => {
        const start = await store.revision()
        expect(start).toBe(0)
        expect(await store.changesSince(0)).toEqual({ changes: [], revision: 0 })
        const r = resource('s1')
        await store.transact(async (tx) => {
          await tx.createOrganization(org)
          await tx.createProject(project('p1', '111'))
          await tx.createResource(r)
          await tx.putPolicy(r.name, policy('P1'))
        })
        const afterFirst = await store.revision()
        await store.transact(async (tx) => {
          await tx.updateResource({ ...r, etag: 'e2' })
          await tx.updateProject(project('p1', '111', { displayName: 'x' }))
          await tx.putOperation({ name: 'operations/o1', body: {}, createTime: T0 })
          await tx.putSigningKey({
            kid: 'k1',
            alg: 'RS256',
            privateJwk: {},
            publicJwk: {},
            createTime: T0,
          })
          await tx.deleteResource(r.name)
        })
        // A read-only transaction changes nothing.
        await store.transact(async (tx) => {
          await tx.getResource(r.name)
        })
        const end = await store.revision()
        const all = await store.changesSince(start)
        expect(all.changes.map((c) => [c.kind, c.name])).toEqual([
          ['organization', 'organizations/123456789012'],
          ['project', 'projects/p1'],
          ['resource', r.name],
          ['policy', r.name],
          ['resource', r.name],
          ['project', 'projects/p1'],
          ['operation', 'operations/o1'],
          ['key', 'k1'],
          ['resource', r.name],
          ['policy', r.name],
        ])
        const revisions = all.changes.map((c) => c.revision)
        for (let i = 1; i < revisions.length; i++) {
          expect(revisions[i]).toBeGreaterThan(revisions[i - 1] ?? Infinity)
        }
        expect(afterFirst).toBe(revisions[3])
        expect(end).toBe(revisions.at(-1))
        expect(all.revision).toBe(end)
        const limited = await store.changesSince(start, 3)
        expect(limited.changes).toEqual(all.changes.slice(0, 3))
        expect(limited.revision).toBe(revisions[2])
        const rest = await store.changesSince(limited.revision)
        expect(rest.changes).toEqual(all.changes.slice(3))
        expect(await store.changesSince(end)).toEqual({ changes: [], revision: end })
      })

      test('a follower of changesSince misses nothing while writers commit concurrently', async () => {
        const names = Array.from({ length: 40 }, (_, i) => resource(`f${i}`).name)
        const seen: Change[] = []
        let last = 0
        let writing = true
        const follow = async (): Promise<void> => {
          const batch = await store.changesSince(last)
          seen.push(...batch.changes)
          last = batch.revision
        }
        const follower = (async () => {
          while (writing) {
            await follow()
            await new Promise((r) => setTimeout(r, 0))
          }
        })()
        await Promise.all(
          names.map((_, i) =>
            store.transact(async (tx) => {
              await tx.createResource(resource(`f${i}`))
              await new Promise((r) => setTimeout(r, i % 3))
              await tx.putPolicy(resource(`f${i}`).name, policy(`P${i}`))
            }),
          ),
        )
        writing = false
        await follower
        await follow()
        expect(seen.map((c) => c.revision)).toEqual(
          Array.from({ length: names.length * 2 }, (_, i) => i + 1),
        )
        expect(new Set(seen.map((c) => c.name))).toEqual(new Set(names))
        // One transaction's changes are contiguous in the feed.
        for (let i = 0; i < seen.length; i += 2) {
          expect(seen[i]?.name).toBe(seen[i + 1]?.name)
          expect([seen[i]?.kind, seen[i + 1]?.kind]).toEqual(['resource', 'policy'])
        }
      })

      test('changesSince refuses a bad revision or limit', async () => {
        await expectIamError(store.changesSince(-1), Code.INVALID_ARGUMENT, 'INVALID_REVISION')
        await expectIamError(store.changesSince(1.5), Code.INVALID_ARGUMENT, 'INVALID_REVISION')
        await expectIamError(store.changesSince(0, 0), Code.INVALID_ARGUMENT, 'INVALID_LIMIT')
      })

      test("onChange fires after commit with that transaction's changes, until unsubscribed", async () => {
        const r = resource('s1')
        const calls: Change[][] = []
        const visibleAtCall: Promise<ResourceRecord | undefined>[] = []
        const unsubscribe = store.onChange((changes) => {
          calls.push([...changes])
          // Committed means readers outside the transaction already see it.
          visibleAtCall.push(store.getResource(r.name))
        })
        await store.transact(async (tx) => {
          await tx.createResource(r)
          await tx.putPolicy(r.name, policy('P1'))
          expect(calls).toEqual([])
        })
        expect(calls).toHaveLength(1)
        expect(calls[0]).toEqual((await store.changesSince(0)).changes)
        expect(await visibleAtCall[0]).toEqual(r)
        await store.transact(async () => undefined)
        await caught(
          store.transact(async (tx) => {
            await tx.deleteResource(r.name)
            throw new Error('no')
          }),
        )
        expect(calls).toHaveLength(1)
        unsubscribe()
        await store.transact((tx) => tx.deleteResource(r.name))
        expect(calls).toHaveLength(1)
      })

      test('a listener that throws does not fail the commit nor starve other listeners', async () => {
        let heard = 0
        store.onChange(() => {
          throw new Error('listener bug')
        })
        store.onChange(() => {
          heard++
        })
        await store.transact((tx) => tx.createResource(resource('s1')))
        expect(heard).toBe(1)
        expect(await store.getResource(resource('s1').name)).toBeDefined()
      })
    })

    describe('lifecycle', () => {
      test('ping resolves on a usable store, quickly, with nothing to show for it', async () => {
        const started = Date.now()
        await expect(store.ping()).resolves.toBeUndefined()
        expect(Date.now() - started).toBeLessThan(2000)
        await store.transact((tx) => tx.createResource(resource('s1')))
        await Promise.all([store.ping(), store.ping(), store.ping()])
        // A health check is no change.
        expect((await store.changesSince(0)).changes).toHaveLength(1)
      })

      test('a closed store refuses calls with UNAVAILABLE', async () => {
        await store.close()
        await expectIamError(store.ping(), Code.UNAVAILABLE, 'STORE_CLOSED')
        await expectIamError(store.getResource('x'), Code.UNAVAILABLE, 'STORE_CLOSED')
        await expectIamError(
          store.transact(async () => 1),
          Code.UNAVAILABLE,
          'STORE_CLOSED',
        )
        await store.close()
      })

      testSame('reopening the database keeps the data and the feed', async (openSame) => {
        const r = resource('s1')
        await store.transact(async (tx) => {
          await tx.createProject(project('p1', '111'))
          await tx.createResource(r)
          await tx.putPolicy(r.name, policy('P1'))
        })
        const revision = await store.revision()
        await store.close()
        const reopened = await openSame(store)
        try {
          expect(await reopened.getProject('111')).toEqual(project('p1', '111'))
          expect(await reopened.getResource(r.name)).toEqual(r)
          expect((await reopened.getPolicy(r.name))?.policy).toEqual(policy('P1'))
          expect(await reopened.revision()).toBe(revision)
          await reopened.transact((tx) => tx.createResource(resource('s2')))
          expect(await reopened.revision()).toBeGreaterThan(revision)
        } finally {
          await reopened.close()
        }
      })

      testSame(
        "refresh() delivers another process's commits once, and never this process's twice",
        async (openSame) => {
          await store.transact((tx) => tx.createResource(resource('before')))
          const other = await openSame(store)
          const seen: string[] = []
          const unsubscribe = other.onChange((changes) =>
            seen.push(...changes.map((c) => `${c.revision}:${c.name}`)),
          )
          try {
            // History from before the store was opened is not replayed.
            expect(other.appliedRevision()).toBe(await store.revision())
            expect(await other.refresh()).toBe(await store.revision())
            expect(seen).toEqual([])
            await store.transact((tx) => tx.createResource(resource('a')))
            await other.transact((tx) => tx.createResource(resource('own')))
            await store.transact((tx) => tx.createResource(resource('b')))
            // Its own commit is above a revision it has not seen yet: applied stays below it.
            const ownRevision = other.committedRevision()
            expect(other.appliedRevision()).toBeLessThan(ownRevision)
            // Its own commit is delivered at once; the other store's only on refresh.
            expect(seen.map((s) => s.split(':')[1])).toEqual([resource('own').name])
            const [first, again] = await Promise.all([other.refresh(), other.refresh()])
            const head = await store.revision()
            expect(first).toBe(head)
            expect(again).toBe(head)
            expect(other.appliedRevision()).toBe(head)
            expect(ownRevision).toBeLessThan(head)
            expect(seen.map((s) => s.split(':')[1])).toEqual([
              resource('own').name,
              resource('a').name,
              resource('b').name,
            ])
            await other.refresh()
            expect(seen).toHaveLength(3)
            // Many commits elsewhere: delivered in revision order, each once, across batches.
            for (let i = 0; i < 30; i++) {
              await store.transact((tx) => tx.createResource(resource(`m${i}`)))
            }
            await other.refresh()
            const revisions = seen.slice(3).map((s) => Number(s.split(':')[0]))
            expect(revisions).toHaveLength(30)
            expect(revisions).toEqual([...revisions].sort((a, b) => a - b))
            expect(other.appliedRevision()).toBe(await store.revision())
          } finally {
            unsubscribe()
            await other.close()
          }
        },
      )

      testSame(
        "two stores on one database both work and see each other's commits",
        async (openSame) => {
          const other = await openSame(store)
          try {
            await store.transact((tx) => tx.createResource(resource('s1')))
            expect(await other.getResource(resource('s1').name)).toEqual(resource('s1'))
            const batch = await other.changesSince(0)
            expect(batch.changes.map((c) => c.name)).toEqual([resource('s1').name])
            await other.transact((tx) => tx.createResource(resource('s2')))
            expect(await store.getResource(resource('s2').name)).toEqual(resource('s2'))
            // Concurrent writers through both stores serialize and lose nothing.
            const R = `${LOC}/services/shared`
            const members = Array.from({ length: 20 }, (_, i) => `user:m${i}@example.com`)
            await Promise.all(members.map((m, i) => addMember(i % 2 === 0 ? store : other, R, m)))
            const final = await other.getPolicy(R)
            expect([...(final?.policy.bindings?.[0]?.members ?? [])].sort()).toEqual(
              [...members].sort(),
            )
            const revisions = (await store.changesSince(0)).changes.map((c) => c.revision)
            expect(revisions).toEqual([...revisions].sort((a, b) => a - b))
            expect(new Set(revisions).size).toBe(revisions.length)
          } finally {
            await other.close()
          }
        },
      )
    })
  })
}
