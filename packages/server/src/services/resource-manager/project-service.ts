// Projects (Resource Manager v1 and v3 shapes): create, get, list, and the policy target for
// project IAM. The creator of a project becomes its owner, as on Google.
import type {
  ListProjectsV1Response,
  ListProjectsV3Response,
  Operation,
  ProjectV1,
  ProjectV3,
} from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { ProjectRecord, StoreTx } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, randomDigits, randomEtag, type ServiceContext } from '../context.js'
import type { PolicyTarget } from '../policy-target.js'
import { checkProjectId, invalidArgument, parsePageSize } from '../names.js'
import type { CrmVersion } from './organization-service.js'
import { grantInTx } from './owner-policy.js'

export function projectNotFound(given: string): IamError {
  return new IamError(
    Code.NOT_FOUND,
    'RESOURCE_NOT_FOUND',
    `Project 'projects/${given}' not found or deleted.`,
    { metadata: { project: given } },
  )
}

export function renderProject(p: ProjectRecord, version: 'v1'): ProjectV1
export function renderProject(p: ProjectRecord, version: 'v3'): ProjectV3
export function renderProject(p: ProjectRecord, version: CrmVersion): ProjectV1 | ProjectV3
export function renderProject(p: ProjectRecord, version: CrmVersion): ProjectV1 | ProjectV3 {
  const labels = Object.keys(p.labels).length > 0 ? { labels: { ...p.labels } } : {}
  const orgId = p.parent.replace(/^organizations\//, '')
  if (version === 'v1') {
    return {
      projectNumber: p.projectNumber,
      projectId: p.projectId,
      lifecycleState: p.state,
      name: p.displayName,
      createTime: p.createTime,
      ...labels,
      parent: { type: 'organization', id: orgId },
    }
  }
  return {
    name: `projects/${p.projectNumber}`,
    parent: p.parent,
    projectId: p.projectId,
    state: p.state,
    displayName: p.displayName,
    createTime: p.createTime,
    updateTime: p.updateTime,
    etag: p.etag,
    ...labels,
  }
}

function readLabels(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {}
  if (!isObject(raw) || Object.values(raw).some((v) => typeof v !== 'string')) {
    throw invalidArgument('labels', `Invalid value at 'project.labels', ${JSON.stringify(raw)}`)
  }
  return raw as Record<string, string>
}

export interface NewProject {
  readonly projectId: string
  readonly displayName: string
  readonly parent: string
  readonly labels: Readonly<Record<string, string>>
}

/**
 * Creates the project record and makes `owner` its roles/owner, in the caller's transaction.
 * ALREADY_EXISTS when the id is taken.
 */
export async function createProjectInTx(
  tx: StoreTx,
  input: NewProject,
  owner: string,
  nowMs: number,
): Promise<ProjectRecord> {
  // Compat: Resource Manager answers a taken project id with 409 "Requested entity already exists".
  if ((await tx.getProject(input.projectId)) !== undefined) {
    throw new IamError(Code.ALREADY_EXISTS, 'ALREADY_EXISTS', 'Requested entity already exists', {
      metadata: { projectId: input.projectId },
    })
  }
  let projectNumber = randomDigits(12)
  while ((await tx.getProject(projectNumber)) !== undefined) projectNumber = randomDigits(12)
  const t = isoTime(nowMs)
  const record: ProjectRecord = {
    projectId: input.projectId,
    projectNumber,
    displayName: input.displayName,
    parent: input.parent,
    state: 'ACTIVE',
    labels: input.labels,
    createTime: t,
    updateTime: t,
    etag: randomEtag(),
  }
  await tx.createProject(record)
  await grantInTx(tx, `projects/${record.projectId}`, 'project', 'roles/owner', [owner])
  return record
}

export interface ListProjectsRequest {
  readonly pageSize?: string | undefined
  readonly pageToken?: string | undefined
}

const MAX_PAGE = 1000

export class ProjectService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /** The parent named by a create request, as an organization resource name. */
  async #parentOf(body: Record<string, unknown>, version: CrmVersion): Promise<string> {
    const raw = body['parent']
    if (raw === undefined || raw === null) {
      const org = await this.#ctx.checker.organization()
      if (org === undefined) {
        throw new IamError(
          Code.FAILED_PRECONDITION,
          'NO_ORGANIZATION',
          'The server has no organization.',
        )
      }
      return `organizations/${org.id}`
    }
    if (version === 'v1') {
      if (!isObject(raw) || typeof raw['type'] !== 'string' || typeof raw['id'] !== 'string') {
        throw invalidArgument('parent', `Invalid value at 'project.parent', ${JSON.stringify(raw)}`)
      }
      return `${raw['type']}s/${raw['id']}`
    }
    if (typeof raw !== 'string' || !/^[a-z]+s\/[^/]+$/.test(raw)) {
      throw invalidArgument('parent', `Invalid value at 'project.parent', ${JSON.stringify(raw)}`)
    }
    return raw
  }

  /** Compat: cloudresourcemanager projects.create (v1 and v3): an Operation, done at once. */
  async create(caller: Caller, body: unknown, version: CrmVersion): Promise<Operation> {
    if (!isObject(body)) throw invalidArgument('project', 'Request body must be a JSON object.')
    const parent = await this.#parentOf(body, version)
    await this.#ctx.checker.require(caller, 'resourcemanager.projects.create', parent)
    const org = await this.#ctx.checker.organization()
    if (org === undefined || parent !== `organizations/${org.id}`) {
      throw new IamError(Code.NOT_FOUND, 'RESOURCE_NOT_FOUND', `Parent '${parent}' not found.`)
    }
    const projectId = checkProjectId(body['projectId'] ?? body['project_id'])
    const nameField = version === 'v1' ? 'name' : 'displayName'
    const rawName = body[nameField]
    if (rawName !== undefined && rawName !== null && typeof rawName !== 'string') {
      throw invalidArgument(
        nameField,
        `Invalid value at 'project.${nameField}', ${JSON.stringify(rawName)}`,
      )
    }
    const displayName = typeof rawName === 'string' && rawName !== '' ? rawName : projectId
    const labels = readLabels(body['labels'])
    const now = this.#ctx.now()
    const opName = `operations/cp.${randomDigits(19)}`
    return this.#ctx.store.transact(async (tx) => {
      const p = await createProjectInTx(
        tx,
        { projectId, displayName, parent, labels },
        caller.member,
        now,
      )
      const op: Operation =
        version === 'v1'
          ? {
              name: opName,
              metadata: {
                '@type': 'type.googleapis.com/google.cloudresourcemanager.v1.ProjectCreationStatus',
                createTime: p.createTime,
                gettable: true,
                ready: true,
              },
              done: true,
              response: {
                '@type': 'type.googleapis.com/google.cloudresourcemanager.v1.Project',
                ...renderProject(p, 'v1'),
              },
            }
          : {
              name: opName,
              metadata: {
                '@type':
                  'type.googleapis.com/google.cloud.resourcemanager.v3.CreateProjectMetadata',
                createTime: p.createTime,
                gettable: true,
                ready: true,
              },
              done: true,
              response: {
                '@type': 'type.googleapis.com/google.cloud.resourcemanager.v3.Project',
                ...renderProject(p, 'v3'),
              },
            }
      await tx.putOperation({
        name: opName,
        body: { ...op, projectId: p.projectId },
        createTime: p.createTime,
      })
      return op
    })
  }

  /** Compat: projects.get; `idOrNumber` is a project id or number. */
  async get(
    caller: Caller,
    idOrNumber: string,
    version: CrmVersion,
  ): Promise<ProjectV1 | ProjectV3> {
    await this.#ctx.checker.require(
      caller,
      'resourcemanager.projects.get',
      `projects/${idOrNumber}`,
    )
    const p = await this.#ctx.checker.project(idOrNumber)
    if (p === undefined) throw projectNotFound(idOrNumber)
    return renderProject(p, version)
  }

  /** Compat: projects.list: only the projects on which the caller has resourcemanager.projects.get. */
  async list(
    caller: Caller,
    request: ListProjectsRequest,
    version: CrmVersion,
  ): Promise<ListProjectsV1Response | ListProjectsV3Response> {
    const size = parsePageSize(request.pageSize)
    const pageSize = size === 0 ? 500 : Math.min(size, MAX_PAGE)
    let offset = 0
    if (request.pageToken !== undefined && request.pageToken !== '') {
      offset = Number(atobSafe(request.pageToken))
      if (!Number.isInteger(offset) || offset < 0) {
        throw invalidArgument('pageToken', `Invalid page token "${request.pageToken}".`)
      }
    }
    const visible: ProjectRecord[] = []
    let token: string | undefined
    do {
      const page = await this.#ctx.store.listProjects(
        token === undefined ? { pageSize: MAX_PAGE } : { pageSize: MAX_PAGE, pageToken: token },
      )
      for (const p of page.items) {
        const d = await this.#ctx.checker.decide(
          caller,
          'resourcemanager.projects.get',
          `projects/${p.projectId}`,
        )
        if (d.allowed) visible.push(p)
      }
      token = page.nextPageToken
    } while (token !== undefined)
    visible.sort((a, b) => (a.projectId < b.projectId ? -1 : a.projectId > b.projectId ? 1 : 0))
    const slice = visible.slice(offset, offset + pageSize)
    return {
      ...(slice.length > 0 ? { projects: slice.map((p) => renderProject(p, version)) } : {}),
      ...(offset + pageSize < visible.length
        ? { nextPageToken: btoa(String(offset + pageSize)) }
        : {}),
    } as ListProjectsV1Response | ListProjectsV3Response
  }

  /** `projects/{idOrNumber}` as a policy target; the policy is stored under the project id. */
  target(idOrNumber: string): PolicyTarget {
    return {
      name: `projects/${idOrNumber}`,
      type: 'project',
      permissionPrefix: 'resourcemanager.projects',
      resolve: async () => {
        const p = await this.#ctx.checker.project(idOrNumber)
        return p === undefined ? undefined : `projects/${p.projectId}`
      },
      notFound: () => projectNotFound(idOrNumber),
    }
  }
}

function atobSafe(s: string): string {
  try {
    return atob(s)
  } catch {
    return 'x'
  }
}
