// The credentials a gateway request carries: every Authorization and X-Serverless-Authorization
// value, exactly as req.headersDistinct would list them, read in one pass over the raw headers
// (building headersDistinct copies every header of every request, for two of them).
import type { IncomingMessage } from 'node:http'

export interface CredentialHeaders {
  /** Each Authorization header's value, in order; undefined when there is none. */
  readonly authorization: string[] | undefined
  /** Each X-Serverless-Authorization header's value, in order; undefined when there is none. */
  readonly serverlessAuthorization: string[] | undefined
}

const AUTHORIZATION = 'authorization'
const SERVERLESS = 'x-serverless-authorization'

export function credentialHeaders(req: Pick<IncomingMessage, 'rawHeaders'>): CredentialHeaders {
  const raw = req.rawHeaders
  let authorization: string[] | undefined
  let serverlessAuthorization: string[] | undefined
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string
    // Header names are case-insensitive; the length test spares lower-casing all the others.
    if (name.length === AUTHORIZATION.length && name.toLowerCase() === AUTHORIZATION) {
      ;(authorization ??= []).push(raw[i + 1] as string)
    } else if (name.length === SERVERLESS.length && name.toLowerCase() === SERVERLESS) {
      ;(serverlessAuthorization ??= []).push(raw[i + 1] as string)
    }
  }
  return { authorization, serverlessAuthorization }
}
