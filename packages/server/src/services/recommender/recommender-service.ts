// Recommender v1 as a transport-free service: list, get and mark the recommendations of the IAM
// recommender (google.iam.policy.Recommender, location global) and of the Cloud Run public-service
// recommender (google.run.service.SecurityRecommender, location = region), computed on request
// from the project's current policies and the recorded usage (recommendation-source.ts). Every
// call authorizes first (AIP-211), on the project, with the recommender's own permission.
// Compat: google/cloud/recommender/v1/recommender_service.proto: names use the project number;
// a claimed, succeeded or failed recommendation keeps the content it had when marked; etags are
// required by markClaimed/markSucceeded/markFailed and optional for markDismissed.
import type { ListRecommendationsResponse } from '@runiam/api'
import { Code, IamError, invalidField, resourceNotFound } from '@runiam/core'
import {
  IAM_RECOMMENDER,
  RUN_SECURITY_RECOMMENDER,
  nextState,
  readStateMetadata,
  recommendationEtag,
  recommendationEtagMismatch,
  recommendationFilter,
  type Recommendation,
  type RecommendationDraft,
  type RecommendationMark,
  type RecommendationState,
} from '@runiam/core/recommender'
import type { RecommendationStateRecord } from '@runiam/store'
import type { Caller } from '../caller.js'
import { isObject, isoTime, type ServiceContext } from '../context.js'
import { pageOf } from '../iam/custom-roles.js'
import { checkRegion } from '../names.js'
import { projectNotFound } from '../resource-manager/project-service.js'
import { iamFindings, runFindings } from './recommendation-source.js'

export interface RecommenderSettings {
  /** The observation window, milliseconds. */
  readonly windowMs: number
}

/** What each recommender is checked with and where it lives. */
const RECOMMENDERS: Readonly<
  Record<string, { readonly permission: string; readonly global: boolean }>
> = {
  [IAM_RECOMMENDER]: { permission: 'recommender.iamPolicyRecommendations', global: true },
  [RUN_SECURITY_RECOMMENDER]: {
    permission: 'recommender.runServiceSecurityRecommendations',
    global: false,
  },
}

/** Content is immutable in these states (the stored snapshot is shown). */
const FROZEN = new Set<string>(['CLAIMED', 'SUCCEEDED', 'FAILED'])
const PARENT = /^projects\/([^/]+)\/locations\/([^/]+)\/recommenders\/([^/]+)$/
const MAX_PAGE = 1000

interface Parent {
  readonly project: string
  readonly location: string
  readonly recommender: string
  readonly permission: string
}

function parseParent(parent: string, field: string): Parent {
  const m = PARENT.exec(parent)
  const [, project, location, recommender] = m ?? []
  if (project === undefined || location === undefined || recommender === undefined) {
    throw invalidField(
      field,
      `Invalid ${field} "${parent}": expected projects/PROJECT/locations/LOCATION/recommenders/RECOMMENDER.`,
    )
  }
  const known = RECOMMENDERS[recommender]
  if (known === undefined) {
    throw invalidField(
      field,
      `Recommender "${recommender}" is not supported; runiam serves ${Object.keys(RECOMMENDERS).join(' and ')}.`,
    )
  }
  if (known.global ? location !== 'global' : location === 'global') {
    throw invalidField(
      field,
      `Recommender ${recommender} lives in ${known.global ? 'location global' : "the service's region"}, not in "${location}".`,
    )
  }
  if (!known.global) checkRegion(location)
  return { project, location, recommender, permission: known.permission }
}

function parseName(name: string): { parent: Parent; parentName: string; id: string } {
  const i = name.lastIndexOf('/recommendations/')
  const id = i < 0 ? '' : name.slice(i + '/recommendations/'.length)
  if (i < 0 || !/^[A-Za-z0-9-]{1,64}$/.test(id)) {
    throw invalidField(
      'name',
      `Invalid recommendation name "${name}": expected projects/PROJECT/locations/LOCATION/recommenders/RECOMMENDER/recommendations/ID.`,
    )
  }
  return { parent: parseParent(name.slice(0, i), 'name'), parentName: name.slice(0, i), id }
}

/** Etags compare without their quotes (gcloud users paste them with or without). */
const bare = (etag: string): string => etag.replace(/\\"/g, '').replace(/^"+|"+$/g, '')

/** A draft as a named resource in a state (the etag follows the state and the content). */
function build(
  draft: RecommendationDraft,
  name: string,
  state: RecommendationState,
  stateMetadata: Readonly<Record<string, string>>,
): Recommendation {
  const { id, lastRefreshTime, ...stable } = draft
  return {
    name,
    description: draft.description,
    recommenderSubtype: draft.recommenderSubtype,
    lastRefreshTime,
    primaryImpact: draft.primaryImpact,
    priority: draft.priority,
    content: draft.content,
    stateInfo: Object.keys(stateMetadata).length === 0 ? { state } : { state, stateMetadata },
    etag: recommendationEtag(id, state, stable, stateMetadata),
    associatedInsights: draft.associatedInsights,
    targetResources: draft.targetResources,
  }
}

export class RecommenderService {
  readonly #ctx: ServiceContext
  readonly #settings: RecommenderSettings

  constructor(ctx: ServiceContext, settings: RecommenderSettings) {
    this.#ctx = ctx
    this.#settings = settings
  }

  /** The caller may `verb` on the project; then the project (NOT_FOUND when it is missing). */
  async #authorize(
    caller: Caller,
    p: Parent,
    verb: string,
  ): Promise<{ id: string; number: string }> {
    await this.#ctx.checker.require(caller, `${p.permission}.${verb}`, `projects/${p.project}`)
    const project = await this.#ctx.checker.project(p.project)
    if (project === undefined) throw projectNotFound(p.project)
    return { id: project.projectId, number: project.projectNumber }
  }

  /** Every recommendation of the parent, current findings merged with the marked ones, by name. */
  async #all(p: Parent, project: { id: string; number: string }): Promise<Recommendation[]> {
    const o = { store: this.#ctx.store, nowMs: this.#ctx.now(), windowMs: this.#settings.windowMs }
    const drafts =
      p.recommender === IAM_RECOMMENDER
        ? await iamFindings(project.id, o)
        : await runFindings(project.id, p.location, o)
    const parent = `projects/${project.number}/locations/${p.location}/recommenders/${p.recommender}`
    const states = new Map<string, RecommendationStateRecord>()
    for (const s of await this.#ctx.store.listRecommendationStates(parent)) states.set(s.name, s)
    const out = new Map<string, Recommendation>()
    for (const d of drafts) {
      const name = `${parent}/recommendations/${d.id}`
      const s = states.get(name)
      if (s !== undefined && FROZEN.has(s.state)) continue
      const state = (s?.state ?? 'ACTIVE') as RecommendationState
      out.set(name, build(d, name, state, s?.stateMetadata ?? {}))
    }
    // Claimed, succeeded and failed ones stay as they were marked, found again or not.
    for (const s of states.values()) {
      if (FROZEN.has(s.state)) out.set(s.name, s.recommendation as Recommendation)
    }
    return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }

  /** The recommendation `id` of the parent, or NOT_FOUND naming what the caller asked for. */
  async #find(
    p: Parent,
    project: { id: string; number: string },
    id: string,
    shownAs: string,
  ): Promise<Recommendation> {
    const all = await this.#all(p, project)
    const found = all.find((r) => r.name.endsWith(`/recommendations/${id}`))
    if (found === undefined) throw resourceNotFound('RECOMMENDATION', shownAs)
    return found
  }

  /** Compat: recommender.projects.locations.recommenders.recommendations.list. */
  async list(
    caller: Caller,
    parentName: string,
    query: URLSearchParams,
  ): Promise<ListRecommendationsResponse> {
    const p = parseParent(parentName, 'parent')
    const raw = query.get('pageSize') ?? ''
    const size = raw === '' ? 0 : Number(raw)
    if (!Number.isInteger(size)) {
      throw invalidField('pageSize', `Invalid value at 'page_size' (TYPE_INT32), "${raw}"`)
    }
    const keep = recommendationFilter(query.get('filter') ?? undefined)
    const project = await this.#authorize(caller, p, 'list')
    const all = (await this.#all(p, project)).filter(keep)
    // Compat: a non-positive pageSize is ignored and the server picks the page size.
    const { page, next } = pageOf(
      all,
      (r) => r.name,
      size <= 0 ? MAX_PAGE : Math.min(size, MAX_PAGE),
      query.get('pageToken') ?? undefined,
    )
    return {
      ...(page.length === 0 ? {} : { recommendations: page }),
      ...(next === undefined ? {} : { nextPageToken: next }),
    }
  }

  /** Compat: recommender.projects.locations.recommenders.recommendations.get. */
  async get(caller: Caller, name: string): Promise<Recommendation> {
    const { parent, id } = parseName(name)
    const project = await this.#authorize(caller, parent, 'get')
    return this.#find(parent, project, id, name)
  }

  /** Compat: markClaimed, markSucceeded, markFailed and markDismissed. */
  async mark(
    caller: Caller,
    name: string,
    mark: RecommendationMark,
    body: unknown,
  ): Promise<Recommendation> {
    const { parent, id } = parseName(name)
    if (body !== undefined && body !== null && !isObject(body)) {
      throw invalidField('body', 'The request body must be a JSON object.')
    }
    const b = (body ?? {}) as Record<string, unknown>
    const etag = b['etag']
    if (etag !== undefined && typeof etag !== 'string') {
      throw invalidField('etag', `etag must be a string, got ${JSON.stringify(etag)}.`)
    }
    if (mark !== 'markDismissed' && (etag === undefined || etag === '')) {
      throw invalidField(
        'etag',
        `${mark} requires the recommendation's etag (list or describe it).`,
      )
    }
    const metadata = readStateMetadata(b['stateMetadata'])
    const project = await this.#authorize(caller, parent, 'update')
    const canonical = `projects/${project.number}/locations/${parent.location}/recommenders/${parent.recommender}/recommendations/${id}`
    // Read before the findings: a mark that lands in between fails the compare-and-set below.
    const row = await this.#ctx.store.getRecommendationState(canonical)
    const current = await this.#find(parent, project, id, name)
    if (etag !== undefined && etag !== '' && bare(etag) !== bare(current.etag)) {
      throw recommendationEtagMismatch(current.name, etag, current.etag)
    }
    const state = nextState(current.name, current.stateInfo.state, mark)
    const { name: _n, stateInfo: _s, etag: _e, lastRefreshTime: _t, ...stable } = current
    const marked: Recommendation = {
      ...current,
      stateInfo:
        Object.keys(metadata).length === 0 ? { state } : { state, stateMetadata: metadata },
      etag: recommendationEtag(id, state, stable, metadata),
    }
    const record: RecommendationStateRecord = {
      name: current.name,
      parent: current.name.slice(0, current.name.lastIndexOf('/recommendations/')),
      state,
      stateMetadata: metadata,
      etag: marked.etag,
      updateTime: isoTime(this.#ctx.now()),
      recommendation: marked,
    }
    try {
      await this.#ctx.store.transact((tx) =>
        tx.putRecommendationState(record, { ifEtag: row?.etag ?? null }),
      )
    } catch (err) {
      if (err instanceof IamError && err.code === Code.ABORTED) {
        throw recommendationEtagMismatch(current.name, etag ?? '', 'changed concurrently')
      }
      throw err
    }
    return marked
  }
}
