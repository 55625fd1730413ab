// export/import across engines: a store populated through the admin API (every kind of record)
// goes SQLite → export → PostgreSQL → export → SQLite, and every get/list the API offers answers
// the same on all three (etags included), the exports are identical, and decisions are the same.
// Then the file is attacked as an outsider would: truncated, wrong format, oversized, duplicated
// names, members/roles/conditions the API refuses, `../` in names, a non-empty target, hostile
// nesting, a private key posing as a public one, writes failing or connections killed mid-import,
// and the commands pointed at the data folder's own files or at databases they cannot open.
import { execFile } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { exportJWK, generateKeyPair } from 'jose'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Code, isIamError } from '@runiam/core'
import type { Store } from '@runiam/store'
import { openPostgresStore } from '@runiam/store/postgres'
import { openSqliteStore } from '@runiam/store/sqlite'
import { OWNER, startHarness, type Harness } from '../admin/test-harness.js'
import { loadOrCreateSigningKey } from '../identity/signing-keys.js'
import { signingKeyAt, verifyingKeys } from '../services/keys/key-schedule.js'
import { opsCommand, type OpsCommand } from '../ops.js'
import type { ExportDocument } from './export-document.js'
import { readExportFile } from './export-file.js'
import { exportStore } from './export-store.js'
import { importStore } from './import-store.js'

const PG_ADMIN = process.env['RUNIAM_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const BIN = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url))
const run = promisify(execFile)

const P = 'move-project'
const LOC = `projects/${P}/locations/us-central1`
const ALICE = 'user:alice@example.com'
const BOB = 'user:bob@example.com'
// The harness's clock: custom roles' delete windows are judged against the real time on import.
const NOW = Date.now()

async function sql(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 })
  await client.connect()
  try {
    await client.query(text)
  } finally {
    await client.end()
  }
}

const dir = mkdtempSync(join(tmpdir(), 'runiam-portability-'))
const dbName = `runiam_ops_${randomBytes(5).toString('hex')}`
const pgUrl = (() => {
  const u = new URL(PG_ADMIN)
  u.pathname = `/${dbName}`
  return u.toString()
})()
const stores: Store[] = []
const harnesses: Harness[] = []

async function sqlite(name: string): Promise<Store> {
  const s = await openSqliteStore({ path: join(dir, name, 'runiam.db') })
  stores.push(s)
  return s
}

async function harness(store: Store): Promise<Harness> {
  // Key creation needs a signer only for key files' URLs; no token is signed here.
  const h = await startHarness(store, NOW, {
    serviceAccountTokens: {
      issuer: 'http://issuer.test',
      tokenUri: 'http://issuer.test/token',
      signIdToken: () => Promise.reject(new Error('not in this test')),
      signAccessToken: () => Promise.reject(new Error('not in this test')),
    },
  })
  harnesses.push(h)
  return h
}

function ok(r: { status: number; json: Record<string, unknown> }, what: string) {
  expect(r.status, `${what}: ${JSON.stringify(r.json)}`).toBe(200)
  return r.json
}

/** Everything: projects, Run resources of each kind, policies with conditions, roles, groups… */
async function populate(h: Harness): Promise<void> {
  const post = async (path: string, body: unknown) =>
    ok(await h.call('POST', path, { as: OWNER, body }), path)
  await post('/v1/projects', { projectId: P })
  await post('/v1/projects', { projectId: 'second-project' })
  await post(`/v2/${LOC}/services?serviceId=hello`, {
    template: { containers: [{ image: 'us-docker.pkg.dev/x/hello' }] },
  })
  await post(`/v2/${LOC}/jobs?jobId=batch`, {
    template: { template: { containers: [{ image: 'us-docker.pkg.dev/x/y' }] } },
  })
  // An image-only job fails at once: an execution and its task, and no process.
  await post(`/v2/${LOC}/jobs/batch:run`, {})
  await post(`/v2/${LOC}/workerPools?workerPoolId=pool`, {
    template: { containers: [{ image: 'us-docker.pkg.dev/x/pool' }] },
  })
  await post(`/v1/projects/${P}/roles`, {
    roleId: 'invoker',
    role: { title: 'Invoker', includedPermissions: ['run.routes.invoke', 'run.services.get'] },
  })
  await post(`/v1/projects/${P}/roles`, {
    roleId: 'runner',
    role: { title: 'Runner', includedPermissions: ['run.jobs.get', 'run.jobs.run'] },
  })
  await post(`/v1/projects/${P}/roles`, {
    roleId: 'gone',
    role: { title: 'Gone', includedPermissions: ['run.services.get'] },
  })
  await post(`/v2/${LOC}/services/hello:setIamPolicy`, {
    policy: {
      version: 3,
      bindings: [
        { role: `projects/${P}/roles/gone`, members: [BOB] },
        { role: 'roles/run.invoker', members: [ALICE, 'group:eng@example.com'] },
        {
          role: 'roles/run.viewer',
          members: [BOB],
          condition: {
            title: 'until 2099',
            expression: 'request.time < timestamp("2099-01-01T00:00:00Z")',
          },
        },
      ],
    },
  })
  ok(await h.call('DELETE', `/v1/projects/${P}/roles/gone`, { as: OWNER }), 'delete role')
  await post(`/v2/${LOC}/jobs/batch:setIamPolicy`, {
    policy: { bindings: [{ role: `projects/${P}/roles/runner`, members: [ALICE] }] },
  })
  await post(`/v1/projects/${P}:setIamPolicy`, {
    policy: {
      bindings: [
        { role: 'roles/viewer', members: ['domain:example.com'] },
        { role: 'roles/owner', members: [OWNER] },
        { role: `projects/${P}/roles/invoker`, members: [BOB] },
      ],
    },
  })
  await post(`/v1/projects/${P}/serviceAccounts`, {
    accountId: 'my-robot',
    serviceAccount: { displayName: 'My robot', description: 'd' },
  })
  const sa = `projects/${P}/serviceAccounts/my-robot@${P}.iam.gserviceaccount.com`
  await post(`/v1/${sa}/keys`, {})
  await post(`/v1/${sa}:setIamPolicy`, {
    policy: { bindings: [{ role: 'roles/iam.serviceAccountUser', members: [ALICE] }] },
  })
  const customer = `customers/C${h.orgId}`
  const eng = (await post('/v1/groups', {
    parent: customer,
    groupKey: { id: 'eng@example.com' },
    labels: { 'cloudidentity.googleapis.com/groups.discussion_forum': '' },
  })) as { response: { name: string } }
  const all = (await post('/v1/groups', {
    parent: customer,
    groupKey: { id: 'all@example.com' },
    labels: { 'cloudidentity.googleapis.com/groups.discussion_forum': '' },
  })) as { response: { name: string } }
  await post(`/v1/${eng.response.name}/memberships`, {
    preferredMemberKey: { id: 'carol@example.com' },
  })
  await post(`/v1/${all.response.name}/memberships`, {
    preferredMemberKey: { id: 'eng@example.com' },
    roles: [{ name: 'MEMBER' }, { name: 'MANAGER' }],
  })
  await post(`/v2/projects/${P}/policies`, {
    name: `projects/${P}/policies/iam.allowedPolicyMemberDomains`,
    spec: { rules: [{ values: { allowedValues: [`C${h.orgId}`] } }] },
  })
}

/** Every get and list the API offers over what the export holds, answers by path. */
async function observe(h: Harness, doc: ExportDocument): Promise<Record<string, unknown>> {
  const gets: string[] = [
    `/v1/organizations/${h.orgId}`,
    '/v1/projects',
    '/v3/projects?parent=organizations/' + h.orgId,
  ]
  const posts: string[] = [`/v1/organizations/${h.orgId}:getIamPolicy`]
  for (const p of doc.projects) {
    const id = p.projectId
    gets.push(
      `/v1/projects/${id}`,
      `/v3/projects/${id}`,
      `/v1/projects/${id}/roles?showDeleted=true&view=FULL`,
    )
    gets.push(`/v1/projects/${id}/serviceAccounts`, `/v2/projects/${id}/policies`)
    gets.push(
      `/v2/projects/${id}/locations/us-central1/services`,
      `/v2/projects/${id}/locations/us-central1/jobs`,
    )
    gets.push(`/v2/projects/${id}/locations/us-central1/workerPools`)
    posts.push(`/v1/projects/${id}:getIamPolicy`)
  }
  for (const r of doc.customRoles) gets.push(`/v1/${r.name}`)
  for (const r of doc.resources) {
    gets.push(`/v2/${r.name}`)
    if (r.kind === 'job') gets.push(`/v2/${r.name}/executions`)
    if (r.kind === 'execution') gets.push(`/v2/${r.name}/tasks`)
    if (r.kind === 'service' || r.kind === 'job' || r.kind === 'workerPool') {
      gets.push(`/v2/${r.name}:getIamPolicy?options.requestedPolicyVersion=3`)
    }
  }
  for (const sa of doc.serviceAccounts) {
    const name = `projects/${sa.projectId}/serviceAccounts/${sa.email}`
    gets.push(`/v1/${name}`, `/v1/${name}/keys`)
    posts.push(`/v1/${name}:getIamPolicy`)
  }
  for (const k of doc.serviceAccountKeys) {
    const sa = doc.serviceAccounts.find((s) => s.email === k.serviceAccountEmail)
    gets.push(
      `/v1/projects/${sa?.projectId ?? '-'}/serviceAccounts/${k.serviceAccountEmail}/keys/${k.keyId}`,
    )
  }
  gets.push(`/v1/groups?parent=customers/C${h.orgId}&view=FULL`)
  for (const g of doc.groups)
    gets.push(`/v1/groups/${g.id}`, `/v1/groups/${g.id}/memberships?view=FULL`)
  for (const p of doc.orgPolicies) gets.push(`/v2/${p.name}`)
  const out: Record<string, unknown> = {}
  for (const path of gets) out[`GET ${path}`] = ok(await h.call('GET', path, { as: OWNER }), path)
  for (const path of posts) {
    out[`POST ${path}`] = ok(
      await h.call('POST', path, { as: OWNER, body: { options: { requestedPolicyVersion: 3 } } }),
      path,
    )
  }
  // Decisions: what alice and bob may do on the service, the job and the project.
  for (const who of [ALICE, BOB, 'user:carol@example.com', 'user:dave@other.com']) {
    for (const [path, permissions] of [
      [
        `/v2/${LOC}/services/hello:testIamPermissions`,
        ['run.routes.invoke', 'run.services.get', 'run.services.delete'],
      ],
      [
        `/v2/${LOC}/jobs/batch:testIamPermissions`,
        ['run.routes.invoke', 'run.services.get', 'run.jobs.run'],
      ],
      [
        `/v1/projects/${P}:testIamPermissions`,
        ['resourcemanager.projects.get', 'run.services.list'],
      ],
    ] as const) {
      out[`${who} ${path}`] = ok(
        await h.call('POST', path, { as: who, body: { permissions } }),
        path,
      )
    }
  }
  return out
}

const withoutSource = (d: ExportDocument) => ({ ...d, source: undefined })

const pgUp = await sql('SELECT 1').then(
  () => true,
  () => false,
)
if (!pgUp)
  console.warn(
    '\n*** PostgreSQL unreachable: the PostgreSQL leg of portability.test.ts is SKIPPED ***\n',
  )

beforeAll(async () => {
  if (pgUp) await sql(`CREATE DATABASE ${dbName}`)
})

afterAll(async () => {
  for (const h of harnesses) await h.close()
  for (const s of stores) await s.close().catch(() => undefined)
  if (pgUp) await sql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`)
  rmSync(dir, { recursive: true, force: true })
})

/** `store`, whose transactions run `before` ahead of each call of the tx's `method`. */
function hookTx(store: Store, method: string, before: () => Promise<void>): Store {
  return new Proxy(store, {
    get(target, key) {
      if (key !== 'transact') return Reflect.get(target, key, target) as unknown
      return (fn: (tx: unknown) => Promise<unknown>) =>
        target.transact((tx) =>
          fn(
            new Proxy(tx, {
              get(t, k) {
                const v = Reflect.get(t, k, t) as unknown
                if (k !== method || typeof v !== 'function') return v
                return async (...args: unknown[]) => {
                  await before()
                  return (v as (...a: unknown[]) => unknown).apply(t, args)
                }
              },
            }),
          ),
        )
    },
  })
}

describe('export → import round trip', () => {
  let first: ExportDocument
  let firstView: Record<string, unknown>

  it('SQLite → PostgreSQL → SQLite keeps every answer, etags included, and the export itself', async () => {
    const a = await sqlite('a')
    await loadOrCreateSigningKey(a, NOW)
    const ha = await harness(a)
    await populate(ha)
    first = await exportStore(a, { includePrivateKeys: true, now: NOW })
    expect(first.resources.map((r) => r.kind).sort()).toEqual([
      'execution',
      'job',
      'service',
      'task',
      'workerPool',
    ])
    expect(first.customRoles.find((r) => r.name.endsWith('/gone'))?.deleteTime).toBeDefined()
    expect(first.memberships.some((m) => m.type === 'GROUP')).toBe(true)
    expect(first.signingKeys[0]?.privateJwk).toBeDefined()
    firstView = await observe(ha, first)

    // Through the file, as the commands do.
    const file = join(dir, 'first.json')
    writeFileSync(file, JSON.stringify(first))
    const middle = pgUp ? await openPostgresStore({ url: pgUrl }) : await sqlite('b')
    stores.push(middle)
    await importStore(middle, readExportFile(file, 64), { now: Date.now() })
    const second = await exportStore(middle, { includePrivateKeys: true, now: NOW })
    expect(withoutSource(second)).toEqual(withoutSource(first))
    expect(await observe(await harness(middle), second)).toEqual(firstView)

    const c = await sqlite('c')
    await importStore(c, JSON.parse(JSON.stringify(second)), { now: Date.now() })
    const third = await exportStore(c, { includePrivateKeys: true, now: NOW })
    expect(withoutSource(third)).toEqual(withoutSource(first))
    expect(await observe(await harness(c), third)).toEqual(firstView)
    // The same signing key signs after the move (private keys were included).
    expect(signingKeyAt(await loadOrCreateSigningKey(c, NOW), NOW)?.kid).toBe(
      first.signingKeys[0]?.kid,
    )
  })

  it('an etag read before the move still writes after it; a stale one is refused', async () => {
    const c = stores[2]
    expect(c).toBeDefined()
    const h = await harness(c as Store)
    const before = firstView[
      `GET /v2/${LOC}/services/hello:getIamPolicy?options.requestedPolicyVersion=3`
    ] as {
      etag: string
      bindings: unknown[]
    }
    const write = (etag: string) =>
      h.call('POST', `/v2/${LOC}/services/hello:setIamPolicy`, {
        as: OWNER,
        body: {
          policy: { version: 3, bindings: [{ role: 'roles/run.invoker', members: [ALICE] }], etag },
        },
      })
    const first = await write(before.etag)
    expect(first.status, JSON.stringify(first.json)).toBe(200)
    const stale = await write(before.etag)
    expect(stale.status, JSON.stringify(stale.json)).toBe(409)
  })

  it('without private keys: old public keys stay for verification, a new key signs', async () => {
    const a = stores[0] as Store
    const doc = await exportStore(a, { includePrivateKeys: false, now: NOW })
    expect(JSON.stringify(doc)).not.toContain('"d":')
    expect(doc.privateKeys).toBe('omitted')
    const d = await sqlite('d')
    await importStore(d, doc, { now: Date.now() })
    const records = await loadOrCreateSigningKey(d, Date.now())
    const key = signingKeyAt(records, Date.now())
    expect(key?.kid).toBeDefined()
    expect(key?.kid).not.toBe(first.signingKeys[0]?.kid)
    const kids = verifyingKeys(records, Date.now()).map((k) => k.kid)
    expect(kids).toContain(first.signingKeys[0]?.kid)
    expect(kids).toContain(key?.kid)
    // The service account's key (public half) came along: its key file keeps working.
    expect((await d.listServiceAccountKeys(`my-robot@${P}.iam.gserviceaccount.com`)).length).toBe(1)
    // And the store moves on again, private keys and all: the verify-only keys stay verify-only.
    const again = await exportStore(d, { includePrivateKeys: true, now: NOW })
    expect(again.signingKeys.filter((k) => k.privateJwk !== undefined).map((k) => k.kid)).toEqual([
      key?.kid,
    ])
    const e = await sqlite('e')
    await importStore(e, again, { now: Date.now() })
    expect(signingKeyAt(await loadOrCreateSigningKey(e, Date.now()), Date.now())?.kid).toBe(
      key?.kid,
    )
  })

  describe('attacks on the file', () => {
    const fresh = async (): Promise<Store> => sqlite(`attack-${randomBytes(4).toString('hex')}`)
    const clone = (): Record<string, unknown> & ExportDocument =>
      JSON.parse(JSON.stringify(first)) as Record<string, unknown> & ExportDocument
    async function refused(doc: unknown, message: RegExp): Promise<void> {
      await refusedWith(doc, message)
    }
    async function refusedWith(doc: unknown, message: RegExp): Promise<Error> {
      const s = await fresh()
      const err = await importStore(s, doc, { now: Date.now() }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(isIamError(err), String(err)).toBe(true)
      expect((err as Error).message).toMatch(message)
      // Nothing was written: the import is one transaction.
      expect(await s.getOrganization()).toBeUndefined()
      expect((await s.listSigningKeys()).length).toBe(0)
      return err as Error
    }
    type Mutable = { -readonly [K in keyof ExportDocument]: unknown } & Record<string, unknown>
    const edit = (fn: (d: Mutable) => void): unknown => {
      const d = clone() as unknown as Mutable
      fn(d)
      return d
    }
    const policyIndex = () =>
      first.policies.findIndex((p) => p.resource === `${LOC}/services/hello`)

    it('refuses a truncated file, another format, another version', async () => {
      const text = JSON.stringify(first)
      const file = join(dir, 'truncated.json')
      writeFileSync(file, text.slice(0, text.length / 2))
      expect(() => readExportFile(file, 64)).toThrow(
        /not valid JSON \(a truncated or damaged file\?\)/,
      )
      await refused({ format: 'something-else', version: 1 }, /not a runiam export/)
      await refused([1, 2], /not a runiam export/)
      await refused(
        edit((d) => (d['version'] = 2)),
        /reads export version 1; the file is version 2/,
      )
      await refused(
        edit((d) => delete d['policies']),
        /no 'policies' section/,
      )
      await refused(
        edit((d) => (d['extra'] = {})),
        /unknown field 'extra'/,
      )
    })

    it('reads a file an editor saved with a byte order mark', () => {
      const file = join(dir, 'bom.json')
      writeFileSync(file, `\uFEFF${JSON.stringify(first)}`)
      expect(readExportFile(file, 64)).toEqual(first)
    })

    it('a file that fails to read is IMPORT_FILE_UNREADABLE naming it, not a bare EIO', () => {
      // A regular file by stat whose read fails (Linux): as a disk error or a permission would.
      const err = (() => {
        try {
          readExportFile('/proc/self/mem', 64)
        } catch (e) {
          return e
        }
        return undefined
      })()
      expect(isIamError(err) && err.reason, String(err)).toBe('IMPORT_FILE_UNREADABLE')
      expect((err as Error).message).toMatch(/^Cannot read \/proc\/self\/mem: EIO/)
    })

    it('refuses a 100 MB file before reading it', () => {
      const file = join(dir, 'huge.json')
      writeFileSync(file, '')
      truncateSync(file, 100 * 1024 * 1024)
      expect(() => readExportFile(file, 64)).toThrow(
        /is 100\.0 MiB, more than the 64 MiB .* --max-file-mb=100/,
      )
    })

    it('refuses duplicate names, naming both entries', async () => {
      await refused(
        edit((d) => (d['projects'] = [...first.projects, first.projects[0]])),
        /projects\[\d+\] \(move-project\): duplicate project id "move-project" \(also projects\[\d+\]/,
      )
      await refused(
        edit((d) => (d['resources'] = [...first.resources, { ...first.resources[0] }])),
        /duplicate resource name/,
      )
      await refused(
        edit((d) => (d['policies'] = [...first.policies, first.policies[0]])),
        /duplicate policy of/,
      )
    })

    it('refuses members, roles and conditions the API refuses, naming the entry', async () => {
      const i = policyIndex()
      const withBinding = (binding: unknown) =>
        edit((d) => {
          const p = (d['policies'] as { policy: { bindings: unknown[] } }[])[i]
          p?.policy.bindings.push(binding)
        })
      const prefix = `^policies\\[${i}\\] \\(${LOC.replaceAll('/', '\\/')}\\/services\\/hello\\): `
      const at = (why: string) => new RegExp(prefix + why)
      await refused(
        withBinding({ role: 'roles/run.invoker', members: ['user:not an email'] }),
        at('.*not a valid email'),
      )
      await refused(
        withBinding({ role: 'roles/run.invoker', members: ['alice@example.com'] }),
        at('Policy members must be of the form'),
      )
      await refused(
        withBinding({ role: 'roles/no.such.role', members: [ALICE] }),
        at('Role \\(roles/no.such.role\\) does not exist'),
      )
      await refused(
        withBinding({ role: 'roles/owner', members: [ALICE] }),
        /not supported for this resource/,
      )
      await refused(
        withBinding({
          role: 'roles/run.invoker',
          members: [ALICE],
          condition: { title: 't', expression: 'request.time <' },
        }),
        at('Condition expression "request.time <" is invalid'),
      )
      await refused(
        withBinding({
          role: 'roles/run.invoker',
          members: [ALICE],
          condition: { title: 't', expression: 'resource.nope == 1' },
        }),
        at(".*undefined attribute 'resource.nope'"),
      )
      // A project's custom role cannot grant in another project.
      await refused(
        edit((d) => {
          const p = (d['policies'] as { resource: string; policy: { bindings: unknown[] } }[]).find(
            (x) => x.resource === 'projects/second-project',
          )
          if (p === undefined)
            (d['policies'] as unknown[]).push({
              resource: 'projects/second-project',
              etag: 'x',
              updateTime: first.policies[0]?.updateTime,
              policy: {
                version: 1,
                bindings: [{ role: `projects/${P}/roles/invoker`, members: [ALICE] }],
              },
            })
          else p.policy.bindings.push({ role: `projects/${P}/roles/invoker`, members: [ALICE] })
        }),
        /policies\[\d+\] \(projects\/second-project\): Role \(projects\/move-project\/roles\/invoker\) does not exist/,
      )
      // A membership naming a group that is not in the file.
      await refused(
        edit((d) => {
          const m = (d['memberships'] as Record<string, unknown>[]).find(
            (x) => x['type'] === 'GROUP',
          )
          if (m !== undefined) m['memberGroupId'] = '0nosuchgroup123'
        }),
        /memberships\[\d+\]: its member group 0nosuchgroup123 is not a group of the file/,
      )
    })

    it("refuses '../' and other malformed names", async () => {
      const r0 = first.resources.findIndex((r) => r.kind === 'service')
      await refused(
        edit((d) => {
          const r = (d['resources'] as Record<string, unknown>[])[r0]
          if (r !== undefined) r['name'] = `${LOC}/services/../x`
        }),
        new RegExp(
          `resources\\[${r0}\\] \\(${LOC.replaceAll('/', '\\/')}\\/services\\/\\.\\.\\/x\\)`,
        ),
      )
      await refused(
        edit((d) => {
          const p = (d['projects'] as Record<string, unknown>[])[0]
          if (p !== undefined) p['projectId'] = '../x'
        }),
        /projects\[0\]: Invalid project ID "\.\.\/x"/,
      )
      await refused(
        edit((d) => {
          const g = (d['groups'] as Record<string, unknown>[])[0]
          if (g !== undefined) g['id'] = '../x'
        }),
        /groups\[0\]/,
      )
      await refused(
        edit((d) => {
          const k = (d['signingKeys'] as Record<string, unknown>[])[0]
          if (k !== undefined) k['kid'] = '../../etc/passwd'
        }),
        /signingKeys\[0\] \(\.\.\/\.\.\/etc\/passwd\): field 'kid' is not a key id/,
      )
    })

    it('refuses a key pair that does not match, and a private key in a file that says none', async () => {
      await refused(
        edit((d) => (d['privateKeys'] = 'omitted')),
        /signingKeys\[0\].*says private keys are omitted, but this key has a 'privateJwk'/,
      )
      await refused(
        edit((d) => {
          const k = (d['signingKeys'] as Record<string, unknown>[])[0]
          if (k !== undefined) delete k['privateJwk']
        }),
        /signingKeys\[0\].*which is not retired, has no 'privateJwk'/,
      )
      const other = await exportStore(stores[3] as Store, { includePrivateKeys: true, now: NOW })
      await refused(
        edit((d) => {
          const k = (d['signingKeys'] as Record<string, unknown>[])[0]
          const o = other.signingKeys.find((x) => x.retireTime === undefined)
          if (k !== undefined && o !== undefined) k['privateJwk'] = o.privateJwk
        }),
        /is not the private half of its 'publicJwk'/,
      )
      // A public key carrying its private primes (no `d`): the JWKS would publish them.
      for (const member of ['d', 'p']) {
        await refused(
          edit((d) => {
            const k = (d['signingKeys'] as Record<string, unknown>[])[0]
            const priv = k?.['privateJwk'] as Record<string, unknown> | undefined
            if (k !== undefined && priv !== undefined)
              k['publicJwk'] = { ...(k['publicJwk'] as object), [member]: priv[member] }
          }),
          /signingKeys\[0\].*its 'publicJwk' holds a private key/,
        )
      }
      // A well-formed key of an algorithm runiam never signs with: stored, it would become the
      // signing key and every token minted with it would fail (an RS256 header on an EC key).
      const ec = await generateKeyPair('ES256', { extractable: true })
      const ecPublic = await exportJWK(ec.publicKey)
      const ecPrivate = await exportJWK(ec.privateKey)
      await refused(
        edit((d) => {
          const k = (d['signingKeys'] as Record<string, unknown>[])[0]
          if (k === undefined) return
          k['alg'] = 'ES256'
          k['publicJwk'] = { ...ecPublic, kid: k['kid'], alg: 'ES256', use: 'sig' }
          k['privateJwk'] = { ...ecPrivate, kid: k['kid'], alg: 'ES256' }
        }),
        /signingKeys\[0\].*field 'alg' must be one of RS256, got "ES256"/,
      )
    })

    it('refuses limits, versions, permissions and orphans the API refuses, naming the value', async () => {
      const i = policyIndex()
      const hello = (fn: (p: { version?: number; bindings: unknown[] }) => void) =>
        edit((d) => {
          const p = (d['policies'] as { policy: { version?: number; bindings: unknown[] } }[])[i]
          if (p !== undefined) fn(p.policy)
        })
      const many = Array.from({ length: 1501 }, (_, n) => `user:u${n}@example.com`)
      await refused(
        hello((p) => p.bindings.push({ role: 'roles/run.invoker', members: many })),
        new RegExp(
          `^policies\\[${i}\\] .*members in the policy \\(1,\\d+\\) is larger than the maximum allowed size 1,500`,
        ),
      )
      await refused(
        hello((p) => {
          p.version = 1
          p.bindings.push({
            role: 'roles/run.invoker',
            members: [BOB],
            condition: {
              title: 't',
              expression: 'request.time < timestamp("2030-01-01T00:00:00Z")',
            },
          })
        }),
        new RegExp(
          `^policies\\[${i}\\] .*policy version \\(1\\) does not support conditional role bindings`,
        ),
      )
      await refused(
        edit((d) => {
          const r = (d['customRoles'] as { includedPermissions: string[] }[])[0]
          r?.includedPermissions.push('run.nothing.here')
        }),
        /^customRoles\[0\] .*Permission run\.nothing\.here is not valid/,
      )
      await refused(
        edit((d) => {
          const k = (d['serviceAccountKeys'] as Record<string, unknown>[])[0]
          if (k !== undefined) k['serviceAccountEmail'] = `nobody@${P}.iam.gserviceaccount.com`
        }),
        /^serviceAccountKeys\[0\] .*its service account nobody@move-project\.iam\.gserviceaccount\.com is not in the file/,
      )
      // The API keeps only name, spec and etag of an org policy, and serves the record as kept.
      for (const extra of ['dryRunSpec', 'comment'])
        await refused(
          edit((d) => {
            const o = (d['orgPolicies'] as { policy: Record<string, unknown> }[])[0]
            if (o !== undefined) o.policy[extra] = { rules: [{ enforce: true }] }
          }),
          new RegExp(`^orgPolicies\\[0\\] .*unknown field 'policy\\.${extra}'`),
        )
      // A private key pasted where the public half goes: never kept, never echoed.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
      const err = await refusedWith(
        edit((d) => {
          const k = (d['serviceAccountKeys'] as Record<string, unknown>[])[0]
          if (k !== undefined) k['publicKeyPem'] = privatePem
        }),
        /^serviceAccountKeys\[0\] .*field 'publicKeyPem' holds a private key/,
      )
      expect(err.message).not.toContain(privatePem.split('\n')[1])
      await refused(
        edit((d) => {
          const r = (d['resources'] as Record<string, unknown>[]).find(
            (x) => x['kind'] === 'service',
          )
          if (r !== undefined) {
            r['name'] = 'projects/elsewhere/locations/us-central1/services/hello'
            r['parent'] = 'projects/elsewhere/locations/us-central1'
            r['body'] = {}
          }
        }),
        /^resources\[\d+\] .*its project elsewhere is not in the file/,
      )
    })

    it('refuses a body nested deeper than any record, naming the entry, instead of overflowing', async () => {
      const r0 = first.resources.findIndex((r) => r.kind === 'service')
      const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown
      await refused(
        edit((d) => {
          const r = (d['resources'] as { body: Record<string, unknown> }[])[r0]
          if (r !== undefined) r.body['annotations'] = deep
        }),
        new RegExp(`^resources\\[${r0}\\] \\(.*\\): field 'body' nests deeper than 64 levels`),
      )
    })

    it('a write failing at the last entry of the file leaves the SQLite store as it was', async () => {
      const s = await fresh()
      const failing = hookTx(s, 'putSigningKey', () => Promise.reject(new Error('disk full')))
      await expect(importStore(failing, first, { now: Date.now() })).rejects.toThrow(/disk full/)
      const after = await exportStore(s, { includePrivateKeys: true, now: NOW })
      expect(after.organization).toBeNull()
      for (const k of ['projects', 'resources', 'policies', 'customRoles', 'groups'] as const)
        expect(after[k]).toEqual([])
      expect(after.signingKeys).toEqual([])
    })

    it('PostgreSQL connections killed mid-import: all of it or none of it', async (ctx) => {
      if (!pgUp) ctx.skip()
      const name = `runiam_ops_k_${randomBytes(4).toString('hex')}`
      await sql(`CREATE DATABASE ${name}`)
      const u = new URL(PG_ADMIN)
      u.pathname = `/${name}`
      const killTx = () =>
        sql(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND state = 'idle in transaction'`,
        )
      /** The store, its transactions' connection terminated before each of the first `kills` policies' writes. */
      const killing = (store: Store, kills: number): Store => {
        let left = kills
        return hookTx(store, 'putPolicy', async () => {
          if (left-- > 0) await killTx()
        })
      }
      try {
        const store = await openPostgresStore({ url: u.toString() })
        stores.push(store)
        // Killed at every attempt: refused, and nothing of the file is in the database.
        const err = await importStore(killing(store, 1000), first, { now: Date.now() }).catch(
          (e: unknown) => e,
        )
        expect(isIamError(err) && err.code, String(err)).toBe(Code.UNAVAILABLE)
        expect(await store.getOrganization()).toBeUndefined()
        expect((await store.listProjects({ pageSize: 10 })).items).toEqual([])
        expect(await store.listSigningKeys()).toEqual([])
        // Killed once: the transaction is run again from the start, and the whole file is in.
        await importStore(killing(store, 1), first, { now: Date.now() })
        const again = await exportStore(store, { includePrivateKeys: true, now: NOW })
        expect({ ...again, source: first.source }).toEqual(first)
      } finally {
        await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      }
    })

    it('refuses a store that is not empty, naming what is there', async () => {
      const s = await fresh()
      await importStore(s, first, { now: Date.now() })
      const err = await importStore(s, first, { now: Date.now() }).catch((e: unknown) => e)
      expect((err as Error).message).toMatch(
        new RegExp(
          `^The store is not empty \\(organizations/${first.organization?.id}; projects move-project, runiam-system|^The store is not empty \\(organizations/${first.organization?.id}; projects `,
        ),
      )
    })
  })
})

describe('the commands (built CLI)', () => {
  /** The command in this process: its output, or its error. */
  const ops = async (command: OpsCommand, ...args: string[]): Promise<string> => {
    let out = ''
    await opsCommand(command, args, (text) => (out += text))
    return out
  }
  const cli = (...args: string[]) =>
    run(process.execPath, [BIN, ...args], { encoding: 'utf8' }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    )

  it('export: 0600, atomic, and no secret on stdout or stderr; import likewise', async () => {
    const data = join(dir, 'a')
    const file = join(dir, 'cli-export.json')
    // A readable file left under the name is replaced, not written into.
    writeFileSync(file, 'old', { mode: 0o644 })
    const out = await cli('export', '--data', data, '--output', file, '--include-private-keys')
    expect(out.code, out.stderr).toBe(0)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([])
    const doc = JSON.parse(readFileSync(file, 'utf8')) as ExportDocument
    const d = String(doc.signingKeys[0]?.privateJwk?.['d'])
    expect(d.length).toBeGreaterThan(20)
    expect(out.stdout + out.stderr).not.toContain(d)
    expect(out.stdout).toMatch(/^Exported SQLite store .* private keys included\.\n$/)
    const imported = await cli('import', file, '--data', join(dir, 'cli-import'))
    expect(imported.code, imported.stderr).toBe(0)
    expect(imported.stdout + imported.stderr).not.toContain(d)
    // Again: the store is no longer empty.
    const again = await cli('import', file, '--data', join(dir, 'cli-import'))
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(
      /^ERROR: \(runiam\.import\) FAILED_PRECONDITION: The store is not empty/,
    )
    expect(again.stderr).not.toContain(d)
  })

  it('refuses a huge file with a clear message, and a bad file without creating a store', async () => {
    const huge = join(dir, 'huge-cli.json')
    writeFileSync(huge, '')
    truncateSync(huge, 100 * 1024 * 1024)
    const r = await cli('import', huge, '--data', join(dir, 'never'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(
      /^ERROR: \(runiam\.import\) INVALID_ARGUMENT: .*huge-cli\.json is 100\.0 MiB, more than the 64 MiB/,
    )
    expect(() => statSync(join(dir, 'never'))).toThrow()
    // In-process from here on (the same code; a process each costs seconds on a busy machine).
    const missing = ops('export', '--data', join(dir, 'nowhere'), '--output', join(dir, 'x.json'))
    await expect(missing).rejects.toThrow(/^There is no runiam store at/)
    await expect(ops('export', '--data', join(dir, 'a'))).rejects.toThrow(
      /--output: FILE is required/,
    )
    await expect(ops('import', huge, '--max-file-mb', 'lots')).rejects.toThrow(
      /--max-file-mb: a whole number of MiB/,
    )
    await expect(ops('migrate', '--data', join(dir, 'a'), '--bogus')).rejects.toThrow(
      /unrecognized arguments: --bogus/,
    )
  })

  it('export refuses to write over its own store, its WAL or the bootstrap key file', async () => {
    const data = join(dir, 'a')
    const before = readFileSync(join(data, 'runiam.db'))
    writeFileSync(join(data, 'bootstrap-key.json'), '{"private_key": "only copy"}')
    for (const name of ['runiam.db', 'runiam.db-wal', 'runiam.db-shm', 'bootstrap-key.json']) {
      await expect(
        ops('export', '--data', data, '--output', join(dir, 'a', '..', 'a', name)),
      ).rejects.toThrow(
        /^argument --output: .* is a file of runiam's data folder; write the export elsewhere$/,
      )
    }
    expect(readFileSync(join(data, 'runiam.db')).equals(before)).toBe(true)
    expect(readFileSync(join(data, 'bootstrap-key.json'), 'utf8')).toContain('only copy')
    rmSync(join(data, 'bootstrap-key.json'))
  })

  it('export through a symlink at --output replaces the link, never writes the file it points to', async () => {
    const target = join(dir, 'link-target.txt')
    writeFileSync(target, 'keep me', { mode: 0o644 })
    const link = join(dir, 'link-export.json')
    symlinkSync(target, link)
    await ops('export', '--data', join(dir, 'a'), '--output', link, '--include-private-keys')
    expect(lstatSync(link).isFile()).toBe(true)
    expect(statSync(link).mode & 0o777).toBe(0o600)
    expect(readFileSync(target, 'utf8')).toBe('keep me')
    expect(statSync(target).mode & 0o777).toBe(0o644)
  })

  it('--data naming a file is a clear INVALID_CONFIG, not a bare EEXIST', async () => {
    const file = join(dir, 'a-file-not-a-folder')
    writeFileSync(file, 'x')
    const err = await ops('import', join(dir, 'cli-export.json'), '--data', file).catch(
      (e: unknown) => e,
    )
    expect(isIamError(err) && err.reason, String(err)).toBe('INVALID_CONFIG')
    expect((err as Error).message).toMatch(
      /^--data .*a-file-not-a-folder is not a folder and cannot be made one: EEXIST/,
    )
    expect(readFileSync(file, 'utf8')).toBe('x')
  })

  it('import of a file refused entry by entry makes no data folder', async () => {
    const file = join(dir, 'refused.json')
    const doc = JSON.parse(readFileSync(join(dir, 'cli-export.json'), 'utf8')) as {
      projects: { projectId: string }[]
    }
    ;(doc.projects[0] as { projectId: string }).projectId = '../x'
    writeFileSync(file, JSON.stringify(doc))
    const target = join(dir, 'never-made')
    await expect(ops('import', file, '--data', target)).rejects.toThrow(/^projects\[0\]: /)
    expect(() => statSync(target)).toThrow()
  })

  it('migrate against a database it cannot open says why, never prints the password, leaves no partial schema', async (ctx) => {
    if (!pgUp) ctx.skip()
    const u = new URL(PG_ADMIN)
    u.password = 'pa55word-never-shown'
    u.pathname = `/runiam_ops_missing_${randomBytes(4).toString('hex')}`
    const missing = await ops('migrate', '--database', u.toString()).catch((e: unknown) => e)
    expect(String((missing as Error).message)).toMatch(
      /^Cannot open the PostgreSQL database: database "runiam_ops_missing_[0-9a-f]+" does not exist\.$/,
    )
    const refused = await ops(
      'migrate',
      '--database',
      'postgres://u:pa55word-never-shown@127.0.0.1:1/x',
    ).catch((e: unknown) => e)
    expect(String((refused as Error).message)).toMatch(
      /^Cannot open the PostgreSQL database: connect ECONNREFUSED 127\.0\.0\.1:1\.$/,
    )
    for (const e of [missing, refused]) expect(JSON.stringify(e)).not.toContain('pa55word')
    // Another application's database: its table stops the schema, which is not left half made.
    const name = `runiam_ops_o_${randomBytes(4).toString('hex')}`
    await sql(`CREATE DATABASE ${name}`)
    try {
      const other = new URL(PG_ADMIN)
      other.pathname = `/${name}`
      const client = new pg.Client({ connectionString: other.toString() })
      await client.connect()
      try {
        await client.query('CREATE TABLE projects (x int)')
        await expect(ops('migrate', '--database', other.toString())).rejects.toThrow(
          /^Cannot open the PostgreSQL database: relation "projects" already exists\.$/,
        )
        const tables = await client.query<{ t: string }>(
          "SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'",
        )
        expect(tables.rows.map((r) => r.t)).toEqual(['projects'])
      } finally {
        await client.end()
      }
    } finally {
      await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('export never migrates: a database with no runiam schema is refused and none is made', async (ctx) => {
    if (!pgUp) ctx.skip()
    const name = `runiam_ops_x_${randomBytes(4).toString('hex')}`
    await sql(`CREATE DATABASE ${name}`)
    try {
      const u = new URL(PG_ADMIN)
      u.pathname = `/${name}`
      const file = join(dir, 'never-written.json')
      await expect(
        ops('export', '--database', u.toString(), '--output', file),
      ).rejects.toMatchObject({ reason: 'SCHEMA_TOO_OLD' })
      expect(existsSync(file)).toBe(false)
      const client = new pg.Client({ connectionString: u.toString() })
      await client.connect()
      try {
        const tables = await client.query(
          "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        )
        expect(tables.rows).toEqual([])
      } finally {
        await client.end()
      }
    } finally {
      await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('migrate prints the schema version before and after, and is idempotent (SQLite and PostgreSQL)', async () => {
    const data = join(dir, 'migrate')
    const first = await cli('migrate', '--data', data)
    expect(first.stdout).toMatch(
      /Schema version before: 0 \(new database\)\nSchema version after: (\d+) \(applied: 1, 2, .*\)\n$/,
    )
    const again = await ops('migrate', '--data', data)
    expect(again).toMatch(
      /Schema version before: (\d+)\nSchema version after: \1 \(nothing to apply\)\n$/,
    )
    if (!pgUp) return
    const name = `runiam_ops_m_${randomBytes(4).toString('hex')}`
    await sql(`CREATE DATABASE ${name}`)
    try {
      const u = new URL(PG_ADMIN)
      u.pathname = `/${name}`
      const m1 = await ops('migrate', '--database', u.toString())
      expect(m1).toMatch(
        /^PostgreSQL database\nSchema version before: 0 \(new database\)\nSchema version after: \d+ \(applied: 1, /,
      )
      expect(m1).not.toContain('postgres://')
      expect(await ops('migrate', '--database', u.toString())).toMatch(/\(nothing to apply\)/)
    } finally {
      await sql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })

  it('--help for each command', async () => {
    const r = await cli('import', '--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Usage: runiam import FILE /)
    for (const c of ['export', 'migrate'] as const) {
      expect(await ops(c, '--help')).toMatch(new RegExp(`^Usage: runiam ${c} `))
    }
  })
})
