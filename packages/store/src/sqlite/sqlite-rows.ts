// Row operations on one better-sqlite3 connection, with statements prepared once per connection.
// The same class serves the reader connection (reads only) and the write connection (inside
// transact). Driver errors are translated here, before anything leaves the engine.
import type Database from 'better-sqlite3'
import type {
  OperationRecord,
  OrganizationRecord,
  OrgPolicyRecord,
  ProjectRecord,
  ResourceKind,
  ResourceRecord,
  ServiceAccountKeyRecord,
  ServiceAccountRecord,
  SigningKeyRecord,
  StoredPolicy,
} from '../records.js'
import type { RowWrites } from '../internal/row-ops.js'
import { SqliteGroupRows } from './sqlite-group-rows.js'
import { translateSqliteError } from './sqlite-errors.js'
import { SqliteCustomRoleRows } from './sqlite-custom-role-rows.js'
import { SqliteRecommenderRows } from './sqlite-recommender-rows.js'
import { SqliteDenyPolicyRows } from './sqlite-deny-policy-rows.js'
import { SqliteAuditEntryRows } from './sqlite-audit-entry-rows.js'

interface ResourceRow {
  name: string
  kind: string
  parent: string
  etag: string
  create_time: string
  update_time: string
  body: string
}

interface PolicyRow {
  resource: string
  etag: string
  update_time: string
  policy: string
}

interface OrgPolicyRow {
  name: string
  parent: string
  etag: string
  update_time: string
  policy: string
}

const ORG_POLICY_COLUMNS = 'name, parent, etag, update_time, policy'

function toOrgPolicy(row: OrgPolicyRow): OrgPolicyRecord {
  return {
    name: row.name,
    parent: row.parent,
    policy: JSON.parse(row.policy) as Record<string, unknown>,
    etag: row.etag,
    updateTime: row.update_time,
  }
}

const RESOURCE_COLUMNS = 'name, kind, parent, etag, create_time, update_time, body'
const POLICY_COLUMNS = 'resource, etag, update_time, policy'

function toResource(row: ResourceRow): ResourceRecord {
  return {
    name: row.name,
    kind: row.kind as ResourceKind,
    parent: row.parent,
    body: JSON.parse(row.body) as Record<string, unknown>,
    etag: row.etag,
    createTime: row.create_time,
    updateTime: row.update_time,
  }
}

function toPolicy(row: PolicyRow): StoredPolicy {
  return {
    resource: row.resource,
    policy: JSON.parse(row.policy) as StoredPolicy['policy'],
    etag: row.etag,
    updateTime: row.update_time,
  }
}

function parseRecord<T>(row: { record: string } | undefined): T | undefined {
  return row === undefined ? undefined : (JSON.parse(row.record) as T)
}

function sync<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn())
  } catch (error) {
    return Promise.reject(translateSqliteError(error))
  }
}

export class SqliteRows implements RowWrites {
  readonly #db: Database.Database
  readonly #statements = new Map<string, Database.Statement>()
  readonly groups: SqliteGroupRows
  readonly customRoles: SqliteCustomRoleRows
  readonly recommender: SqliteRecommenderRows
  readonly denyPolicies: SqliteDenyPolicyRows
  readonly auditEntries: SqliteAuditEntryRows

  constructor(db: Database.Database) {
    this.#db = db
    this.groups = new SqliteGroupRows(db)
    this.customRoles = new SqliteCustomRoleRows(db)
    this.recommender = new SqliteRecommenderRows(db)
    this.denyPolicies = new SqliteDenyPolicyRows(db)
    this.auditEntries = new SqliteAuditEntryRows(db)
  }

  #stmt(sql: string): Database.Statement {
    let stmt = this.#statements.get(sql)
    if (stmt === undefined) {
      stmt = this.#db.prepare(sql)
      this.#statements.set(sql, stmt)
    }
    return stmt
  }

  #get<R>(sql: string, ...params: unknown[]): R | undefined {
    return this.#stmt(sql).get(...params) as R | undefined
  }

  #all<R>(sql: string, ...params: unknown[]): R[] {
    return this.#stmt(sql).all(...params) as R[]
  }

  #run(sql: string, ...params: unknown[]): boolean {
    return this.#stmt(sql).run(...params).changes > 0
  }

  // --- reads

  organization(): Promise<OrganizationRecord | undefined> {
    return sync(() => parseRecord(this.#get('SELECT record FROM organizations LIMIT 1')))
  }

  project(idOrNumber: string): Promise<ProjectRecord | undefined> {
    return sync(() =>
      parseRecord(
        this.#get(
          // An id match wins over a number match (ids start with a letter, so both cannot happen).
          'SELECT record FROM projects WHERE project_id = ? OR project_number = ? ORDER BY project_id = ? DESC LIMIT 1',
          idOrNumber,
          idOrNumber,
          idOrNumber,
        ),
      ),
    )
  }

  projects(after: string | undefined, limit: number): Promise<ProjectRecord[]> {
    return sync(() =>
      this.#all<{ record: string }>(
        'SELECT record FROM projects WHERE project_id > ? ORDER BY project_id LIMIT ?',
        after ?? '',
        limit,
      ).map((r) => JSON.parse(r.record) as ProjectRecord),
    )
  }

  resource(name: string): Promise<ResourceRecord | undefined> {
    return sync(() => {
      const row = this.#get<ResourceRow>(
        `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE name = ?`,
        name,
      )
      return row === undefined ? undefined : toResource(row)
    })
  }

  resourceKind(name: string): Promise<ResourceKind | undefined> {
    return sync(() => {
      const row = this.#get<{ kind: string }>('SELECT kind FROM resources WHERE name = ?', name)
      return row?.kind as ResourceKind | undefined
    })
  }

  resources(
    parent: string,
    kind: ResourceKind,
    after: string | undefined,
    limit: number,
  ): Promise<ResourceRecord[]> {
    return sync(() =>
      this.#all<ResourceRow>(
        `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE parent = ? AND kind = ? AND name > ? ORDER BY name LIMIT ?`,
        parent,
        kind,
        after ?? '',
        limit,
      ).map(toResource),
    )
  }

  allResources(kind: ResourceKind): Promise<ResourceRecord[]> {
    return sync(() =>
      this.#all<ResourceRow>(
        `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = ? ORDER BY name`,
        kind,
      ).map(toResource),
    )
  }

  policy(resource: string): Promise<StoredPolicy | undefined> {
    return sync(() => {
      const row = this.#get<PolicyRow>(
        `SELECT ${POLICY_COLUMNS} FROM policies WHERE resource = ?`,
        resource,
      )
      return row === undefined ? undefined : toPolicy(row)
    })
  }

  policies(resources: readonly string[]): Promise<StoredPolicy[]> {
    return sync(() =>
      this.#all<PolicyRow>(
        `SELECT ${POLICY_COLUMNS} FROM policies WHERE resource IN (SELECT value FROM json_each(?))`,
        JSON.stringify(resources),
      ).map(toPolicy),
    )
  }

  operation(name: string): Promise<OperationRecord | undefined> {
    return sync(() => {
      const row = this.#get<{ name: string; create_time: string; body: string }>(
        'SELECT name, create_time, body FROM operations WHERE name = ?',
        name,
      )
      return row === undefined
        ? undefined
        : {
            name: row.name,
            body: JSON.parse(row.body) as Record<string, unknown>,
            createTime: row.create_time,
          }
    })
  }

  operations(
    from: string,
    to: string,
    after: string | undefined,
    limit: number,
  ): Promise<OperationRecord[]> {
    return sync(() =>
      this.#all<{ name: string; create_time: string; body: string }>(
        'SELECT name, create_time, body FROM operations WHERE name >= ? AND name < ? AND name > ? ORDER BY name LIMIT ?',
        from,
        to,
        after ?? '',
        limit,
      ).map((row) => ({
        name: row.name,
        body: JSON.parse(row.body) as Record<string, unknown>,
        createTime: row.create_time,
      })),
    )
  }

  orgPolicy(name: string): Promise<OrgPolicyRecord | undefined> {
    return sync(() => {
      const row = this.#get<OrgPolicyRow>(
        `SELECT ${ORG_POLICY_COLUMNS} FROM org_policies WHERE name = ?`,
        name,
      )
      return row === undefined ? undefined : toOrgPolicy(row)
    })
  }

  orgPolicies(
    parent: string,
    after: string | undefined,
    limit: number,
  ): Promise<OrgPolicyRecord[]> {
    return sync(() =>
      this.#all<OrgPolicyRow>(
        `SELECT ${ORG_POLICY_COLUMNS} FROM org_policies WHERE parent = ? AND name > ? ORDER BY name LIMIT ?`,
        parent,
        after ?? '',
        limit,
      ).map(toOrgPolicy),
    )
  }

  signingKeys(): Promise<SigningKeyRecord[]> {
    return sync(() =>
      this.#all<{ record: string }>(
        'SELECT record FROM signing_keys ORDER BY create_time, kid',
      ).map((r) => JSON.parse(r.record) as SigningKeyRecord),
    )
  }

  // --- writes (only ever called on the write connection, inside BEGIN IMMEDIATE)

  insertOrganization(org: OrganizationRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'INSERT INTO organizations (id, record) VALUES (?, ?) ON CONFLICT DO NOTHING',
        org.id,
        JSON.stringify(org),
      ),
    )
  }

  insertProject(p: ProjectRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'INSERT INTO projects (project_id, project_number, record) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        p.projectId,
        p.projectNumber,
        JSON.stringify(p),
      ),
    )
  }

  updateProject(p: ProjectRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'UPDATE projects SET record = ? WHERE project_id = ? AND project_number = ?',
        JSON.stringify(p),
        p.projectId,
        p.projectNumber,
      ),
    )
  }

  insertResource(r: ResourceRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        `INSERT INTO resources (${RESOURCE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        r.name,
        r.kind,
        r.parent,
        r.etag,
        r.createTime,
        r.updateTime,
        JSON.stringify(r.body),
      ),
    )
  }

  updateResource(r: ResourceRecord, ifEtag: string | undefined): Promise<boolean> {
    return sync(() =>
      this.#run(
        `UPDATE resources SET kind = ?, parent = ?, etag = ?, create_time = ?, update_time = ?, body = ?
         WHERE name = ? AND (? IS NULL OR etag = ?)`,
        r.kind,
        r.parent,
        r.etag,
        r.createTime,
        r.updateTime,
        JSON.stringify(r.body),
        r.name,
        ifEtag ?? null,
        ifEtag ?? null,
      ),
    )
  }

  deleteResource(name: string): Promise<boolean> {
    return sync(() => this.#run('DELETE FROM resources WHERE name = ?', name))
  }

  insertPolicy(p: StoredPolicy): Promise<boolean> {
    return sync(() =>
      this.#run(
        `INSERT INTO policies (${POLICY_COLUMNS}) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        p.resource,
        p.etag,
        p.updateTime,
        JSON.stringify(p.policy),
      ),
    )
  }

  replacePolicy(p: StoredPolicy, ifEtag: string): Promise<boolean> {
    return sync(() =>
      this.#run(
        'UPDATE policies SET etag = ?, update_time = ?, policy = ? WHERE resource = ? AND etag = ?',
        p.etag,
        p.updateTime,
        JSON.stringify(p.policy),
        p.resource,
        ifEtag,
      ),
    )
  }

  upsertPolicy(p: StoredPolicy): Promise<void> {
    return sync(() => {
      this.#run(
        `INSERT INTO policies (${POLICY_COLUMNS}) VALUES (?, ?, ?, ?)
         ON CONFLICT (resource) DO UPDATE SET etag = excluded.etag, update_time = excluded.update_time, policy = excluded.policy`,
        p.resource,
        p.etag,
        p.updateTime,
        JSON.stringify(p.policy),
      )
    })
  }

  deletePolicy(resource: string): Promise<boolean> {
    return sync(() => this.#run('DELETE FROM policies WHERE resource = ?', resource))
  }

  insertOrgPolicy(p: OrgPolicyRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        `INSERT INTO org_policies (${ORG_POLICY_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        p.name,
        p.parent,
        p.etag,
        p.updateTime,
        JSON.stringify(p.policy),
      ),
    )
  }

  updateOrgPolicy(p: OrgPolicyRecord, ifEtag: string | undefined): Promise<boolean> {
    return sync(() =>
      this.#run(
        `UPDATE org_policies SET parent = ?, etag = ?, update_time = ?, policy = ?
         WHERE name = ? AND (? IS NULL OR etag = ?)`,
        p.parent,
        p.etag,
        p.updateTime,
        JSON.stringify(p.policy),
        p.name,
        ifEtag ?? null,
        ifEtag ?? null,
      ),
    )
  }

  deleteOrgPolicy(name: string, ifEtag: string | undefined): Promise<boolean> {
    return sync(() =>
      this.#run(
        'DELETE FROM org_policies WHERE name = ? AND (? IS NULL OR etag = ?)',
        name,
        ifEtag ?? null,
        ifEtag ?? null,
      ),
    )
  }

  upsertOperation(op: OperationRecord): Promise<void> {
    return sync(() => {
      this.#run(
        `INSERT INTO operations (name, create_time, body) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET create_time = excluded.create_time, body = excluded.body`,
        op.name,
        op.createTime,
        JSON.stringify(op.body),
      )
    })
  }

  deleteOperation(name: string): Promise<boolean> {
    return sync(() => this.#run('DELETE FROM operations WHERE name = ?', name))
  }

  upsertSigningKey(key: SigningKeyRecord): Promise<void> {
    return sync(() => {
      this.#run(
        `INSERT INTO signing_keys (kid, create_time, record) VALUES (?, ?, ?)
         ON CONFLICT (kid) DO UPDATE SET create_time = excluded.create_time, record = excluded.record`,
        key.kid,
        key.createTime,
        JSON.stringify(key),
      )
    })
  }

  deleteSigningKey(kid: string): Promise<boolean> {
    return sync(() => this.#run('DELETE FROM signing_keys WHERE kid = ?', kid))
  }

  lockSigningKeys(): Promise<void> {
    // Writes already run one at a time (BEGIN IMMEDIATE on the one write connection).
    return Promise.resolve()
  }

  // --- service accounts and their keys

  serviceAccount(emailOrUniqueId: string): Promise<ServiceAccountRecord | undefined> {
    return sync(() =>
      parseRecord(
        this.#get(
          'SELECT record FROM service_accounts WHERE email = ? OR unique_id = ? LIMIT 1',
          emailOrUniqueId,
          emailOrUniqueId,
        ),
      ),
    )
  }

  serviceAccounts(
    projectId: string,
    after: string | undefined,
    limit: number,
  ): Promise<ServiceAccountRecord[]> {
    return sync(() =>
      this.#all<{ record: string }>(
        'SELECT record FROM service_accounts WHERE project_id = ? AND email > ? ORDER BY email LIMIT ?',
        projectId,
        after ?? '',
        limit,
      ).map((r) => JSON.parse(r.record) as ServiceAccountRecord),
    )
  }

  serviceAccountKey(keyId: string): Promise<ServiceAccountKeyRecord | undefined> {
    return sync(() =>
      parseRecord(this.#get('SELECT record FROM service_account_keys WHERE key_id = ?', keyId)),
    )
  }

  serviceAccountKeys(email: string): Promise<ServiceAccountKeyRecord[]> {
    return sync(() =>
      this.#all<{ record: string }>(
        'SELECT record FROM service_account_keys WHERE email = ? ORDER BY key_id',
        email,
      ).map((r) => JSON.parse(r.record) as ServiceAccountKeyRecord),
    )
  }

  insertServiceAccount(sa: ServiceAccountRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'INSERT INTO service_accounts (email, project_id, unique_id, record) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
        sa.email,
        sa.projectId,
        sa.uniqueId,
        JSON.stringify(sa),
      ),
    )
  }

  updateServiceAccount(sa: ServiceAccountRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'UPDATE service_accounts SET record = ? WHERE email = ? AND unique_id = ?',
        JSON.stringify(sa),
        sa.email,
        sa.uniqueId,
      ),
    )
  }

  deleteServiceAccount(email: string): Promise<boolean> {
    return sync(() => this.#run('DELETE FROM service_accounts WHERE email = ?', email))
  }

  deleteServiceAccountKeysOf(email: string): Promise<boolean> {
    return sync(() => this.#run('DELETE FROM service_account_keys WHERE email = ?', email))
  }

  lockServiceAccount(email: string): Promise<boolean> {
    // Writes already run one at a time (BEGIN IMMEDIATE on the one write connection).
    return sync(
      () => this.#get('SELECT email FROM service_accounts WHERE email = ?', email) !== undefined,
    )
  }

  insertServiceAccountKey(key: ServiceAccountKeyRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'INSERT INTO service_account_keys (key_id, email, record) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
        key.keyId,
        key.serviceAccountEmail,
        JSON.stringify(key),
      ),
    )
  }

  updateServiceAccountKey(key: ServiceAccountKeyRecord): Promise<boolean> {
    return sync(() =>
      this.#run(
        'UPDATE service_account_keys SET record = ? WHERE key_id = ? AND email = ?',
        JSON.stringify(key),
        key.keyId,
        key.serviceAccountEmail,
      ),
    )
  }

  deleteServiceAccountKey(keyId: string): Promise<boolean> {
    return sync(() => this.#run('DELETE FROM service_account_keys WHERE key_id = ?', keyId))
  }

  // --- the change feed

  revision(): number {
    return (this.#get<{ value: number }>('SELECT value FROM revision_counter WHERE id = 1')
      ?.value ?? 0) as number
  }

  changesSince(after: number, limit: number): { revision: number; kind: string; name: string }[] {
    return this.#all(
      'SELECT revision, kind, name FROM changes WHERE revision > ? ORDER BY revision LIMIT ?',
      after,
      limit,
    )
  }

  /** Allocates `count` revisions and records the changes (at `timeMs`); returns the first revision. */
  appendChanges(changes: readonly { kind: string; name: string }[], timeMs: number): number {
    const last = this.#get<{ value: number }>(
      'UPDATE revision_counter SET value = value + ? WHERE id = 1 RETURNING value',
      changes.length,
    )?.value
    if (last === undefined) throw new Error('revision_counter row is missing')
    const first = last - changes.length + 1
    const insert = this.#stmt(
      'INSERT INTO changes (revision, kind, name, time_ms) VALUES (?, ?, ?, ?)',
    )
    changes.forEach((c, i) => insert.run(first + i, c.kind, c.name, timeMs))
    return first
  }

  /**
   * Deletes changes recorded before `cutoffMs` except the newest `keepNewest` revisions; rows from
   * before times were recorded count as old.
   */
  pruneChanges(cutoffMs: number, keepNewest: number): number {
    return this.#stmt(
      `DELETE FROM changes
       WHERE revision <= (SELECT value FROM revision_counter WHERE id = 1) - ?
         AND (time_ms IS NULL OR time_ms < ?)`,
    ).run(keepNewest, cutoffMs).changes
  }
}
