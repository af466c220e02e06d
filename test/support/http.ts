import { checkReply } from './contract';
import { registerWith, unique } from './fixtures';

/** A real HTTP response from the `serverless offline` the e2e setup started. */
export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
  raw: string;
}

export interface HttpOptions {
  token?: string;
  headers?: Record<string, string>;
  /** JSON-encoded unless already a string. */
  body?: unknown;
}

function baseUrl(): string {
  const url = process.env.CONDUIT_E2E_URL;
  if (!url)
    throw new Error('CONDUIT_E2E_URL is not set: run the e2e tests through `jest --selectProjects e2e`');
  return url;
}

/** `path` goes on the wire as given: encode non-ASCII path segments yourself (see `segment`). */
export function send(method: string, path: string, options: HttpOptions = {}): Promise<HttpResponse> {
  return sendTo(baseUrl(), method, path, options);
}

async function sendTo(
  server: string,
  method: string,
  path: string,
  options: HttpOptions = {},
): Promise<HttpResponse> {
  const body =
    options.body === undefined || typeof options.body === 'string'
      ? options.body
      : JSON.stringify(options.body);
  const response = await fetch(`${server}${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(options.token && { authorization: `Token ${options.token}` }),
      ...options.headers,
    },
    body,
  });
  const raw = await response.text();
  let parsed: unknown;
  try {
    parsed = raw ? JSON.parse(raw) : undefined;
  } catch {
    throw new Error(`${method} ${path} answered ${response.status} with a body that is not JSON: ${raw}`);
  }
  // Every reply a test receives keeps openapi.yml's contract, or the test fails here.
  const withToken = Boolean(options.token || options.headers?.authorization);
  checkReply(
    method,
    path,
    { status: response.status, headers: Object.fromEntries(response.headers), body: parsed, raw },
    { withToken },
  );
  return { status: response.status, headers: response.headers, body: parsed, raw };
}

/** A client for the API at `server` (a base URL, read at each request). */
export function httpAt(server: () => string) {
  const to = (method: string, path: string, options?: HttpOptions) => sendTo(server(), method, path, options);
  return {
    get: (path: string, options?: HttpOptions) => to('GET', path, options),
    post: (path: string, body?: unknown, options?: HttpOptions) => to('POST', path, { ...options, body }),
    put: (path: string, body?: unknown, options?: HttpOptions) => to('PUT', path, { ...options, body }),
    delete: (path: string, options?: HttpOptions) => to('DELETE', path, options),
    options: (path: string, options?: HttpOptions) => to('OPTIONS', path, options),
  };
}

/** The API the e2e setup started. */
export const http = httpAt(baseUrl);

/** One path segment, percent-encoded as a browser would send it. */
export const segment = encodeURIComponent;

/** A new account, registered through this API (the e2e setup's). */
export const register = (prefix = 'e2e') => registerWith(http, { username: unique(prefix) });

export { unique };
