// Where resources sit: organizations.search (the organizations a caller may see, optionally by
// domain or directory customer id) and projects.getAncestry (a project, then its organization).
// Compat: cloudresourcemanager v1 organizations.search and projects.getAncestry, v3
// organizations.search; gcloud organizations list and projects get-ancestors-iam-policy call them.
import type {
  GetAncestryResponse,
  SearchOrganizationsV1Response,
  SearchOrganizationsV3Response,
} from '@runiam/api'
import type { OrganizationRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, type ServiceContext } from '../context.js'
import { invalidArgument, parsePageSize } from '../names.js'
import { renderOrganization, type CrmVersion } from './organization-service.js'
import { projectNotFound } from './project-service.js'

export interface SearchOrganizationsRequest {
  readonly pageSize?: string | undefined
  readonly pageToken?: string | undefined
  /** v1 `filter` / v3 `query`: `domain:D`, `owner.directoryCustomerId:C` (v3 `directoryCustomerId:C`). */
  readonly filter?: string | undefined
}

/** One filter term: the organization field it reads and the value it must equal (any case). */
interface Term {
  readonly field: 'domain' | 'directoryCustomerId'
  readonly value: string
}

const FIELDS: Readonly<Record<string, Term['field']>> = {
  domain: 'domain',
  'owner.directorycustomerid': 'directoryCustomerId',
  directorycustomerid: 'directoryCustomerId',
}

/**
 * Compat: "Filter rules are case-insensitive. Organizations may be filtered by
 * owner.directoryCustomerId or by domain" (v1 SearchOrganizationsRequest.filter). Terms separated
 * by spaces must all hold.
 */
function parseFilter(raw: string, param: string): Term[] {
  const terms: Term[] = []
  for (const word of raw
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '' && w !== 'AND')) {
    const m = /^([A-Za-z.]+)\s*[:=]\s*"?([^"]+)"?$/.exec(word)
    const field = m === null ? undefined : FIELDS[(m[1] as string).toLowerCase()]
    if (m === null || field === undefined) {
      throw invalidArgument(
        param,
        `Invalid ${param} "${raw}": organizations can be filtered by domain:DOMAIN or owner.directoryCustomerId:ID.`,
      )
    }
    terms.push({ field, value: (m[2] as string).toLowerCase() })
  }
  return terms
}

function fieldOf(org: OrganizationRecord, field: Term['field']): string {
  return (field === 'domain' ? org.domain : `C${org.id}`).toLowerCase()
}

export class HierarchyService {
  readonly #ctx: ServiceContext

  constructor(ctx: ServiceContext) {
    this.#ctx = ctx
  }

  /** The request body of v1 search (POST), or the query of v3 (GET), as one request. */
  static searchRequest(body: unknown): SearchOrganizationsRequest {
    if (body === undefined || body === null) return {}
    if (!isObject(body)) throw invalidArgument('body', 'Request body must be a JSON object.')
    const str = (k: string): string | undefined => {
      const v = body[k]
      if (v === undefined || v === null) return undefined
      if (typeof v === 'number' && k === 'pageSize') return String(v)
      if (typeof v !== 'string')
        throw invalidArgument(k, `Invalid value at '${k}', ${JSON.stringify(v)}`)
      return v
    }
    return { pageSize: str('pageSize'), pageToken: str('pageToken'), filter: str('filter') }
  }

  /**
   * Compat: organizations.search: the organizations on which the caller has
   * resourcemanager.organizations.get, nothing else (an empty answer, never 403).
   */
  async searchOrganizations(
    caller: Caller,
    request: SearchOrganizationsRequest,
    version: CrmVersion,
  ): Promise<SearchOrganizationsV1Response | SearchOrganizationsV3Response> {
    parsePageSize(request.pageSize)
    // runiam has one organization, so one page holds every answer: no token is ever issued.
    if (request.pageToken !== undefined && request.pageToken !== '')
      throw invalidArgument('pageToken', `Invalid page token "${request.pageToken}".`)
    const terms = parseFilter(request.filter ?? '', version === 'v1' ? 'filter' : 'query')
    const org = await this.#ctx.checker.organization()
    if (org === undefined) return {}
    const name = `organizations/${org.id}`
    const d = await this.#ctx.checker.decide(caller, 'resourcemanager.organizations.get', name)
    if (!d.allowed || !terms.every((t) => fieldOf(org, t.field) === t.value)) return {}
    return { organizations: [renderOrganization(org, version)] } as
      SearchOrganizationsV1Response | SearchOrganizationsV3Response
  }

  /**
   * Compat: projects.getAncestry (v1): checks resourcemanager.projects.get on the project before
   * looking it up, then answers the project and its parents, nearest first.
   */
  async getAncestry(caller: Caller, projectId: string): Promise<GetAncestryResponse> {
    await this.#ctx.checker.require(caller, 'resourcemanager.projects.get', `projects/${projectId}`)
    const p = await this.#ctx.checker.project(projectId)
    if (p === undefined) throw projectNotFound(projectId)
    const [type, id] = p.parent.split('/') as [string, string]
    const parentType = type === 'folders' ? 'folder' : 'organization'
    return {
      ancestor: [
        { resourceId: { type: 'project', id: p.projectId } },
        { resourceId: { type: parentType, id } },
      ],
    }
  }
}
