/** A REST call against the running app; the body is parsed when it is JSON. */
export interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function http(
  baseUrl: string,
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** The Status body of an error that carries a ZITADEL id. */
export function statusWithId(code: number, message: string, id: string): unknown {
  return {
    code,
    message: `${message} (${id})`,
    details: [{ '@type': 'type.googleapis.com/zitadel.v1.ErrorDetail', id, message }],
  };
}

export const TOKEN_INVALID = statusWithId(16, 'Token is invalid', 'AUTH-7fs1e');
export const AUTH_HEADER_MISSING = { code: 16, message: 'auth header missing', details: [] };
/** A dependency (the database, the JWKS, introspection) did not answer: 14, no details. */
export const UNAVAILABLE = {
  code: 14,
  message: 'service unavailable, try again later',
  details: [],
};

/** RFC 3339 in UTC, as the protobuf JSON mapping writes a Timestamp. */
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6}|\.\d{9})?Z$/;
