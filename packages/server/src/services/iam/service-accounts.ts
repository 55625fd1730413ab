// IAM service accounts (iam.googleapis.com v1): create, get, list, patch, delete, disable and
// enable, and the account as an IAM policy target. Authorize first (AIP-211), then look up, then act.
import type { Empty, ListServiceAccountsResponse, ServiceAccount } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { ServiceAccountRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, randomEtag, type ServiceContext } from '../context.js'
import type { PolicyTarget } from '../policy-target.js'
import { invalidArgument, parsePageSize } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import { ServiceAccountAccess } from './service-account-access.js'
import {
  ACCOUNT_ID_RE,
  checkLength,
  newUniqueId,
  parseServiceAccountName,
  renderServiceAccount,
  serviceAccountEmail,
  serviceAccountName,
  serviceAccountNotFound,
  stringField,
  type ListRequest,
} from './service-account-model.js'

export class ServiceAccountService {
  readonly #ctx: ServiceContext
  readonly #access: ServiceAccountAccess

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
    this.#access = new ServiceAccountAccess(ctx)
  }

  /** Compat: iam projects.serviceAccounts.create. */
  async create(caller: Caller, projectName: string, body: unknown): Promise<ServiceAccount> {
    const given = projectName.replace(/^projects\//, '')
    await this.#ctx.checker.require(caller, 'iam.serviceAccounts.create', `projects/${given}`)
    const project = await this.#ctx.checker.project(given)
    if (project === undefined) throw projectNotFound(given)
    if (!isObject(body)) throw invalidArgument('accountId', 'Request body must be a JSON object.')
    const accountId = body['accountId'] ?? body['account_id']
    if (accountId === undefined || accountId === null || accountId === '') {
      throw invalidArgument('accountId', 'Field accountId is required.')
    }
    if (typeof accountId !== 'string' || !ACCOUNT_ID_RE.test(accountId)) {
      throw invalidArgument(
        'accountId',
        `Invalid account ID ${JSON.stringify(accountId)}: it must be 6 to 30 characters long and ` +
          'match the regular expression [a-z]([-a-z0-9]*[a-z0-9]).',
      )
    }
    const rawSa = body['serviceAccount'] ?? body['service_account'] ?? {}
    if (!isObject(rawSa)) {
      throw invalidArgument(
        'serviceAccount',
        `Invalid value at 'service_account', ${JSON.stringify(rawSa)}`,
      )
    }
    const displayName = checkLength(
      stringField(rawSa, 'displayName', 'serviceAccount.displayName'),
      'serviceAccount.displayName',
      100,
    )
    const description = checkLength(
      stringField(rawSa, 'description', 'serviceAccount.description'),
      'serviceAccount.description',
      256,
    )
    const email = serviceAccountEmail(accountId, project.projectId)
    const now = this.#ctx.now()
    const sa = await this.#ctx.store.transact(async (tx) => {
      if ((await tx.getServiceAccount(email)) !== undefined) {
        // Compat: IAM's answer for a taken account id.
        throw new IamError(
          Code.ALREADY_EXISTS,
          'ALREADY_EXISTS',
          `Service account ${accountId} already exists within project projects/${project.projectId}.`,
          { metadata: { email } },
        )
      }
      let uniqueId = newUniqueId()
      while ((await tx.getServiceAccount(uniqueId)) !== undefined) uniqueId = newUniqueId()
      const record: ServiceAccountRecord = {
        email,
        projectId: project.projectId,
        uniqueId,
        displayName,
        description,
        disabled: false,
        etag: randomEtag(),
        createTime: isoTime(now),
      }
      await tx.createServiceAccount(record)
      return record
    })
    return renderServiceAccount(sa)
  }

  /** Compat: iam projects.serviceAccounts.get (email or unique id; project `-` accepted). */
  async get(caller: Caller, name: string): Promise<ServiceAccount> {
    const { sa } = await this.#access.authorize(caller, 'iam.serviceAccounts.get', name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    return renderServiceAccount(sa)
  }

  /** Compat: iam projects.serviceAccounts.list: `{accounts, nextPageToken}` ordered by email. */
  async list(
    caller: Caller,
    projectName: string,
    request: ListRequest,
  ): Promise<ListServiceAccountsResponse> {
    const given = projectName.replace(/^projects\//, '')
    await this.#ctx.checker.require(caller, 'iam.serviceAccounts.list', `projects/${given}`)
    const project = await this.#ctx.checker.project(given)
    if (project === undefined) throw projectNotFound(given)
    const size = parsePageSize(request.pageSize)
    const page = await this.#ctx.store.listServiceAccounts(project.projectId, {
      // Compat: IAM's default page size is 20, its maximum 100.
      pageSize: size === 0 ? 20 : Math.min(size, 100),
      ...(request.pageToken === undefined || request.pageToken === ''
        ? {}
        : { pageToken: request.pageToken }),
    })
    return {
      ...(page.items.length > 0 ? { accounts: page.items.map(renderServiceAccount) } : {}),
      ...(page.nextPageToken === undefined ? {} : { nextPageToken: page.nextPageToken }),
    }
  }

  /** Compat: iam projects.serviceAccounts.patch (displayName, description; mask optional). */
  async patch(caller: Caller, name: string, body: unknown): Promise<ServiceAccount> {
    const { sa } = await this.#access.authorize(caller, 'iam.serviceAccounts.update', name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    if (!isObject(body))
      throw invalidArgument('serviceAccount', 'Request body must be a JSON object.')
    const patch = body['serviceAccount'] ?? {}
    if (!isObject(patch)) {
      throw invalidArgument(
        'serviceAccount',
        `Invalid value at 'service_account', ${JSON.stringify(patch)}`,
      )
    }
    const rawMask = body['updateMask']
    const mask =
      typeof rawMask === 'string' && rawMask !== ''
        ? rawMask.split(',').map((m) => m.trim())
        : ['displayName', 'description'].filter((f) => patch[f] !== undefined)
    for (const m of mask) {
      if (m !== 'displayName' && m !== 'description' && m !== 'display_name') {
        throw invalidArgument('updateMask', `Invalid update mask path ${JSON.stringify(m)}.`)
      }
    }
    const next: ServiceAccountRecord = {
      ...sa,
      ...(mask.includes('displayName') || mask.includes('display_name')
        ? {
            displayName: checkLength(
              stringField(patch, 'displayName', 'serviceAccount.displayName'),
              'serviceAccount.displayName',
              100,
            ),
          }
        : {}),
      ...(mask.includes('description')
        ? {
            description: checkLength(
              stringField(patch, 'description', 'serviceAccount.description'),
              'serviceAccount.description',
              256,
            ),
          }
        : {}),
      etag: randomEtag(),
    }
    await this.#ctx.store.transact((tx) => tx.updateServiceAccount(next))
    return renderServiceAccount(next)
  }

  /** Compat: iam projects.serviceAccounts.delete: `{}`; its keys and policy go with it. */
  async delete(caller: Caller, name: string): Promise<Empty> {
    const { sa } = await this.#access.authorize(caller, 'iam.serviceAccounts.delete', name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    await this.#ctx.store.transact((tx) => tx.deleteServiceAccount(sa.email))
    return {}
  }

  /** Compat: iam projects.serviceAccounts.disable / enable: `{}`. */
  async setDisabled(caller: Caller, name: string, disabled: boolean): Promise<Empty> {
    const permission = disabled ? 'iam.serviceAccounts.disable' : 'iam.serviceAccounts.enable'
    const { sa } = await this.#access.authorize(caller, permission, name)
    if (sa === undefined) throw serviceAccountNotFound(name)
    if (sa.disabled !== disabled) {
      await this.#ctx.store.transact((tx) =>
        tx.updateServiceAccount({ ...sa, disabled, etag: randomEtag() }),
      )
    }
    return {}
  }

  /**
   * The service account as an IAM policy target (iam.serviceAccounts.get/setIamPolicy). An
   * existing account is named canonically (project id and email), so that a `projects/-/…` or
   * unique-id name is authorized through the account's own and inherited policies.
   */
  async target(name: string): Promise<PolicyTarget> {
    const found = await this.#access.find(parseServiceAccountName(name, false))
    return {
      name: found === undefined ? name : serviceAccountName(found),
      type: 'serviceAccount',
      permissionPrefix: 'iam.serviceAccounts',
      resolve: async () => {
        const sa = await this.#access.find(parseServiceAccountName(name, false))
        return sa === undefined ? undefined : serviceAccountName(sa)
      },
      notFound: () => serviceAccountNotFound(name),
    }
  }
}
