// Full resource names (`//SERVICE/RELATIVE_NAME`) of the resources runiam analyzes, to and from
// runiam's own resource names. Compat: Cloud Asset Inventory's resource name format:
// `//cloudresourcemanager.googleapis.com/organizations/O`, `…/projects/P`, and
// `//run.googleapis.com/projects/P/locations/L/services/S` (jobs, workerPools alike).

/** What a full resource name names, with runiam's (relative) resource name. */
export interface ParsedFullResourceName {
  readonly type: 'organization' | 'project' | 'service' | 'job' | 'workerPool'
  /** The relative name as written, e.g. `projects/123/locations/l/services/s`. */
  readonly name: string
  /** The project segment as written (an id or a number); absent for the organization. */
  readonly project?: string
}

const CRM = '//cloudresourcemanager.googleapis.com/'
const RUN = '//run.googleapis.com/'
const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._-]*'
const RUN_NAME = new RegExp(
  `^projects/(${SEGMENT})/locations/(${SEGMENT})/(services|jobs|workerPools)/(${SEGMENT})$`,
)
const RUN_TYPES = { services: 'service', jobs: 'job', workerPools: 'workerPool' } as const

/** The full resource name of a runiam resource name (organization, project or Run resource). */
export function toFullResourceName(name: string): string {
  return name.startsWith('organizations/') || !name.includes('/locations/')
    ? `${CRM}${name}`
    : `${RUN}${name}`
}

/** Parses a full resource name runiam can analyze; undefined for anything else. */
export function parseFullResourceName(full: string): ParsedFullResourceName | undefined {
  if (full.startsWith(CRM)) {
    const rel = full.slice(CRM.length)
    const org = /^organizations\/(\d+)$/.exec(rel)
    if (org !== null) return { type: 'organization', name: rel }
    const project = new RegExp(`^projects/(${SEGMENT})$`).exec(rel)
    if (project?.[1] !== undefined) return { type: 'project', name: rel, project: project[1] }
    return undefined
  }
  if (full.startsWith(RUN)) {
    const rel = full.slice(RUN.length)
    const m = RUN_NAME.exec(rel)
    if (m === null) return undefined
    const kind = m[3] as keyof typeof RUN_TYPES
    return { type: RUN_TYPES[kind], name: rel, project: m[1] as string }
  }
  return undefined
}
