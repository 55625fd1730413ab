// Cloud Audit Logs for runiam: every admin write (and, opt-in, every admin read and the gateway's
// refusals) becomes one entry in Google's shape, kept in the store. The admin dispatch opens an
// AuditCall per request (route, caller, request metadata) and closes it with the outcome; a
// setIamPolicy's entry is written by the policy-writing service inside its own transaction
// (audit-scope.ts), so it commits with the change. Either way the entry is durable before the
// caller gets an answer: an entry that cannot be written fails the request.
import { randomBytes } from 'node:crypto'
import {
  Code,
  IamError,
  policyDelta,
  renderPolicy,
  unauthenticated,
  type Policy,
} from '@runiam/core'
import type { AuditEntryRecord, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isoTime, type ServiceContext } from '../context.js'
import { auditEntry, monitoredResource, type AuditEvent } from './audit-entry.js'
import type { AuditMethod } from './audit-method.js'
import { redactBody } from './audit-redact.js'
import type { AuditScope } from './audit-scope.js'

export interface AuditOptions {
  /** Also log admin reads and the gateway's refusals (data_access). Default: writes only. */
  readonly dataAccess: boolean
  /** How long entries are kept, days (Google keeps Admin Activity 400 days). */
  readonly retentionDays: number
}

/** What the admin dispatch knows when a call starts. */
export interface AuditCallStart {
  readonly method: AuditMethod
  /** The route's first permission (absent: none, e.g. testIamPermissions). */
  readonly permission?: string
  readonly resourceName: string
  readonly caller: Caller
  readonly callerIp: string
  readonly userAgent?: string
}

/** A gateway refusal (401/403) of an invocation, for the service's data_access log. */
export interface GatewayRefusal {
  /** projects/P/locations/L/services/S */
  readonly resourceName: string
  readonly caller?: Caller
  readonly callerIp: string
  readonly userAgent?: string
  /** 401: no or an invalid credential; 403: run.routes.invoke denied. */
  readonly status: 401 | 403
  /** The gateway's reason, as its access log says it. */
  readonly detail: string
}

const SET_IAM_POLICY_REQUEST = 'type.googleapis.com/google.iam.v1.SetIamPolicyRequest'
const POLICY = 'type.googleapis.com/google.iam.v1.Policy'

let sequence = 0
/** Random bits drawn once per process: they keep replicas' and workers' ids apart. */
const PROCESS_BITS = randomBytes(4).toString('hex')

/**
 * Unique and time-ordered, like Google's (ties in timestamp are broken by it): the time, this
 * process's sequence number, then random bits that keep processes apart (drawn once: a draw per
 * entry cost 2% of a setIamPolicy).
 */
function newInsertId(ms: number): string {
  sequence = (sequence + 1) % 36 ** 6
  return `${ms.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(6, '0')}${PROCESS_BITS}`
}

export class AuditLogService {
  readonly #ctx: ServiceContext
  readonly #options: AuditOptions

  constructor(ctx: ServiceContext, options: AuditOptions) {
    this.#ctx = ctx
    this.#options = options
  }

  get options(): AuditOptions {
    return this.#options
  }

  /** Opens the audit of one admin call; undefined when the call is not audited (a read, by default). */
  begin(start: AuditCallStart): AuditCall | undefined {
    if (!start.method.write && !this.#options.dataAccess) return undefined
    return new AuditCall(this, start)
  }

  /** Logs a gateway refusal as a data_access entry of the service (opt-in). */
  async gatewayRefusal(refusal: GatewayRefusal): Promise<void> {
    if (!this.#options.dataAccess) return
    const method: AuditMethod = {
      serviceName: 'run.googleapis.com',
      methodName: 'run.routes.invoke',
      write: false,
      permissionType: 'DATA_READ',
    }
    const record = await this.build({
      method,
      start: {
        method,
        permission: 'run.routes.invoke',
        resourceName: refusal.resourceName,
        callerIp: refusal.callerIp,
        ...(refusal.userAgent === undefined ? {} : { userAgent: refusal.userAgent }),
      },
      caller: refusal.caller,
      error: new IamError(
        refusal.status === 401 ? Code.UNAUTHENTICATED : Code.PERMISSION_DENIED,
        refusal.status === 401 ? unauthenticated().reason : 'IAM_PERMISSION_DENIED',
        refusal.detail,
        { metadata: { permission: 'run.routes.invoke', resource: refusal.resourceName } },
      ),
      dataAccess: true,
    })
    if (record !== undefined) await this.append(record)
  }

  /** Appends one entry in its own transaction. */
  async append(record: AuditEntryRecord): Promise<void> {
    await this.#ctx.store.transact((tx) => tx.appendAuditEntry(record))
  }

  /** Deletes entries older than the retention; resolves with how many went. */
  async prune(): Promise<number> {
    const before = isoTime(this.#ctx.now() - this.#options.retentionDays * 86_400_000)
    return this.#ctx.store.transact((tx) => tx.pruneAuditEntries(before))
  }

  /** Where an entry goes: the resource's project when it exists, else the organization. */
  async #parentOf(
    resourceName: string,
  ): Promise<{ parent: string; projectId?: string; organizationId?: string } | undefined> {
    const org = /^organizations\/([^/]+)/.exec(resourceName)?.[1]
    if (org !== undefined) return { parent: `organizations/${org}`, organizationId: org }
    let project = /^(?:projects|namespaces)\/([^/]+)/.exec(resourceName)?.[1]
    if (project === '-') {
      // projects/-/serviceAccounts/sa@P.iam.gserviceaccount.com
      project = /@([^./]+)\.iam\.gserviceaccount\.com/.exec(resourceName)?.[1]
    }
    if (project !== undefined) {
      const record = await this.#ctx.checker.project(project)
      if (record !== undefined) {
        return { parent: `projects/${record.projectId}`, projectId: record.projectId }
      }
    }
    // Groups, projects.create, and calls naming a project that does not exist: the organization.
    const organization = await this.#ctx.checker.organization()
    if (organization !== undefined) {
      return { parent: `organizations/${organization.id}`, organizationId: organization.id }
    }
    return undefined
  }

  /** Builds the entry; undefined when there is no project or organization to keep it in. */
  async build(input: {
    readonly method: AuditMethod
    readonly start: Omit<AuditCallStart, 'caller'>
    readonly caller: Caller | undefined
    readonly request?: unknown
    readonly response?: unknown
    readonly error?: IamError
    readonly delta?: { before: Policy | undefined; after: Policy }
    readonly dataAccess?: boolean
  }): Promise<AuditEntryRecord | undefined> {
    const where = await this.#parentOf(input.start.resourceName)
    if (where === undefined) return undefined
    const now = this.#ctx.now()
    const time = isoTime(now)
    const { start, caller } = input
    const principalEmail = caller?.email ?? caller?.member
    const event: AuditEvent = {
      method: input.method,
      parent: where.parent,
      resourceName: start.resourceName,
      ...(where.projectId === undefined ? {} : { projectId: where.projectId }),
      ...(principalEmail === undefined ? {} : { principalEmail }),
      ...(caller === undefined ? {} : { principalSubject: caller.member }),
      callerIp: start.callerIp,
      ...(start.userAgent === undefined ? {} : { userAgent: start.userAgent }),
      ...(start.permission === undefined
        ? {}
        : { authorization: { permission: start.permission, resource: start.resourceName } }),
      ...(input.request === undefined ? {} : { request: input.request as Record<string, unknown> }),
      ...(input.response === undefined
        ? {}
        : { response: input.response as Record<string, unknown> }),
      ...(input.error === undefined ? {} : { error: input.error }),
      ...(input.delta === undefined
        ? {}
        : { policyDelta: policyDelta(input.delta.before, input.delta.after) }),
      time,
      receiveTime: time,
      insertId: newInsertId(now),
      ...(input.dataAccess === true || !input.method.write ? { dataAccess: true } : {}),
    }
    const resource = monitoredResource(
      start.resourceName,
      where.projectId,
      where.organizationId,
      input.method,
    )
    return auditEntry(event, resource)
  }
}

/** The audit of one admin call: opened by the dispatch, closed with its outcome. */
export class AuditCall implements AuditScope {
  readonly #log: AuditLogService
  #start: AuditCallStart
  #body: unknown
  #writtenInTx = false

  constructor(log: AuditLogService, start: AuditCallStart) {
    this.#log = log
    this.#start = start
  }

  /** The parsed request body, once read, and the resource name it refines (a create's new name). */
  request(body: unknown, resourceName: string): void {
    this.#body = body
    this.#start = { ...this.#start, resourceName }
  }

  #isSetIamPolicy(): boolean {
    // Resource Manager v1 names the bare RPC (SetIamPolicy); the others qualify it.
    return /(?:^|\.)SetI[Aa][Mm]Policy$/.test(this.#start.method.methodName)
  }

  #request(): Record<string, unknown> | undefined {
    const body = redactBody(this.#body)
    if (!this.#isSetIamPolicy()) return body
    return { '@type': SET_IAM_POLICY_REQUEST, resource: this.#start.resourceName, ...body }
  }

  async policyWritten(tx: StoreTx, before: Policy | undefined, after: Policy): Promise<void> {
    // Only a setIamPolicy call's own entry carries the delta (no other route writes policies).
    if (!this.#isSetIamPolicy()) return
    const record = await this.#log.build({
      method: this.#start.method,
      start: this.#start,
      caller: this.#start.caller,
      request: this.#request(),
      response: { '@type': POLICY, ...renderPolicy(after, 3) },
      delta: { before, after },
    })
    if (record === undefined) return
    await tx.appendAuditEntry(record)
    // A retried transaction appends again (the first attempt rolled back); the last one commits.
    this.#writtenInTx = true
  }

  /** The call succeeded: its entry is written (unless the policy-writing service already did). */
  async succeeded(result: unknown): Promise<void> {
    if (this.#writtenInTx) return
    const response = this.#start.method.write ? redactBody(result) : undefined
    const record = await this.#log.build({
      method: this.#start.method,
      start: this.#start,
      caller: this.#start.caller,
      request: this.#request(),
      ...(response === undefined ? {} : { response }),
    })
    if (record !== undefined) await this.#log.append(record)
  }

  /** The call failed (refused, invalid, conflicting…): logged with its status. */
  async failed(error: IamError): Promise<void> {
    const record = await this.#log.build({
      method: this.#start.method,
      start: this.#start,
      caller: this.#start.caller,
      request: this.#request(),
      error,
    })
    if (record !== undefined) await this.#log.append(record)
  }
}
