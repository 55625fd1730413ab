// What every authorizer under test offers the benchmark: load the world, then answer requests.
import type { Request, World } from '../dataset.js'

export interface LoadedPeer {
  /** Whether conditional bindings are modelled (a peer without them skips that measurement). */
  readonly conditions: boolean | string
  /** Turns a request into whatever the peer takes per call (outside the timed region). */
  prepare(request: Request): unknown
  /** One authorization decision for a prepared request. */
  check(prepared: unknown): boolean
}

export interface Peer {
  readonly name: string
  load(world: World): LoadedPeer | Promise<LoadedPeer>
}
