// The fence: a replica that cannot follow the change feed (its follower connection is down, or it
// has been told of changes it has not applied for too long) must not decide on what may be stale
// policy. Until it has reconnected and caught up, the invoker gateway (Google's HTML 503 page, as
// for every gateway error), the auth_request endpoint and the admin API (Google's JSON envelope)
// answer 503 UNAVAILABLE with reason STORE_FEED_LAGGING,
// and /readyz says not ready, so a load balancer sends the traffic to the other replicas. The check
// is one field read per request.
import type { ServerResponse } from 'node:http'
import { encodeError } from '@runiam/api'
import { Code, IamError } from '@runiam/core'
import type { Surfaces } from './front-door.js'

/** What the fence reads: the store's follower (FeedFollower), by shape. */
export interface FeedState {
  readonly following: boolean
  readonly state: string
}

export function feedLagging(state: string): IamError {
  return new IamError(
    Code.UNAVAILABLE,
    'STORE_FEED_LAGGING',
    `This replica is not following the database's change feed (${state}), so it cannot decide on current policy. Please retry; another replica can answer.`,
  )
}

function refuse(res: ServerResponse, state: string): void {
  const { status, body } = encodeError(feedLagging(state))
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': String(Buffer.byteLength(text)),
    'retry-after': '1',
    'x-runiam-reason': 'STORE_FEED_LAGGING',
  })
  res.end(text)
}

/** The page a service's caller gets (the gateway's own 503 page, handed in: http imports no gateway). */
export interface FencePage {
  readonly status: number
  readonly body: string
}

function refusePage(res: ServerResponse, page: FencePage): void {
  res.writeHead(page.status, {
    'content-type': 'text/html; charset=UTF-8',
    'content-length': String(Buffer.byteLength(page.body)),
    'retry-after': '1',
    'x-runiam-reason': 'STORE_FEED_LAGGING',
  })
  res.end(page.body)
}

/** The same surfaces, refusing decisions while `feed` is not following. */
export function fenceSurfaces(
  surfaces: Surfaces,
  feed: FeedState,
  options: { readonly gatewayPage: () => FencePage },
): Surfaces {
  const { gateway } = surfaces
  return {
    ...surfaces,
    authz: (req, res, ctx) => {
      if (feed.following) return surfaces.authz(req, res, ctx)
      ctx.route = 'authz'
      ctx.log['decision'] = 'reject'
      ctx.log['reason'] = 'feed-lagging'
      req.resume()
      refuse(res, feed.state)
      return Promise.resolve()
    },
    gateway: {
      handle: (req, res, ctx) => {
        if (feed.following) return gateway.handle(req, res, ctx)
        ctx.log['decision'] = 'reject'
        ctx.log['reason'] = 'feed-lagging'
        req.resume()
        refusePage(res, options.gatewayPage())
        return Promise.resolve()
      },
      handleUpgrade: (req, socket, head, ctx) => {
        if (feed.following) return gateway.handleUpgrade(req, socket, head, ctx)
        const { status, body } = encodeError(feedLagging(feed.state))
        const text = JSON.stringify(body)
        socket.end(
          `HTTP/1.1 ${status} Service Unavailable\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: ${Buffer.byteLength(text)}\r\nretry-after: 1\r\nconnection: close\r\n\r\n${text}`,
        )
        return Promise.resolve()
      },
    },
    admin: (req, res, ctx, target) => {
      if (feed.following) return surfaces.admin(req, res, ctx, target)
      req.resume()
      refuse(res, feed.state)
      return Promise.resolve()
    },
    ready: async () => {
      const store = await surfaces.ready()
      // An unreachable database is the first thing to say; a lagging feed the next.
      if (!store.ok || feed.following) return store
      return { ok: false, store: `feed ${feed.state}` }
    },
  }
}
