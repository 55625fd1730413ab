// One page of a Cloud Run v2 list (services, jobs, worker pools): `pageSize` and `pageToken` page
// through one location's resources in the store; location `-` lists every location of the
// project at once (one page, as the store keeps no cross-location order).
import type { ResourceKind, ResourceRecord, StoreReader } from '@runiam/store'
import { parsePageSize } from '../names.js'

/** A list request's paging parameters, as strings from the URL. */
export interface ListQuery {
  readonly pageSize?: string | undefined
  readonly pageToken?: string | undefined
}

export interface ListedRecords {
  readonly items: readonly ResourceRecord[]
  /** Absent or empty: the last page. */
  readonly nextPageToken?: string | undefined
}

/** The records of `kind` in `projects/{projectId}/locations/{location}` (`-`: every location). */
export async function listRunResources(
  reader: StoreReader,
  kind: ResourceKind,
  projectId: string,
  location: string,
  query: ListQuery,
): Promise<ListedRecords> {
  const size = parsePageSize(query.pageSize)
  if (location === '-') {
    const prefix = `projects/${projectId}/locations/`
    return {
      items: (await reader.listAllResources(kind)).filter((r) => r.name.startsWith(prefix)),
    }
  }
  const page = await reader.listResources(`projects/${projectId}/locations/${location}`, kind, {
    ...(size > 0 ? { pageSize: size } : {}),
    ...(query.pageToken !== undefined && query.pageToken !== ''
      ? { pageToken: query.pageToken }
      : {}),
  })
  return { items: page.items, nextPageToken: page.nextPageToken }
}
