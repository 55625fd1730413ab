// Creates the API client the CLI uses: the api package's client over node:http (see node-fetch).
import type { RuniamClient } from '@runiam/api/client'

export async function makeClient(
  endpoint: string,
  getToken?: () => Promise<string>,
): Promise<RuniamClient> {
  const [{ createClient }, { nodeFetch }] = await Promise.all([
    import('@runiam/api/client'),
    import('./node-fetch.js'),
  ])
  return createClient({
    endpoint,
    fetch: nodeFetch,
    ...(getToken === undefined ? {} : { getToken }),
  })
}
