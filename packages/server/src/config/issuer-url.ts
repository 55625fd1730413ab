// The public issuer URL of runiam's tokens (`--issuer-url`, config `issuerUrl`, old name
// `issuer`), checked before start. Relying parties compare `iss` byte for byte, so the URL must be
// written exactly as it will appear in tokens: an http(s) origin, lower-case, without a default
// port, a trailing slash, a path, a query, a fragment or user info. A URL that is not in that form
// is refused with its canonical spelling rather than silently rewritten.

/** undefined when `raw` is a canonical issuer URL; otherwise why not. */
export function issuerUrlProblem(raw: string): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return `issuerUrl must be an http or https URL, got ${JSON.stringify(raw)}`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `issuerUrl must be an http or https URL, got ${JSON.stringify(raw)}`
  }
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.pathname !== '/' ||
    raw.includes('?') ||
    raw.includes('#')
  ) {
    return `issuerUrl must be an origin only (scheme, host and port: runiam serves its discovery document and keys at the root), without a path, query, fragment or user info, got ${JSON.stringify(raw)}`
  }
  if (raw !== url.origin) {
    return `issuerUrl must be written as tokens will carry it, ${url.origin} (lower-case, no default port, no trailing slash), got ${JSON.stringify(raw)}`
  }
  return undefined
}
