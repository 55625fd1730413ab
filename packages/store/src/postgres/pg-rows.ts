// Row operations over node-postgres: the pool for reads outside transactions (PoolQueryable, which
// retries a read whose connection was dead), one leased client inside transact(). Hot reads are
// named statements, so each connection prepares them once. Driver errors are translated here,
// before anything leaves the engine.
import type pg from 'pg'
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
import { PgGroupRows } from './pg-group-rows.js'
import { translatePgError } from './pg-errors.js'
import type { Queryable } from './pg-lease.js'
import { PgCustomRoleRows } from './pg-custom-role-rows.js'
import { PgRecommenderRows } from './pg-recommender-rows.js'
import { PgDenyPolicyRows } from './pg-deny-policy-rows.js'
import { PgAuditEntryRows } from './pg-audit-entry-rows.js'

interface ResourceRow {
  name: string
  kind: string
  parent: string
  etag: string
  create_time: string
  update_time: string
  body: Record<string, unknown>
}

interface PolicyRow {
  resource: string
  etag: string
  update_time: string
  policy: StoredPolicy['policy']
}

interface OrgPolicyRow {
  name: string
  parent: string
  etag: string
  update_time: string
  policy: Record<string, unknown>
}

const ORG_POLICY_COLUMNS = 'name, parent, etag, update_time, policy'

function toOrgPolicy(row: OrgPolicyRow): OrgPolicyRecord {
  return {
    name: row.name,
    parent: row.parent,
    policy: row.policy,
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
    body: row.body,
    etag: row.etag,
    createTime: row.create_time,
    updateTime: row.update_time,
  }
}

function toPolicy(row: PolicyRow): StoredPolicy {
  return {
    resource: row.resource,
    policy: row.policy,
    etag: row.etag,
    updateTime: row.update_time,
  }
}

/** json parameters go as JSON text: node-postgres would turn a JS array into a PostgreSQL array. */
function json(value: unknown): string {
  return JSON.stringify(value)
}

export class PgRows implements RowWrites {
  readonly #db: Queryable
  readonly groups: PgGroupRows
  readonly customRoles: PgCustomRoleRows
  readonly recommender: PgRecommenderRows
  readonly denyPolicies: PgDenyPolicyRows
  readonly auditEntries: PgAuditEntryRows

  constructor(db: Queryable) {
    this.#db = db
    this.groups = new PgGroupRows(db)
    this.customRoles = new PgCustomRoleRows(db)
    this.recommender = new PgRecommenderRows(db)
    this.denyPolicies = new PgDenyPolicyRows(db)
    this.auditEntries = new PgAuditEntryRows(db)
  }

  async #query<R extends pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.#db.query<R>({ name: `runiam_${name}`, text, values })
    } catch (error) {
      throw translatePgError(error)
    }
  }

  async #rows<R extends pg.QueryResultRow>(
    name: string,
    text: string,
    values: unknown[] = [],
  ): Promise<R[]> {
    return (await this.#query<R>(name, text, values)).rows
  }

  async #changed(name: string, text: string, values: unknown[]): Promise<boolean> {
    return ((await this.#query(name, text, values)).rowCount ?? 0) > 0
  }

  /** Plain SQL with no parameters (BEGIN, COMMIT…). */
  async exec(text: string): Promise<void> {
    try {
      await this.#db.query(text)
    } catch (error) {
      throw translatePgError(error)
    }
  }

  // --- reads

  async organization(): Promise<OrganizationRecord | undefined> {
    const rows = await this.#rows<{ record: OrganizationRecord }>(
      'org',
      'SELECT record FROM organizations LIMIT 1',
    )
    return rows[0]?.record
  }

  async project(idOrNumber: string): Promise<ProjectRecord | undefined> {
    const rows = await this.#rows<{ record: ProjectRecord }>(
      'project',
      // An id match wins over a number match (ids start with a letter, so both cannot happen).
      'SELECT record FROM projects WHERE project_id = $1 OR project_number = $1 ORDER BY project_id = $1 DESC LIMIT 1',
      [idOrNumber],
    )
    return rows[0]?.record
  }

  async projects(after: string | undefined, limit: number): Promise<ProjectRecord[]> {
    const rows = await this.#rows<{ record: ProjectRecord }>(
      'projects',
      'SELECT record FROM projects WHERE project_id > $1 ORDER BY project_id LIMIT $2',
      [after ?? '', limit],
    )
    return rows.map((r) => r.record)
  }

  async resource(name: string): Promise<ResourceRecord | undefined> {
    const rows = await this.#rows<ResourceRow>(
      'resource',
      `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE name = $1`,
      [name],
    )
    return rows[0] === undefined ? undefined : toResource(rows[0])
  }

  async resourceKind(name: string): Promise<ResourceKind | undefined> {
    const rows = await this.#rows<{ kind: string }>(
      'resourceKind',
      'SELECT kind FROM resources WHERE name = $1',
      [name],
    )
    return rows[0]?.kind as ResourceKind | undefined
  }

  async resources(
    parent: string,
    kind: ResourceKind,
    after: string | undefined,
    limit: number,
  ): Promise<ResourceRecord[]> {
    const rows = await this.#rows<ResourceRow>(
      'resources',
      `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE parent = $1 AND kind = $2 AND name > $3 ORDER BY name LIMIT $4`,
      [parent, kind, after ?? '', limit],
    )
    return rows.map(toResource)
  }

  async allResources(kind: ResourceKind): Promise<ResourceRecord[]> {
    const rows = await this.#rows<ResourceRow>(
      'all_resources',
      `SELECT ${RESOURCE_COLUMNS} FROM resources WHERE kind = $1 ORDER BY name`,
      [kind],
    )
    return rows.map(toResource)
  }

  async policy(resource: string): Promise<StoredPolicy | undefined> {
    const rows = await this.#rows<PolicyRow>(
      'policy',
      `SELECT ${POLICY_COLUMNS} FROM policies WHERE resource = $1`,
      [resource],
    )
    return rows[0] === undefined ? undefined : toPolicy(rows[0])
  }

  async policies(resources: readonly string[]): Promise<StoredPolicy[]> {
    const rows = await this.#rows<PolicyRow>(
      'policies',
      `SELECT ${POLICY_COLUMNS} FROM policies WHERE resource = ANY($1::text[])`,
      [resources],
    )
    return rows.map(toPolicy)
  }

  async operation(name: string): Promise<OperationRecord | undefined> {
    const rows = await this.#rows<{
      name: string
      create_time: string
      body: Record<string, unknown>
    }>('operation', 'SELECT name, create_time, body FROM operations WHERE name = $1', [name])
    const row = rows[0]
    return row === undefined
      ? undefined
      : { name: row.name, body: row.body, createTime: row.create_time }
  }

  async operations(
    from: string,
    to: string,
    after: string | undefined,
    limit: number,
  ): Promise<OperationRecord[]> {
    const rows = await this.#rows<{
      name: string
      create_time: string
      body: Record<string, unknown>
    }>(
      'operations',
      'SELECT name, create_time, body FROM operations WHERE name >= $1 AND name < $2 AND name > $3 ORDER BY name LIMIT $4',
      [from, to, after ?? '', limit],
    )
    return rows.map((row) => ({ name: row.name, body: row.body, createTime: row.create_time }))
  }

  async signingKeys(): Promise<SigningKeyRecord[]> {
    const rows = await this.#rows<{ record: SigningKeyRecord }>(
      'signing_keys',
      'SELECT record FROM signing_keys ORDER BY create_time, kid',
    )
    return rows.map((r) => r.record)
  }

  async orgPolicy(name: string): Promise<OrgPolicyRecord | undefined> {
    const rows = await this.#rows<OrgPolicyRow>(
      'org_policy',
      `SELECT ${ORG_POLICY_COLUMNS} FROM org_policies WHERE name = $1`,
      [name],
    )
    return rows[0] === undefined ? undefined : toOrgPolicy(rows[0])
  }

  async orgPolicies(
    parent: string,
    after: string | undefined,
    limit: number,
  ): Promise<OrgPolicyRecord[]> {
    const rows = await this.#rows<OrgPolicyRow>(
      'org_policies',
      `SELECT ${ORG_POLICY_COLUMNS} FROM org_policies WHERE parent = $1 AND name > $2 ORDER BY name LIMIT $3`,
      [parent, after ?? '', limit],
    )
    return rows.map(toOrgPolicy)
  }

  // --- writes (only ever called on a transaction's client)

  insertOrganization(org: OrganizationRecord): Promise<boolean> {
    return this.#changed(
      'insert_org',
      'INSERT INTO organizations (id, record) VALUES ($1, $2::json) ON CONFLICT DO NOTHING',
      [org.id, json(org)],
    )
  }

  insertProject(p: ProjectRecord): Promise<boolean> {
    return this.#changed(
      'insert_project',
      'INSERT INTO projects (project_id, project_number, record) VALUES ($1, $2, $3::json) ON CONFLICT DO NOTHING',
      [p.projectId, p.projectNumber, json(p)],
    )
  }

  updateProject(p: ProjectRecord): Promise<boolean> {
    return this.#changed(
      'update_project',
      'UPDATE projects SET record = $1::json WHERE project_id = $2 AND project_number = $3',
      [json(p), p.projectId, p.projectNumber],
    )
  }

  insertResource(r: ResourceRecord): Promise<boolean> {
    return this.#changed(
      'insert_resource',
      `INSERT INTO resources (${RESOURCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::json) ON CONFLICT DO NOTHING`,
      [r.name, r.kind, r.parent, r.etag, r.createTime, r.updateTime, json(r.body)],
    )
  }

  updateResource(r: ResourceRecord, ifEtag: string | undefined): Promise<boolean> {
    return this.#changed(
      'update_resource',
      `UPDATE resources SET kind = $2, parent = $3, etag = $4, create_time = $5, update_time = $6, body = $7::json
       WHERE name = $1 AND ($8::text IS NULL OR etag = $8::text)`,
      [r.name, r.kind, r.parent, r.etag, r.createTime, r.updateTime, json(r.body), ifEtag ?? null],
    )
  }

  deleteResource(name: string): Promise<boolean> {
    return this.#changed('delete_resource', 'DELETE FROM resources WHERE name = $1', [name])
  }

  insertPolicy(p: StoredPolicy): Promise<boolean> {
    return this.#changed(
      'insert_policy',
      `INSERT INTO policies (${POLICY_COLUMNS}) VALUES ($1, $2, $3, $4::json) ON CONFLICT DO NOTHING`,
      [p.resource, p.etag, p.updateTime, json(p.policy)],
    )
  }

  replacePolicy(p: StoredPolicy, ifEtag: string): Promise<boolean> {
    return this.#changed(
      'replace_policy',
      'UPDATE policies SET etag = $2, update_time = $3, policy = $4::json WHERE resource = $1 AND etag = $5',
      [p.resource, p.etag, p.updateTime, json(p.policy), ifEtag],
    )
  }

  async upsertPolicy(p: StoredPolicy): Promise<void> {
    await this.#query(
      'upsert_policy',
      `INSERT INTO policies (${POLICY_COLUMNS}) VALUES ($1, $2, $3, $4::json)
       ON CONFLICT (resource) DO UPDATE SET etag = excluded.etag, update_time = excluded.update_time, policy = excluded.policy`,
      [p.resource, p.etag, p.updateTime, json(p.policy)],
    )
  }

  deletePolicy(resource: string): Promise<boolean> {
    return this.#changed('delete_policy', 'DELETE FROM policies WHERE resource = $1', [resource])
  }

  insertOrgPolicy(p: OrgPolicyRecord): Promise<boolean> {
    return this.#changed(
      'insert_org_policy',
      `INSERT INTO org_policies (${ORG_POLICY_COLUMNS}) VALUES ($1, $2, $3, $4, $5::json) ON CONFLICT DO NOTHING`,
      [p.name, p.parent, p.etag, p.updateTime, json(p.policy)],
    )
  }

  updateOrgPolicy(p: OrgPolicyRecord, ifEtag: string | undefined): Promise<boolean> {
    return this.#changed(
      'update_org_policy',
      `UPDATE org_policies SET parent = $2, etag = $3, update_time = $4, policy = $5::json
       WHERE name = $1 AND ($6::text IS NULL OR etag = $6::text)`,
      [p.name, p.parent, p.etag, p.updateTime, json(p.policy), ifEtag ?? null],
    )
  }

  deleteOrgPolicy(name: string, ifEtag: string | undefined): Promise<boolean> {
    return this.#changed(
      'delete_org_policy',
      'DELETE FROM org_policies WHERE name = $1 AND ($2::text IS NULL OR etag = $2::text)',
      [name, ifEtag ?? null],
    )
  }

  async upsertOperation(op: OperationRecord): Promise<void> {
    await this.#query(
      'upsert_operation',
      `INSERT INTO operations (name, create_time, body) VALUES ($1, $2, $3::json)
       ON CONFLICT (name) DO UPDATE SET create_time = excluded.create_time, body = excluded.body`,
      [op.name, op.createTime, json(op.body)],
    )
  }

  deleteOperation(name: string): Promise<boolean> {
    return this.#changed('delete_operation', 'DELETE FROM operations WHERE name = $1', [name])
  }

  async upsertSigningKey(key: SigningKeyRecord): Promise<void> {
    await this.#query(
      'upsert_signing_key',
      `INSERT INTO signing_keys (kid, create_time, record) VALUES ($1, $2, $3::json)
       ON CONFLICT (kid) DO UPDATE SET create_time = excluded.create_time, record = excluded.record`,
      [key.kid, key.createTime, json(key)],
    )
  }

  deleteSigningKey(kid: string): Promise<boolean> {
    return this.#changed('delete_signing_key', 'DELETE FROM signing_keys WHERE kid = $1', [kid])
  }

  async lockSigningKeys(): Promise<void> {
    // Two int4 keys: a key space apart from the migration and custom role locks.
    await this.#query(
      'lock_signing_keys',
      "SELECT pg_advisory_xact_lock(hashtext('runiam.signing_keys'), 0)",
      [],
    )
  }

  // --- service accounts and their keys

  async serviceAccount(emailOrUniqueId: string): Promise<ServiceAccountRecord | undefined> {
    const rows = await this.#rows<{ record: ServiceAccountRecord }>(
      'service_account',
      'SELECT record FROM service_accounts WHERE email = $1 OR unique_id = $1 LIMIT 1',
      [emailOrUniqueId],
    )
    return rows[0]?.record
  }

  async lockServiceAccount(email: string): Promise<boolean> {
    const rows = await this.#rows<{ email: string }>(
      'lock_service_account',
      'SELECT email FROM service_accounts WHERE email = $1 FOR UPDATE',
      [email],
    )
    return rows.length > 0
  }

  async serviceAccounts(
    projectId: string,
    after: string | undefined,
    limit: number,
  ): Promise<ServiceAccountRecord[]> {
    const rows = await this.#rows<{ record: ServiceAccountRecord }>(
      'service_accounts',
      'SELECT record FROM service_accounts WHERE project_id = $1 AND email > $2 ORDER BY email LIMIT $3',
      [projectId, after ?? '', limit],
    )
    return rows.map((r) => r.record)
  }

  async serviceAccountKey(keyId: string): Promise<ServiceAccountKeyRecord | undefined> {
    const rows = await this.#rows<{ record: ServiceAccountKeyRecord }>(
      'service_account_key',
      'SELECT record FROM service_account_keys WHERE key_id = $1',
      [keyId],
    )
    return rows[0]?.record
  }

  async serviceAccountKeys(email: string): Promise<ServiceAccountKeyRecord[]> {
    const rows = await this.#rows<{ record: ServiceAccountKeyRecord }>(
      'service_account_keys',
      'SELECT record FROM service_account_keys WHERE email = $1 ORDER BY key_id',
      [email],
    )
    return rows.map((r) => r.record)
  }

  insertServiceAccount(sa: ServiceAccountRecord): Promise<boolean> {
    return this.#changed(
      'insert_service_account',
      `INSERT INTO service_accounts (email, project_id, unique_id, record) VALUES ($1, $2, $3, $4::json)
       ON CONFLICT DO NOTHING`,
      [sa.email, sa.projectId, sa.uniqueId, json(sa)],
    )
  }

  updateServiceAccount(sa: ServiceAccountRecord): Promise<boolean> {
    return this.#changed(
      'update_service_account',
      'UPDATE service_accounts SET record = $1::json WHERE email = $2 AND unique_id = $3',
      [json(sa), sa.email, sa.uniqueId],
    )
  }

  deleteServiceAccount(email: string): Promise<boolean> {
    return this.#changed(
      'delete_service_account',
      'DELETE FROM service_accounts WHERE email = $1',
      [email],
    )
  }

  deleteServiceAccountKeysOf(email: string): Promise<boolean> {
    return this.#changed(
      'delete_service_account_keys_of',
      'DELETE FROM service_account_keys WHERE email = $1',
      [email],
    )
  }

  insertServiceAccountKey(key: ServiceAccountKeyRecord): Promise<boolean> {
    return this.#changed(
      'insert_service_account_key',
      `INSERT INTO service_account_keys (key_id, email, record) VALUES ($1, $2, $3::json)
       ON CONFLICT DO NOTHING`,
      [key.keyId, key.serviceAccountEmail, json(key)],
    )
  }

  updateServiceAccountKey(key: ServiceAccountKeyRecord): Promise<boolean> {
    return this.#changed(
      'update_service_account_key',
      'UPDATE service_account_keys SET record = $1::json WHERE key_id = $2 AND email = $3',
      [json(key), key.keyId, key.serviceAccountEmail],
    )
  }

  deleteServiceAccountKey(keyId: string): Promise<boolean> {
    return this.#changed(
      'delete_service_account_key',
      'DELETE FROM service_account_keys WHERE key_id = $1',
      [keyId],
    )
  }

  // --- the change feed

  async revision(): Promise<number> {
    const rows = await this.#rows<{ value: string }>(
      'revision',
      'SELECT value FROM revision_counter WHERE id = 1',
    )
    return Number(rows[0]?.value ?? 0)
  }

  async changesSince(
    after: number,
    limit: number,
  ): Promise<{ revision: number; kind: string; name: string }[]> {
    const rows = await this.#rows<{ revision: string; kind: string; name: string }>(
      'changes_since',
      'SELECT revision, kind, name FROM changes WHERE revision > $1 ORDER BY revision LIMIT $2',
      [after, limit],
    )
    return rows.map((r) => ({ revision: Number(r.revision), kind: r.kind, name: r.name }))
  }

  /**
   * Allocates revisions and records the changes; returns the first revision and the transaction's
   * id (to ask txid_status() how it ended if the connection dies during COMMIT). The counter row
   * stays locked until COMMIT, which is what keeps revisions in commit order: call it last.
   * `channel` is told the last revision; PostgreSQL delivers the notice at commit, never for a
   * rollback, which is how the other replicas learn of it at once (postgres/pg-follower.ts).
   */
  async appendChanges(
    changes: readonly { kind: string; name: string }[],
    channel: string,
  ): Promise<{ first: number; xid: string }> {
    const rows = await this.#rows<{ value: string; xid: string }>(
      'bump_revision',
      'UPDATE revision_counter SET value = value + $1 WHERE id = 1 RETURNING value, txid_current()::text AS xid',
      [changes.length],
    )
    const last = rows[0]?.value
    const xid = rows[0]?.xid
    if (last === undefined || xid === undefined) {
      throw translatePgError(new Error('revision_counter row is missing'))
    }
    const first = Number(last) - changes.length + 1
    // One round trip for the rows and the notice.
    await this.#query(
      'insert_changes_notify',
      `WITH inserted AS (
         INSERT INTO changes (revision, kind, name, commit_time)
         SELECT $1::bigint + ord - 1, kind, name, clock_timestamp()
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS c(kind, name, ord)
       )
       SELECT pg_notify($4, $5)`,
      [first, changes.map((c) => c.kind), changes.map((c) => c.name), channel, last],
    )
    return { first, xid }
  }

  /**
   * Deletes changes older than `olderThanSeconds` (by the database's clock) except the newest
   * `keepNewest` revisions; rows from before commit times were recorded count as old.
   */
  async pruneChanges(olderThanSeconds: number, keepNewest: number): Promise<number> {
    const result = await this.#query(
      'prune_changes',
      `DELETE FROM changes
       WHERE revision <= (SELECT value FROM revision_counter WHERE id = 1) - $2::bigint
         AND (commit_time IS NULL OR commit_time < now() - make_interval(secs => $1::double precision))`,
      [olderThanSeconds, keepNewest],
    )
    return result.rowCount ?? 0
  }
}
