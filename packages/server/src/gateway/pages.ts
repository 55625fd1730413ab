// The HTML pages Google's front end answers with when it refuses or cannot reach a service.
// Compat: bodies copied in shape from Cloud Run's GFE pages (reference §9).

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

function page(
  status: number,
  title: string,
  heading: string,
  detail: string,
  requestId = '',
): string {
  return `<html><head>
<meta http-equiv="content-type" content="text/html;charset=utf-8">
<title>${status} ${title}</title>
</head>
<body text=#000000 bgcolor=#ffffff>
<h1>Error: ${heading}</h1>
<h2>${detail}</h2>
<h2>${requestId === '' ? '' : `Request ID: ${escapeHtml(requestId)}`}</h2>
</body></html>
`
}

export interface ErrorPage {
  readonly status: number
  readonly body: string
}

/**
 * 403: no credentials, or credentials without run.routes.invoke. `requestId` fills the page's
 * empty last heading (runiam's addition: the access log's line for it says why).
 */
export function forbiddenPage(path: string, requestId = ''): ErrorPage {
  return {
    status: 403,
    body: page(
      403,
      'Forbidden',
      'Forbidden',
      `Your client does not have permission to get URL <code>${escapeHtml(path)}</code> from this server.`,
      requestId,
    ),
  }
}

/** 401: a token that does not verify (signature, expiry, issuer, audience); `requestId` as 403. */
export function unauthorizedPage(path: string, requestId = ''): ErrorPage {
  return {
    status: 401,
    body: page(
      401,
      'Unauthorized',
      'Unauthorized',
      `Your client does not have permission to the requested URL <code>${escapeHtml(path)}</code>.`,
      requestId,
    ),
  }
}

export function notFoundPage(path: string): ErrorPage {
  return {
    status: 404,
    body: page(
      404,
      'Not Found',
      'Not Found',
      `The requested URL <code>${escapeHtml(path)}</code> was not found on this server.`,
    ),
  }
}

export function badGatewayPage(): ErrorPage {
  return {
    status: 502,
    body: page(
      502,
      'Bad Gateway',
      'Server Error',
      'The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.',
    ),
  }
}

export function unavailablePage(): ErrorPage {
  return {
    status: 503,
    body: page(
      503,
      'Service Unavailable',
      'Service Unavailable',
      'The service you requested is not available yet.<p>Please try again in 30 seconds.',
    ),
  }
}

export function timeoutPage(): ErrorPage {
  return {
    status: 504,
    body: page(
      504,
      'Gateway Timeout',
      'Gateway Timeout',
      'The upstream server did not respond in time.',
    ),
  }
}

/** 400: a request target the gateway will not interpret (gateway/request-target.ts). */
export function badRequestPage(): ErrorPage {
  return {
    status: 400,
    body: page(
      400,
      'Bad Request',
      'Bad Request',
      'Your client has issued a malformed or illegal request.',
    ),
  }
}

/** 414: a path longer than the gateway accepts. */
export function uriTooLongPage(): ErrorPage {
  return {
    status: 414,
    body: page(414, 'URI Too Long', 'URI Too Long', 'The requested URL is too large to process.'),
  }
}
