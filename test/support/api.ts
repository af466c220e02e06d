import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { load } from 'js-yaml';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkReply } from './contract';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  routeKey: string;
  handlerPath: string;
}

const root = path.resolve(__dirname, '../..');

/** The route table of serverless.yml itself, so tests exercise exactly the handlers API Gateway would call. */
function routes(): Route[] {
  const config = load(readFileSync(path.join(root, 'serverless.yml'), 'utf8')) as {
    functions: Record<
      string,
      { handler: string; events?: { httpApi?: { method: string; path: string } | '*' }[] }
    >;
  };
  // Deploy-time functions (the pre-traffic hook) have no events; the scenario check's is a schedule.
  return Object.values(config.functions).flatMap(({ handler, events = [] }) =>
    events.flatMap(({ httpApi }) => {
      if (!httpApi) return [];
      const { method, path: routePath } = httpApi === '*' ? { method: '*', path: '/{proxy+}' } : httpApi;
      const names = [...routePath.matchAll(/\{(\w+)\+?\}/g)].map((match) => match[1]!);
      const pattern = new RegExp(
        `^${routePath.replace(/\{\w+\+\}/g, '(.+)').replace(/\{\w+\}/g, '([^/]+)')}$`,
      );
      return [
        {
          method,
          pattern,
          names,
          routeKey: httpApi === '*' ? '$default' : `${method} ${routePath}`,
          handlerPath: path.join(root, handler.replace(/\.handler$/, '')),
        },
      ];
    }),
  );
}

const table = routes();

export interface ApiResponse<T = any> {
  status: number;
  headers: Record<string, string>;
  /** The parsed body of a JSON reply; undefined for any other (the API reference's page and files). */
  body: T;
  raw: string;
  /** Whether `raw` is base64 of binary content (a gzip-encoded file). */
  isBase64Encoded: boolean;
  /** The Lambda request id the handler ran under (what the logs carry). */
  invocationId: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as-is when a string; JSON-encoded otherwise. */
  body?: unknown;
  /** The client's address; by default a random one, so login throttling never links unrelated tests. */
  sourceIp?: string;
}

const randomAddress = () => `10.${[...randomBytes(3)].join('.')}`;

export interface Invocation {
  event: APIGatewayProxyEventV2;
  context: Context;
  /** The handler module API Gateway would call for the route (no extension). */
  handlerPath: string;
}

/** The HTTP API (payload v2) event and Lambda context API Gateway would send for `method url`. */
export function invocationFor(method: string, url: string, options: RequestOptions = {}): Invocation {
  const { pathname, searchParams } = new URL(url, 'http://localhost');
  const candidates = table.filter((route) => route.pattern.test(pathname));
  const route =
    candidates.find((candidate) => candidate.method === method) ?? candidates.find((c) => c.method === '*');
  if (!route) throw new Error(`no route for ${method} ${pathname}`);
  const values = route.pattern.exec(pathname)!.slice(1);
  const body =
    options.body === undefined || typeof options.body === 'string'
      ? options.body
      : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    ...(body !== undefined && { 'content-type': 'application/json' }),
    ...(options.token && { authorization: `Token ${options.token}` }),
    ...options.headers,
  };
  const event = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: pathname,
    rawQueryString: searchParams.toString(),
    headers,
    queryStringParameters: searchParams.size ? Object.fromEntries(searchParams) : undefined,
    pathParameters: route.names.length
      ? Object.fromEntries(route.names.map((name, i) => [name, values[i]!]))
      : undefined,
    requestContext: {
      http: { method, path: pathname, sourceIp: options.sourceIp ?? randomAddress() },
      requestId: randomUUID(),
    },
    body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
  const context = {
    awsRequestId: randomUUID(),
    functionName: `conduit-api-test-${path.basename(route.handlerPath)}`,
    functionVersion: '$LATEST',
    getRemainingTimeInMillis: () => 10_000,
  } as unknown as Context;
  return { event, context, handlerPath: route.handlerPath };
}

/** Invokes the Lambda handler for `method url` with an HTTP API (payload v2) event, as API Gateway would. */
export async function request(
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  const { event, context, handlerPath } = invocationFor(method, url, options);
  const invocationId = context.awsRequestId;
  const { handler } = (await import(handlerPath)) as { handler: Handler };
  const result = await handler(event, context);
  const raw = result.body ?? '';
  const headers = (result.headers ?? {}) as Record<string, string>;
  const json = /^application\/json\b/.test(headers['content-type'] ?? '');
  const response = {
    status: result.statusCode ?? 200,
    headers,
    body: raw && json ? JSON.parse(raw) : undefined,
    raw,
    isBase64Encoded: result.isBase64Encoded ?? false,
    invocationId,
  };
  // Every reply a test receives keeps openapi.yml's contract, or the test fails here.
  checkReply(method, url, response, { withToken: Boolean(event.headers.authorization) });
  return response;
}

export const api = {
  get: (url: string, options?: RequestOptions) => request('GET', url, options),
  post: (url: string, body?: unknown, options?: RequestOptions) => request('POST', url, { ...options, body }),
  put: (url: string, body?: unknown, options?: RequestOptions) => request('PUT', url, { ...options, body }),
  delete: (url: string, options?: RequestOptions) => request('DELETE', url, options),
};
