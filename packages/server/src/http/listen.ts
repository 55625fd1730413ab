// Binding the front door to its address, and the addresses it then answers on (for the upstream
// policy, which must never let a service's upstream be runiam itself).
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'

/** Listens on host:port (0 picks a free port) and resolves with the port. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve((server.address() as AddressInfo).port)
    })
  })
}

export const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host)

/** The hosts runiam answers on: the listen host, or every local address for 0.0.0.0 / ::. */
export function listenHosts(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [urlHost(host)]
  const local = Object.values(networkInterfaces()).flatMap((list) =>
    (list ?? []).map((i) => urlHost(i.address.replace(/%.*$/, ''))),
  )
  return [urlHost(host), 'localhost', ...local]
}
